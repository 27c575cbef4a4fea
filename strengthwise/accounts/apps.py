from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "strengthwise.accounts"
    label = "accounts"
    verbose_name = "Agencies and staff"
