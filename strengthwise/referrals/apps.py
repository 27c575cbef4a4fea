from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "strengthwise.referrals"
    label = "referrals"
    verbose_name = "Consent, referrals and services delivered"
