import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strengthwise.settings")
application = get_wsgi_application()

# Warm up before the first request: import every view and API module now (the URL conf pulls
# them in), so no user waits for imports. `strengthwise serve` preloads this module in
# gunicorn's master, so each worker is forked already warm. No database connection is opened.
get_resolver().url_patterns  # noqa: B018 - evaluated for its imports
