"""Strengthwise settings: one module, driven by the environment.

Every knob a deployment needs is an environment variable (see README "Configuration").
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("STRENGTHWISE_VAR_DIR", BASE_DIR / "var"))

TESTING = "pytest" in sys.modules or os.environ.get("STRENGTHWISE_TESTING") == "1"

# How a dear report is computed again (outcomes/snapshots.py, `refresh_mode`); unset: in a
# thread of the web process. `strengthwise serve` sets "process" and starts the refresher.
if os.environ.get("STRENGTHWISE_REPORT_REFRESH"):
    STRENGTHWISE_REPORT_REFRESH = os.environ["STRENGTHWISE_REPORT_REFRESH"]


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or ""
if not SECRET_KEY:
    # A development machine gets a key kept under ./var so sessions survive restarts;
    # production sets SECRET_KEY (README, docs/operations.md).
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()

# The audit trail's HMAC key: stable, outside the database and apart from SECRET_KEY.
# Production sets it in the environment (a deploy check insists); when it is empty (a
# development machine) the key is kept in ./var/audit_key, created 0600 on first use
# (strengthwise/audit/keys.py; docs/operations.md "The audit key and the anchor").
STRENGTHWISE_AUDIT_KEY = os.environ.get("STRENGTHWISE_AUDIT_KEY", "").strip()
STRENGTHWISE_AUDIT_KEY_FILE = VAR_DIR / "audit_key"

# The keys that seal the most sensitive client data at rest (strengthwise/core/crypto.py):
# `id:base64key` pairs, comma-separated, the first sealing new values. Production sets them in
# the environment (a deploy check insists); a development machine keeps one in
# ./var/field_keys, created 0600 on first use (docs/operations.md "Field encryption").
STRENGTHWISE_FIELD_KEYS = os.environ.get("STRENGTHWISE_FIELD_KEYS", "").strip()
STRENGTHWISE_FIELD_KEYS_FILE = VAR_DIR / "field_keys"

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
STRENGTHWISE_DEMO = _env_bool("STRENGTHWISE_DEMO", False)
# Every staff account signs in with a second factor (an authenticator app, or a one-time
# recovery code). Only the demo (`strengthwise demo`, which sets STRENGTHWISE_DEMO=1) may switch
# the requirement off; a person who has set up an authenticator is asked for it either way.
STRENGTHWISE_REQUIRE_SECOND_FACTOR = not STRENGTHWISE_DEMO or _env_bool(
    "STRENGTHWISE_REQUIRE_SECOND_FACTOR", False
)
OTP_TOTP_ISSUER = "Strengthwise"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "strengthwise.core",
    "strengthwise.accounts",
    "strengthwise.audit",
    "strengthwise.people",
    "strengthwise.questionnaires",
    "strengthwise.assessments",
    "strengthwise.plans",
    "strengthwise.directory",
    "strengthwise.referrals",
    "strengthwise.notes",
    "strengthwise.tasks",
    "strengthwise.outcomes",
    "strengthwise.interop",
    "strengthwise.scale",
    "strengthwise.portal",
]

MIDDLEWARE = [
    # Only with STRENGTHWISE_SERVER_TIMING (the bench's server): the time and queries per request.
    "strengthwise.core.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "strengthwise.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A client's portal session reaches only the portal; staff sessions never count as one.
    "strengthwise.portal.middleware.PortalMiddleware",
    "strengthwise.core.middleware.SessionLifetimeMiddleware",
    "strengthwise.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "strengthwise.core.middleware.NoStoreMiddleware",
    # A POST to the API sent again with the same Idempotency-Key does nothing twice.
    "strengthwise.interop.idempotency.IdempotencyMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "strengthwise.urls"
WSGI_APPLICATION = "strengthwise.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "strengthwise" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "strengthwise.accounts.context_processors.navigation",
            ],
        },
    }
]

# Form widgets render through Jinja2 where Django ships their templates for it (a quarter of a
# plan page's time went on widgets); the pages' own templates stay in the template language.
FORM_RENDERER = "strengthwise.core.forms.WidgetRenderer"

# --- Database -----------------------------------------------------------------------------
# Default: an embedded SQLite file under ./var, in WAL mode with IMMEDIATE transactions so
# that concurrent writers queue on the busy timeout instead of failing half-way.
VAR_DIR.mkdir(parents=True, exist_ok=True)
_default_sqlite = f"sqlite:///{VAR_DIR / 'strengthwise.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL") or _default_sqlite


def _database(url: str) -> dict[str, Any]:
    """One DATABASES entry for `url`, with the engine's options (the default database and the
    replica alike)."""
    database: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # A worker keeps its connection (no new connection and PRAGMAs per request); the
        # suite's live servers run threads that come and go, so tests open one per request.
        database["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "0" if TESTING else "60"))
        database["CONN_HEALTH_CHECKS"] = True
        database["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=20000;"
                "PRAGMA cache_size=-64000;"
            ),
        }
    else:
        database["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
        # Typo-tolerant search: accept word similarity from 0.3 (pg_trgm's default is 0.6).
        # No parallel workers per query by default: a page's query is short, and a parallel
        # plan spends two more processes' CPU on what one index answers (at 100,000 clients a
        # supervisor's notes search: a parallel scan of every client, 24-27 ms; serial through
        # the indexes, 0.5 ms). docs/operations.md says when to raise it.
        parallel = int(os.environ.get("STRENGTHWISE_PG_PARALLEL_WORKERS", "0"))
        database.setdefault("OPTIONS", {})["options"] = (
            "-c pg_trgm.word_similarity_threshold=0.3"
            f" -c max_parallel_workers_per_gather={parallel}"
        )
        database["CONN_HEALTH_CHECKS"] = True
    return database


DATABASES = {"default": _database(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("STRENGTHWISE_TEST_SQLITE") or None}

# A read replica for the reports (strengthwise/core/db_router.py, docs/operations.md): reads
# go there only while a report's figures are computed; every write and every other read stays
# on default. Tests always have the alias, as a mirror of the test database (a second
# connection to it), so the router's tests run in every suite, and never the router: the tests
# that use it switch it on (override_settings) and declare both databases, so the suite runs
# the same whether or not DATABASE_REPLICA_URL is set.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL or TESTING:
    DATABASES["replica"] = _database(DATABASE_REPLICA_URL or DATABASE_URL)
    # Nothing writes to the replica: on SQLite its transactions need not take the write lock.
    DATABASES["replica"]["OPTIONS"].pop("transaction_mode", None)
    if TESTING:
        DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
if DATABASE_REPLICA_URL and not TESTING:
    DATABASE_ROUTERS = ["strengthwise.core.db_router.ReportsReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Authentication and sessions ------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests create many users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lockout (django-axes): after 10 failed sign-ins for one account, or from one address, within
# the cool-off, sign-in is refused for 15 minutes (every failure and lockout is audited; an
# admin lifts one early with `strengthwise axes_reset_username NAME`).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("STRENGTHWISE_LOCKOUT_FAILURES", "10"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("STRENGTHWISE_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "strengthwise.audit.services.client_address"
AXES_VERBOSE = False
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after 30 minutes idle and after 12 hours in all (SessionLifetimeMiddleware). A
# session in use is renewed at most once a minute — not saved on every request, a write per page
# that SQLite serialises — so it ends 29 to 30 minutes after its last request. The suite renews
# on every request (0), so that query counts do not depend on how fast a test runs; one test
# covers the minute.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = int(os.environ.get("SESSION_RENEW_SECONDS", "0" if TESTING else "60"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_LIMIT_SECONDS = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

SECURE_HTTPS = _env_bool("SECURE_HTTPS", False)  # production behind TLS: set SECURE_HTTPS=1
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS and _env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = False
# Preloading HSTS is the agency's decision about its whole domain, not the app's.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_HTTPS else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer checks over plain HTTP
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
# The HSDS read API (/api/hsds/) answers without a token when the agency publishes its
# directory; otherwise it takes an API token like the rest of the API.
STRENGTHWISE_HSDS_PUBLIC = os.environ.get("STRENGTHWISE_HSDS_PUBLIC", "").lower() in (
    "1",
    "true",
    "yes",
)
# How long a printed or emailed portal invitation code works (strengthwise/portal).
STRENGTHWISE_PORTAL_INVITATION_DAYS = int(
    os.environ.get("STRENGTHWISE_PORTAL_INVITATION_DAYS", "14")
)
# Webhook endpoints must be https:// on the Internet; tests and development may register
# http:// and loopback receivers (strengthwise/interop/webhooks.py).
STRENGTHWISE_WEBHOOKS_ALLOW_HTTP = _env_bool("STRENGTHWISE_WEBHOOKS_ALLOW_HTTP", TESTING or DEBUG)
# A Server-Timing header with Django's time and the SQL query count on every answer, for
# `strengthwise bench` (which sets it for the server it starts). Never in production.
STRENGTHWISE_SERVER_TIMING = _env_bool("STRENGTHWISE_SERVER_TIMING", False)
LOCALE_PATHS = [BASE_DIR / "strengthwise" / "locale"]
TIME_ZONE = "UTC"  # stored in UTC; shown in the agency's zone (Agency.timezone)
USE_I18N = True
USE_TZ = True
# One date format per language (strengthwise/formats): pages show SHORT_DATE_FORMAT.
FORMAT_MODULE_PATH = ["strengthwise.formats"]

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "strengthwise" / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it even before collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- Email ----------------------------------------------------------------------------------
EMAIL_URL = os.environ.get("EMAIL_URL", "console://")
if EMAIL_URL.startswith("console:"):
    # Django's console backend, except that a message carrying a secret is not written out.
    EMAIL_BACKEND = "strengthwise.core.mail.ConsoleBackend"
elif EMAIL_URL.startswith("smtp"):
    from urllib.parse import unquote, urlparse

    _mail = urlparse(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or 25
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_TLS = _mail.scheme == "smtp+tls"
    EMAIL_USE_SSL = _mail.scheme == "smtps"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "strengthwise@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Partner links carry their secret in the URL: keep it out of the request log lines.
    "filters": {"partner_tokens": {"()": "strengthwise.core.logging.RedactPartnerTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["partner_tokens"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The address people use to reach this installation (links in reminder emails).
STRENGTHWISE_BASE_URL = os.environ.get("STRENGTHWISE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# How long a receiving organisation's referral link works (days).
STRENGTHWISE_PARTNER_LINK_DAYS = int(os.environ.get("STRENGTHWISE_PARTNER_LINK_DAYS", "30"))
# Demo data loaders, run in order by `strengthwise demo` (each app adds its own).
STRENGTHWISE_DEMO_LOADERS = [
    "strengthwise.people.demo.load",
    "strengthwise.assessments.demo.load",
    "strengthwise.plans.demo.load",
    "strengthwise.directory.demo.load",
    "strengthwise.referrals.demo.load",
    "strengthwise.notes.demo.load",
    "strengthwise.outcomes.demo.load",
    "strengthwise.portal.demo.load",
    "strengthwise.questionnaires.demo.load",
]
# Sections of the client's face sheet, contributed by the apps above `people`.
STRENGTHWISE_FACE_SHEET_PROVIDERS = [
    "strengthwise.questionnaires.face_sheet.sections",
    "strengthwise.assessments.face_sheet.sections",
    "strengthwise.plans.face_sheet.sections",
    "strengthwise.referrals.face_sheet.sections",
    "strengthwise.notes.face_sheet.sections",
    "strengthwise.tasks.face_sheet.sections",
    "strengthwise.outcomes.selectors.face_sheet_sections",
]
# Benchmark scenarios, timed by `strengthwise bench` (each app adds its own).
STRENGTHWISE_BENCH_SCENARIOS = [
    "strengthwise.people.bench.scenarios",
    "strengthwise.scale.bench.seeded_scenarios",
    "strengthwise.assessments.bench.scenarios",
    "strengthwise.plans.bench.scenarios",
    "strengthwise.directory.bench.scenarios",
    "strengthwise.notes.bench.scenarios",
    "strengthwise.outcomes.bench.scenarios",
    "strengthwise.tasks.bench.scenarios",
    "strengthwise.questionnaires.bench.scenarios",
]
