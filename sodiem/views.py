from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from accounts.tenancy import current_school
from archive.inbox import inbox as archive_inbox
from audit.models import AuditEvent
from audit.services import record
from gradebook.selectors.structure import home_context
from sodiem.domain import Actor
from transcripts.inbox import inbox as documents_inbox


@login_required
@require_safe
def home(request):
    """A home page per role that leads to that role's work: the inbox of what waits on the person, from
    the gradebook and from the documents, then the role's cards."""
    school = current_school(request)
    context = home_context(request.user, school)
    if school is not None and context.get("year") is not None:
        context["inbox"] = (
            context["inbox"]
            + documents_inbox(request.user, school, context["year"])
            + archive_inbox(request.user, school, timezone.localdate())
        )
    return render(request, "gradebook/home.html", context)


@require_GET
@never_cache
def health(request):
    """Liveness and database readiness for the load balancer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok", "database": "ok"})
    except Exception:  # noqa: BLE001 — any database failure means "not ready"
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)


def forbidden(request, exception=None):
    """A refused access (a lesser role than the page needs) is shown and recorded in the audit trail."""
    record(
        AuditEvent.Action.ACCESS_DENIED,
        actor=Actor.of(request),
        school=current_school(request),
        method=request.method,
        path=request.path[:300],
    )
    message = str(exception) if exception and str(exception) else None
    return render(request, "403.html", {"message": message}, status=403)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)
