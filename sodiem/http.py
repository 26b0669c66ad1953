"""Small request helpers shared by the apps."""

import uuid

from django.http import Http404


def uuid_or_404(text) -> uuid.UUID:
    """The public id a form or a query string sent; a malformed one finds nothing (404, never a 500)."""
    try:
        return uuid.UUID(str(text))
    except ValueError:
        raise Http404 from None
