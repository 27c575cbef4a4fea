from django.contrib import admin
from django.urls import include, path

from strengthwise.accounts import views as accounts_views
from strengthwise.api import api
from strengthwise.core import views as core_views

urlpatterns = [
    path("", accounts_views.home, name="home"),
    path("settings/", accounts_views.settings_home, name="settings"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("strengthwise.accounts.urls")),
    path("clients/", include("strengthwise.people.urls")),
    path("clients/<int:client_id>/assessments/", include("strengthwise.assessments.urls")),
    path("", include("strengthwise.questionnaires.urls")),
    path("", include("strengthwise.plans.urls")),
    path("", include("strengthwise.directory.urls")),
    path("", include("strengthwise.referrals.urls")),
    path("", include("strengthwise.notes.urls")),
    path("", include("strengthwise.tasks.urls")),
    path("", include("strengthwise.outcomes.urls")),
    path("", include("strengthwise.interop.urls")),
    path("", include("strengthwise.portal.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
