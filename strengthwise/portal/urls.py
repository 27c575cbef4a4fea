from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("portal/", views.sign_in, name="sign-in"),
    path("portal/start/", views.start, name="start"),
    path("portal/sign-out/", views.sign_out, name="sign-out"),
    path("portal/home/", views.home, name="home"),
    path("portal/plan/", views.plan, name="plan"),
    path("portal/steps/<int:step_id>/done/", views.step_done, name="step-done"),
    path("portal/privacy/", views.privacy, name="privacy"),
    path(
        "portal/consents/<int:consent_id>/withdraw/",
        views.consent_withdraw,
        name="consent-withdraw",
    ),
    path("clients/<int:client_id>/portal-invitation/", views.invite, name="invite"),
]
