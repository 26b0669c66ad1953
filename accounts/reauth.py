"""Re-authentication before sensitive account changes (OWASP ASVS 2 V3.7.1): creating, importing,
resetting, deactivating accounts and changing roles, the school's signing certificate, deleting records
past their retention. The password must have been given in this session within REAUTH_SECONDS (15
minutes by default); otherwise the user types it again — and their TOTP code when they have one."""

from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

AUTH_AT = "sodiem_auth_at"


def stamp(request) -> None:
    request.session[AUTH_AT] = time.time()


@receiver(user_logged_in)
def _stamp_on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        stamp(request)


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
