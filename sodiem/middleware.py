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
