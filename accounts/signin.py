"""Sign-in under attack (docs/accounts.md).

- The lockout (django-axes) counts failures per username *and* address: the teachers of a school share
  one public address, and a stranger guessing from elsewhere must not lock a teacher out on the evening
  of a deadline.
- A username attacked from many addresses is slowed instead: once it has had SLOW_AFTER failures from
  several addresses within WINDOW, each further try waits a little longer (up to MAX_WAIT seconds)
  after the last failure and is refused unchecked before then. The owner still gets in, after a pause.
- At sign-in the owner is told how many failed attempts there were on their account since their
  previous sign-in, and from where.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent

WINDOW = timedelta(minutes=15)
SLOW_AFTER = 10  # failures …
FROM_ADDRESSES = 3  # … from at least this many addresses
MAX_WAIT = 60  # seconds


def _failures(username: str, since):
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.LOGIN_FAILED, actor_name__iexact=username, at__gte=since
    )


def wait_seconds(username: str, now=None) -> int:
    """How long this username must still wait before its password is checked again (0: not slowed)."""
    if not username:
        return 0
    now = now or timezone.now()
    recent = list(_failures(username, now - WINDOW).values_list("at", "ip"))
    if len(recent) < SLOW_AFTER or len({ip for _at, ip in recent}) < FROM_ADDRESSES:
        return 0
    wait = min(MAX_WAIT, 2 ** (len(recent) - SLOW_AFTER))
    last = max(at for at, _ip in recent)
    return max(0, int((last + timedelta(seconds=wait) - now).total_seconds() + 0.999))


@receiver(user_logged_in)
def tell_the_owner(sender, request, user, **kwargs):
    """Failed attempts on the account since its previous sign-in, on the page after this one."""
    if request is None:
        return
    previous = (
        AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, actor=user)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    since = previous or user.date_joined
    failed = list(_failures(user.get_username(), since).order_by("-at").values_list("at", "ip")[:500])
    if failed:
        at, ip = failed[0]
        messages.warning(
            request,
            _(
                "There were %(n)d failed sign-in attempts on your account since you last signed in (the "
                "latest at %(at)s, from %(ip)s). If they were not yours, change your password."
            )
            % {"n": len(failed), "at": timezone.localtime(at).strftime("%H:%M %d/%m/%Y"), "ip": ip or "?"},
            fail_silently=True,
        )
