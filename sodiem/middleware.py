"""Input at the door, before any view.

- The NUL character no form of the portal can accept (PostgreSQL text cannot hold it, and no keyboard
  types it): refused with a 400, so a hand-made request can never turn into a database error (a 500)
  or half a write.
- Text in Unicode NFC (sodiem/text.py): the query string and form fields are normalised here, so every
  form and service sees one spelling of "Nguyễn"."""

from django.http import HttpResponseBadRequest, JsonResponse, QueryDict
from django.utils.translation import gettext as _

from sodiem.text import nfc

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(request) -> bool:
    if any(
        "\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in [key, *values]
    ):
        return True
    if request.method in ("POST", "PUT", "PATCH"):
        content_type = request.content_type or ""
        if content_type == "application/json":
            body = request.body
            return b"\x00" in body or b"\\u0000" in body.lower()
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            # uploaded files are binary and may hold NUL bytes: only the fields are checked
            return any(
                "\x00" in key or "\x00" in value for key, values in request.POST.lists() for value in values
            )
    return False


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            message = _("The request holds a character no form accepts (NUL).")
            # the grid speaks JSON: its refusal too, so that the page can show it beside the cells
            if request.content_type == "application/json" or "application/json" in request.headers.get(
                "Accept", ""
            ):
                return JsonResponse({"error": message}, status=400)
            return HttpResponseBadRequest(message)
        request.GET = _normalised(request.GET)
        if request.method == "POST" and (request.content_type or "") in FORM_TYPES:
            request.POST = _normalised(request.POST)
        return self.get_response(request)


def _normalised(data: QueryDict) -> QueryDict:
    if all(key.isascii() and all(v.isascii() for v in values) for key, values in data.lists()):
        return data
    copy = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        copy.setlist(nfc(key), nfc(values))
    copy._mutable = False
    return copy


class DomainErrorMiddleware:
    """A `DomainError` a view did not show itself (sodiem/domain.py): for the grid's JSON calls a 400,
    or a 409 when the data changed meanwhile; for a page, the message on the page the user came from
    (the same page when the referrer is not this site)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.contrib import messages
        from django.http import HttpResponseRedirect
        from django.utils.http import url_has_allowed_host_and_scheme

        from sodiem.domain import DomainError

        if not isinstance(exception, DomainError):
            return None
        status = 409 if exception.conflict else 400
        if request.content_type == "application/json" or "application/json" in request.headers.get(
            "Accept", ""
        ):
            return JsonResponse({"error": str(exception), "errors": exception.errors}, status=status)
        messages.error(request, str(exception))
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
            back = request.get_full_path()
        return HttpResponseRedirect(back)


class FriendlyErrorsMiddleware:
    """The portal's own Vietnamese 404 and 500 pages while DEBUG is on (the demo of `make run`), where
    Django would show its technical pages (the URL patterns, a traceback); FRIENDLY_ERROR_PAGES turns it
    on. Without DEBUG, Django's handlers already serve these pages (sodiem/urls.py, templates/)."""

    def __init__(self, get_response):
        from django.conf import settings

        self.active = settings.DEBUG and settings.FRIENDLY_ERROR_PAGES
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            self.active
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
        ):
            from django.shortcuts import render

            return render(request, "404.html", status=404)
        return response

    def process_exception(self, request, exception):
        if not self.active:
            return None
        import logging

        from django.core.exceptions import PermissionDenied
        from django.http import Http404
        from django.shortcuts import render

        from sodiem.domain import DomainError

        if isinstance(exception, (Http404, PermissionDenied, DomainError)):
            return None  # a page of their own (handler403, the 404 above, DomainErrorMiddleware)
        logging.getLogger("django.request").error(
            "Internal error: %s", request.path, exc_info=(type(exception), exception, exception.__traceback__)
        )
        return render(request, "500.html", status=500)
