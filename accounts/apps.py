from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and schools")

    def ready(self):
        from accounts import reauth, signin  # noqa: F401 (the sign-in time stamp, the owner told)
