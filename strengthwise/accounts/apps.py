from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "strengthwise.accounts"
    label = "accounts"
    verbose_name = "Agencies and staff"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import checks  # noqa: F401 - registers the deployment checks
        from .second_factor import _on_sign_in

        user_logged_in.connect(_on_sign_in, dispatch_uid="strengthwise-second-factor")
