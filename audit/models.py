"""Audit events: logins, refused access, role grants, exports … (field history is django-simple-history)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logout")
        ACCESS_DENIED = "access_denied", _("Access refused")
        ROLE_GRANTED = "role_granted", _("Role granted")
        ROLE_REMOVED = "role_removed", _("Role removed")
        ACCOUNT_CREATED = "account_created", _("Account created")
        ACCOUNT_DEACTIVATED = "account_deactivated", _("Account deactivated")
        PASSWORD_RESET = "password_reset", _("Password reset")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    school = models.ForeignKey(
        "accounts.School", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["school", "at"])]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor_name} {self.action}"
