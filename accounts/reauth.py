"""Re-authentication before sensitive account changes (OWASP ASVS 2 V3.7.1): creating, importing,
resetting, deactivating accounts and changing roles, the school's signing certificate, deleting records
past their retention. The password must have been given in this session within REAUTH_SECONDS (15
minutes by default); otherwise the user types it again — and their TOTP code when they have one."""

from __future__ import annotations

import time
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from sodiem.domain import Actor

AUTH_AT = "sodiem_auth_at"
FAILURES = "sodiem_password_failures"
MAX_FAILURES = 5


def stamp(request) -> None:
    request.session[AUTH_AT] = time.time()


SIGNED_IN_AT = "sodiem_signed_in_at"


@receiver(user_logged_in)
def _stamp_on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        stamp(request)
        # the session lasts SESSION_COOKIE_AGE from the sign-in, however busy: an absolute time, which
        # saving the session on every request does not push forward (idle timeout aside)
        now = time.time()
        request.session[SIGNED_IN_AT] = now
        request.session.set_expiry(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE))


def session_outlived(request) -> bool:
    started = request.session.get(SIGNED_IN_AT)
    return started is not None and time.time() - started > settings.SESSION_COOKIE_AGE


def is_recent(request) -> bool:
    return time.time() - request.session.get(AUTH_AT, 0) < getattr(settings, "REAUTH_SECONDS", 900)


def safe_next(request, url: str | None) -> str:
    """`url` when it is of this site (as a path), else the home page."""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "") or reverse("home")
    return reverse("home")


def recent_auth_required(view=None, *, only_post: bool = False):
    """Send the user to confirm their password first (`only_post`: not to read the page, only to change
    something). A POST cannot be replayed: after confirming, they come back to the page they were on
    and submit again."""
    if view is None:
        return lambda v: recent_auth_required(v, only_post=only_post)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if only_post and request.method != "POST":
            return view(request, *args, **kwargs)
        if request.user.is_authenticated and not is_recent(request):
            back = request.get_full_path() if request.method == "GET" else request.headers.get("Referer", "")
            return redirect(f"{reverse('accounts:reauth')}?{urlencode({'next': safe_next(request, back)})}")
        return view(request, *args, **kwargs)

    return wrapper


def wrong_password(request, where: str):
    """A wrong password typed inside a session — to confirm an action, to change the password, to sign
    a document — counts and is audited like a failed sign-in: someone holding a stolen session cannot
    guess the password behind it. The fifth, on any of these forms, ends the session (the redirect to
    the sign-in page is returned; None before)."""
    from audit.models import AuditEvent
    from audit.services import record

    failures = request.session[FAILURES] = request.session.get(FAILURES, 0) + 1
    record(AuditEvent.Action.PASSWORD_CHECK_FAILED, actor=Actor.of(request), where=where, failures=failures)
    if failures < MAX_FAILURES:
        return None
    record(AuditEvent.Action.SESSION_ENDED, actor=Actor.of(request), where=where, failures=failures)
    logout(request)
    messages.error(
        request,
        _("The password was wrong %(n)d times: the session has ended. Sign in again.") % {"n": failures},
    )
    return redirect("accounts:login")


def right_password(request) -> None:
    request.session.pop(FAILURES, None)
