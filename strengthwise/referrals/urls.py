from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("clients/<int:client_id>/referrals/", views.client_referrals, name="client"),
    path("clients/<int:client_id>/referrals/new/", views.referral_new, name="referral-new"),
    path(
        "clients/<int:client_id>/referrals/<int:referral_id>/",
        views.referral_detail,
        name="referral",
    ),
    path(
        "clients/<int:client_id>/referrals/<int:referral_id>/transition/",
        views.referral_transition,
        name="referral-transition",
    ),
    path(
        "clients/<int:client_id>/referrals/<int:referral_id>/relink/",
        views.referral_relink,
        name="referral-relink",
    ),
    path(
        "clients/<int:client_id>/referrals/<int:referral_id>/rate/",
        views.referral_rate,
        name="referral-rate",
    ),
    path("clients/<int:client_id>/consents/new/", views.consent_new, name="consent-new"),
    path(
        "clients/<int:client_id>/consents/organisations/",
        views.consent_organizations,
        name="consent-organizations",
    ),
    path(
        "clients/<int:client_id>/consents/<int:consent_id>/revoke/",
        views.consent_revoke,
        name="consent-revoke",
    ),
    path(
        "clients/<int:client_id>/consents/<int:consent_id>/document/",
        views.consent_document,
        name="consent-document",
    ),
    path("clients/<int:client_id>/services-delivered/", views.delivery_add, name="delivery-add"),
    path("partner/referrals/<str:token>/", views.partner, name="partner"),
]
