"""The school a request works in (a person may hold roles in several schools)."""

from __future__ import annotations

from accounts import authz
from accounts.models import School

SESSION_KEY = "sodiem_school"


def current_school(request) -> School | None:
    if hasattr(request, "_sodiem_school"):
        return request._sodiem_school
    school = None
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        schools = authz.schools_of(request.user)
        wanted = request.session.get(SESSION_KEY)
        school = next((s for s in schools if str(s.uuid) == wanted), None) or (
            schools[0] if schools else None
        )
    request._sodiem_school = school
    return school


def set_current_school(request, school: School) -> None:
    request.session[SESSION_KEY] = str(school.uuid)
    request._sodiem_school = school


def school_or_404(request) -> School:
    """The school the request works in; a user without one finds nothing here."""
    from django.http import Http404

    school = current_school(request)
    if school is None:
        raise Http404
    return school
