"""Small request helpers shared by the apps."""

import ipaddress
import uuid

from django.conf import settings
from django.http import Http404, HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An Excel workbook to download under `filename` (with its .xlsx)."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def uuid_or_404(text) -> uuid.UUID:
    """The public id a form or a query string sent; a malformed one finds nothing (404, never a 500)."""
    try:
        return uuid.UUID(str(text))
    except ValueError:
        raise Http404 from None


def _networks(values):
    nets = []
    for value in values:
        try:
            nets.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            continue
    return nets


def _trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request) -> str | None:
    """The address a request came from, as the audit trail and the lockout record it.

    The peer's address, unless the peer is one of the reverse proxies the deployment names
    (TRUSTED_PROXIES: addresses or networks): then the nearest address in X-Forwarded-For that is not
    one of them. A header sent by anyone else is ignored — it would let a client write any address
    into the trail, or dodge the lockout by changing it at every try."""
    if request is None:
        return None
    peer = request.META.get("REMOTE_ADDR") or None
    networks = _networks(settings.TRUSTED_PROXIES)
    if not peer or not networks or not _trusted(peer, networks):
        return peer
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for address in reversed(forwarded):
        if not _trusted(address, networks):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return peer  # a malformed header: the proxy itself, rather than a made-up address
    return peer


def lockout_ip(request) -> str:
    """django-axes' view of the client's address (the same as the audit trail's)."""
    return client_ip(request) or ""
