"""Account policies on every request: idle timeout, forced password change, two-factor for leaders,
no caching of authenticated pages."""

import time
from functools import cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import authz
from accounts.models import Role
from accounts.reauth import session_outlived

_LAST_SEEN = "sodiem_last_seen"
_SEEN_EVERY = 60  # seconds
_AGE_WARNED = "sodiem_password_age_warned"
_EXEMPT_PREFIXES = ("/static/", "/health/", "/i18n/")


def _exempt_paths():
    return _exempt_paths_of(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@cache
def _exempt_paths_of(urlconf, prefix: str) -> frozenset[str]:
    # reversed once per URL configuration and script prefix, not on every request
    return frozenset(
        {
            reverse("accounts:login"),
            reverse("accounts:logout"),
            reverse("accounts:password_change"),
            reverse("accounts:otp_setup"),
            reverse("accounts:otp_verify"),
        }
    )


class AccountPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self._policy(request)
        if response is None:
            response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response.setdefault("Cache-Control", "no-store")
        return response

    def _policy(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(_EXEMPT_PREFIXES):
            return None
        now = time.time()
        last_seen = request.session.get(_LAST_SEEN)
        idle = last_seen is not None and now - last_seen > settings.SESSION_IDLE_SECONDS
        outlived = session_outlived(request)
        if idle or outlived:
            logout(request)
            if request.headers.get("Accept", "").startswith("application/json"):
                message = _(
                    "Your session has expired. Sign in again in another tab, then save again: your cells are kept."
                )
                return JsonResponse({"error": message}, status=401)
            messages.info(
                request,
                _("Your session reached its maximum length. Please sign in again.")
                if outlived
                else _("Your session expired after a period of inactivity. Please sign in again."),
            )
            return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")
        if last_seen is None or now - last_seen >= _SEEN_EVERY:
            # the idle clock, kept to the minute: a session written on every request would cost each
            # request (a grid save, a page) a database write of its own
            request.session[_LAST_SEEN] = now
        if request.path in _exempt_paths():
            return None
        if user.must_change_password:
            return redirect("accounts:password_change")
        if self._needs_second_factor(request):
            if not user.totpdevice_set.filter(confirmed=True).exists():
                return redirect("accounts:otp_setup")
            if not request.user.is_verified():
                return redirect(f"{reverse('accounts:otp_verify')}?next={request.get_full_path()}")
        self._remind_password_age(request)
        return None

    @staticmethod
    def _needs_second_factor(request) -> bool:
        for school in authz.schools_of(request.user):
            if school.require_2fa_for_leaders and authz.roles_in(request.user, school) & {
                Role.PRINCIPAL,
                Role.ADMIN_BOARD,
            }:
                return True
        return False

    @staticmethod
    def _remind_password_age(request) -> None:
        if request.session.get(_AGE_WARNED):
            return
        user = request.user
        changed = user.password_changed_at or user.date_joined
        schools = authz.schools_of(user)
        max_age = min(
            (s.password_max_age_days for s in schools), default=settings.SODIEM_PASSWORD_MAX_AGE_DAYS
        )
        age = (timezone.now() - changed).days
        if age > max_age:
            messages.warning(
                request,
                _(
                    "You have kept your password for %(days)d days (the school's limit is %(limit)d). Please change it."
                )
                % {"days": age, "limit": max_age},
            )
        request.session[_AGE_WARNED] = True


class LanguageMiddleware:
    """Vietnamese unless the person chose English (language cookie): teachers' browsers are often set
    to English, which must not turn the portal's language (so no Accept-Language negotiation)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
