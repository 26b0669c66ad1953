"""Input no form of the portal can accept: the NUL character (PostgreSQL text cannot hold it, and no
keyboard types it). Refused at the door with a 400, before any view, so a hand-made request can never
turn into a database error (a 500) or half a write."""

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _


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
        return self.get_response(request)
