from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import AuditEvent
from audit.services import record


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record(AuditEvent.Action.LOGIN, actor=user, request=request)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(AuditEvent.Action.LOGOUT, actor=user, request=request)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    record(
        AuditEvent.Action.LOGIN_FAILED, request=request, username=str(credentials.get("username", ""))[:150]
    )
