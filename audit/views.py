"""The audit page of a school (BGH and the admin board): score changes with old → new, who, when, IP
and why; the audit events; both filtered and exported to Excel; the monthly correction log."""

from __future__ import annotations

from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts import authz
from accounts.authz import Action
from accounts.excel import neutralise_formulas
from accounts.tenancy import school_or_404
from audit.describe import describe
from audit.forms import TrailFilterForm
from audit.models import AuditEvent
from audit.selectors import (
    EventFilter,
    ScoreChangeFilter,
    audit_events,
    integrity_checks,
    integrity_seals,
    score_changes,
)
from audit.services import record
from gradebook.selectors.structure import current_year
from sodiem.domain import Actor
from sodiem.http import xlsx_response

PAGE_ROWS = 300
EXPORT_ROWS = 50_000


def _filters(request):
    school = school_or_404(request)
    authz.check(request.user, Action.VIEW_AUDIT, school)
    form = TrailFilterForm(request.GET or None, school=school, school_year=current_year(school))
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    changes = ScoreChangeFilter(
        teacher=getattr(data.get("teacher"), "pk", None),
        classroom=getattr(data.get("classroom"), "pk", None),
        subject=getattr(data.get("subject"), "pk", None),
        student=data.get("student", ""),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        modifications_only=bool(data.get("modifications_only")),
    )
    events = EventFilter(
        actor=getattr(data.get("actor"), "pk", None),
        action=data.get("action", ""),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    return school, form, changes, events


@login_required
@require_safe
def audit_trail(request):
    school, form, changes, events = _filters(request)
    tab = request.GET.get("tab") if request.GET.get("tab") in ("events", "integrity") else "scores"
    context = {"form": form, "tab": tab, "limit": PAGE_ROWS, "query": request.GET.urlencode()}
    if tab == "scores":
        context["changes"] = score_changes(school, changes, limit=PAGE_ROWS)
    elif tab == "events":
        context["events"] = describe(audit_events(school, events, limit=PAGE_ROWS))
    else:
        context["checks"] = integrity_checks(school)
        context["seals"] = integrity_seals(school)
    context["month"] = timezone.localdate().strftime("%Y-%m")
    context["teachers"] = form.fields["teacher"].queryset
    return render(request, "audit/trail.html", context)


@login_required
@require_safe
def audit_export(request):
    """The filtered trail as .xlsx: one sheet of score changes, one of events."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    school, form, changes, events = _filters(request)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Score changes")[:31]
    sheet.append(
        [
            _("Time"),
            _("Changed by"),
            _("IP"),
            _("Class"),
            _("Subject"),
            _("Student"),
            _("Term"),
            _("Column"),
            _("Old value"),
            _("New value"),
            _("Reason"),
            _("Approved by"),
            _("Record number"),
        ]
    )
    score_rows = score_changes(school, changes, limit=EXPORT_ROWS)
    for r in score_rows:
        sheet.append(
            [
                r.at.replace(tzinfo=None),
                r.by,
                r.ip,
                r.classroom,
                r.subject,
                r.student,
                r.term,
                r.column,
                r.old,
                r.new,
                r.reason,
                r.approver,
                r.record_number,
            ]
        )
    events_sheet = workbook.create_sheet(_("Events")[:31])
    events_sheet.append([_("Time"), _("Done by"), _("Event"), _("Object"), _("IP"), _("Details")])
    for row in describe(audit_events(school, events, limit=EXPORT_ROWS)):
        e = row["event"]
        events_sheet.append(
            [
                timezone.localtime(e.at).replace(tzinfo=None),
                row["who"],
                row["what"],
                row["on"],
                e.ip or "",
                "; ".join(f"{label}: {value}" for label, value in row["details"])[:30000],
            ]
        )
    for ws in (sheet, events_sheet):
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in ws.iter_rows(min_row=2, max_col=1):
            row[0].number_format = "dd/mm/yyyy hh:mm:ss"
        ws.freeze_panes = "A2"
    neutralise_formulas(workbook)
    buffer = BytesIO()
    workbook.save(buffer)
    record(
        AuditEvent.Action.EXPORT,
        actor=Actor.of(request),
        school=school,
        what="audit_trail",
        filters=request.GET.dict(),
        rows=len(score_rows),
    )
    return xlsx_response(buffer.getvalue(), f"nhat-ky-he-thong-{timezone.localdate():%Y%m%d}.xlsx")
