from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from audit.models import AuditEvent
from audit.services import record
from sodiem.domain import Actor
from sodiem.http import client_ip


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record(AuditEvent.Action.LOGIN, actor=Actor(user, client_ip(request)))


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(AuditEvent.Action.LOGOUT, actor=Actor(user, client_ip(request)))


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    record(
        AuditEvent.Action.LOGIN_FAILED,
        actor=Actor.of(request),
        username=str(credentials.get("username", ""))[:150],
    )


@receiver(pre_create_historical_record)
def history_ip(sender, history_instance, **kwargs):
    """Every history row says where the change came from: the IP of the request that made it (rows
    written outside a request — commands, jobs — have none). Bulk writers set it themselves."""
    if getattr(history_instance, "ip_address", "absent") is None:
        request = getattr(HistoricalRecords.context, "request", None)
        if request is not None:
            history_instance.ip_address = client_ip(request)
