"""Score entry pages: the grid, its JSON endpoints (check, save, preview), Excel, the comment bank."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import authz
from accounts.authz import Action
from accounts.tenancy import school_or_404
from audit.models import AuditEvent
from audit.services import record
from gradebook import excel_grid
from gradebook.forms import CommentBankForm, ReasonForm
from gradebook.models import CommentBankEntry, TeachingAssignment, Term
from gradebook.selectors.grid import grid as grid_data
from gradebook.services import comment_bank as comment_bank_service
from gradebook.services import scores as score_service
from gradebook.services.bulk_history import REASON_MAX
from gradebook.services.locks import lock_state
from sodiem.domain import Actor
from sodiem.http import xlsx_response
from sodiem.text import json_nfc

TERMS = {Term.Code.HK1: "Học kì I", Term.Code.HK2: "Học kì II"}
MAX_CHANGES = 5000
_EXCEL_SESSION = "sodiem_grid_import"


def json_login_required(view):
    """401 JSON (not a redirect to the login page) so that the grid keeps the typed cells."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse(
                {
                    "error": _(
                        "Your session has expired. Sign in again in another tab, then save again: your cells are kept."
                    )
                },
                status=401,
            )
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return JsonResponse({"error": str(exc) or _("You do not have the right to do this.")}, status=403)
        except Http404:
            return JsonResponse({"error": _("Not found")}, status=404)

    return wrapper


def _assignment(request, assignment_uuid, term) -> TeachingAssignment:
    if term not in TERMS:
        raise Http404
    assignment = get_object_or_404(
        TeachingAssignment.objects.select_related("classroom__school_year__school", "subject", "teacher"),
        uuid=assignment_uuid,
    )
    authz.check(request.user, Action.VIEW_SCORES, assignment)
    return assignment


def _editable(user, assignment, term) -> tuple[bool, str, date | None]:
    """May the user write now; if not because of a lock, why; and the last day of a locked month."""
    if not authz.can(user, Action.ENTER_SCORES, assignment):
        return False, "", None
    state = lock_state(assignment.classroom, term)
    if state.closed:
        return False, state.message(), None
    return True, "", state.month_until


@login_required
@require_safe
def grid(request, assignment_uuid, term):
    assignment = _assignment(request, assignment_uuid, term)
    editable, locked_message, month_until = _editable(request.user, assignment, term)
    data = grid_data(assignment, term, editable=editable, month_until=month_until)
    bank = (
        list(CommentBankEntry.objects.filter(teacher=request.user).values_list("text", flat=True))
        if editable
        else []
    )
    context = {
        "assignment": assignment,
        "classroom": assignment.classroom,
        "term": term,
        "term_name": TERMS[term],
        "other_term": Term.Code.HK2 if term == Term.Code.HK1 else Term.Code.HK1,
        "editable": editable,
        "locked_message": locked_message,
        "may_request_correction": bool(locked_message or data["month_locked_until"])
        and authz.can(request.user, Action.REQUEST_CORRECTION, assignment),
        "bank": bank,
        **data,
    }
    context["grid_config"] = {
        "save": reverse("grid_save", args=[assignment.uuid, term]),
        "check": reverse("grid_check", args=[assignment.uuid, term]),
        "preview": reverse("grid_preview", args=[assignment.uuid, term]),
        "csrfCookie": settings.CSRF_COOKIE_NAME,
        "draftKey": f"sodiem-draft:{request.user.pk}:{assignment.uuid}:{term}",
        "comment": data["comment_subject"],
        "editable": editable,
        "messages": {
            "unsaved": _("%(n)s unsaved cells"),
            "saved": _("Saved at %(time)s"),
            "saving": _("Saving…"),
            "draft": _("%(n)s cells typed earlier were not saved (kept in this browser on %(when)s)."),
            "invalidScore": _("Enter a score from 0 to 10 with at most one decimal, e.g. 8 or 8,5."),
            "invalidLevel": _("Enter Đ (Đạt) or CĐ (Chưa đạt)."),
            "refused": _("%(n)s cells refused: see the red cells."),
            "conflict": _(
                "%(n)s cells were changed by someone else meanwhile. Yours and theirs are shown below: keep one."
            ),
            "theirs": _("now %(value)s by %(who)s at %(when)s; yours: %(mine)s"),
            "keepMine": _("Keep mine"),
            "takeTheirs": _("Take theirs"),
            "nothing": _("Nothing to save."),
            "fixFirst": _("%(n)s red cells cannot be saved: correct or clear them, then save."),
            "error": _("Saving failed: %(error)s. Your cells are kept; try again."),
            "leave": _("Some cells are not saved."),
        },
    }
    return render(request, "gradebook/grid.html", context)


def _parse_changes(payload) -> list[score_service.CellChange]:
    changes = payload.get("changes")
    if not isinstance(changes, list) or len(changes) > MAX_CHANGES:
        raise ValueError
    out = []
    for item in changes:
        if not isinstance(item, dict):
            raise ValueError
        version = item.get("version", 0)
        if not isinstance(version, int) or isinstance(version, bool) or version < 0:
            raise ValueError
        out.append(
            score_service.CellChange(
                enrolment=str(item.get("enrolment", ""))[:36],
                column=str(item.get("column", ""))[:10],
                value=str(item.get("value", ""))[:600],
                version=version,
            )
        )
    return out


def _payload(request) -> dict:
    # the grid speaks JSON; a form post (its body already parsed and consumed) is a bad request
    if request.content_type != "application/json" or len(request.body) > 2_000_000:
        raise ValueError
    payload = json_nfc(request.body or b"{}")  # cells and comments in NFC, however the keyboard composed them
    if not isinstance(payload, dict):
        raise ValueError
    return payload


def _bad_request():
    return JsonResponse(
        {"error": _("The request could not be read. Reload the page (your cells are kept).")}, status=400
    )


@require_POST
@json_login_required
def grid_check(request, assignment_uuid, term):
    assignment = _assignment(request, assignment_uuid, term)
    authz.check(request.user, Action.ENTER_SCORES, assignment)  # before reading what was sent
    try:
        changes = _parse_changes(_payload(request))
    except (ValueError, json.JSONDecodeError):
        return _bad_request()
    report = score_service.check_grid(request.user, assignment, term, changes)
    return JsonResponse(report.as_dict())


def _parse_dates(payload) -> dict[str, date | None]:
    """Column dates typed as dd/mm/yyyy; an unreadable one is left as it was."""
    dates = {}
    raw = payload.get("dates") or {}
    if not isinstance(raw, dict):
        return dates
    for key, text in raw.items():
        if not isinstance(text, str) or len(key) > 10:
            continue
        text = text.strip()
        if not text:
            dates[key] = None
            continue
        try:
            dates[key] = datetime.strptime(text, "%d/%m/%Y").date()
        except ValueError:
            continue
    return dates


@require_POST
@json_login_required
def grid_save(request, assignment_uuid, term):
    assignment = _assignment(request, assignment_uuid, term)
    authz.check(request.user, Action.ENTER_SCORES, assignment)
    try:
        payload = _payload(request)
        changes = _parse_changes(payload)
    except (ValueError, json.JSONDecodeError):
        return _bad_request()
    report = score_service.save_grid(  # a refusal of the whole save: a 409 (sodiem/domain.py)
        Actor.of(request),
        assignment,
        term,
        changes,
        reason=str(payload.get("reason", ""))[:REASON_MAX],
        dates=_parse_dates(payload),
    )
    return JsonResponse(report.as_dict())


@require_POST
@json_login_required
def grid_preview(request, assignment_uuid, term):
    assignment = _assignment(request, assignment_uuid, term)
    try:
        payload = _payload(request)
        values = {str(k)[:10]: str(v)[:20] for k, v in (payload.get("values") or {}).items()}
    except (ValueError, json.JSONDecodeError, AttributeError):
        return _bad_request()
    return JsonResponse(score_service.preview_row(request.user, assignment, term, values))


@login_required
@require_safe
def grid_excel(request, assignment_uuid, term):
    assignment = _assignment(request, assignment_uuid, term)
    content = excel_grid.export_grid(assignment, term, grid_data(assignment, term))
    response = xlsx_response(
        content, f"diem-{assignment.classroom.name}-{assignment.subject.code}-{term}.xlsx"
    )
    record(
        AuditEvent.Action.EXPORT,
        actor=Actor.of(request),
        school=assignment.classroom.school_year.school,
        obj=assignment,
        what="grid",
        term=term,
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def grid_import(request, assignment_uuid, term):
    assignment = _assignment(request, assignment_uuid, term)
    authz.check(request.user, Action.ENTER_SCORES, assignment)
    preview = None
    error = ""
    if request.method == "POST" and "confirm" in request.POST:
        pending = request.session.pop(_EXCEL_SESSION, None)
        if not pending or pending.get("assignment") != str(assignment.uuid) or pending.get("term") != term:
            messages.error(request, _("Nothing to import: upload the file again."))
            return redirect("grid_import", assignment_uuid=assignment.uuid, term=term)
        changes = [score_service.CellChange(**c) for c in pending["changes"]]
        reason = ReasonForm(request.POST)
        try:
            report = score_service.save_grid(
                Actor.of(request),
                assignment,
                term,
                changes,
                reason=(reason.cleaned_data["reason"] if reason.is_valid() else "").strip()
                or _("Imported from Excel"),
            )
        except score_service.GridError as exc:
            messages.error(request, str(exc))
            return redirect("grid", assignment_uuid=assignment.uuid, term=term)
        messages.success(
            request,
            _("Imported: %(saved)d cells saved, %(refused)d refused, %(conflicts)d changed meanwhile.")
            % {
                "saved": len(report.by_status("saved")),
                "refused": len(report.by_status("refused")),
                "conflicts": len(report.by_status("conflict")),
            },
        )
        return redirect("grid", assignment_uuid=assignment.uuid, term=term)
    editable, locked_message, _month_until = _editable(request.user, assignment, term)
    if request.method == "POST" and not editable:
        error = locked_message  # a locked book takes no file: say so before the teacher checks a preview
    elif request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose the Excel file to upload.")
        else:
            preview = excel_grid.read_grid(assignment, term, upload, grid_data(assignment, term))
            if preview.error:
                error, preview = preview.error, None
            else:
                request.session[_EXCEL_SESSION] = {
                    "assignment": str(assignment.uuid),
                    "term": term,
                    "changes": [c.__dict__ for c in preview.changes],
                }
    return render(
        request,
        "gradebook/grid_import.html",
        {
            "assignment": assignment,
            "classroom": assignment.classroom,
            "term": term,
            "term_name": TERMS[term],
            "preview": preview,
            "error": error,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_bank(request):
    """A teacher's own comments to reuse: a staff member's tool, not the families'."""
    authz.check(request.user, Action.VIEW_SCHOOL, school_or_404(request))
    error = ""
    if request.method == "POST":
        form = CommentBankForm(request.POST)
        if not form.is_valid():
            error = " ".join(m for ms in form.errors.values() for m in ms)
        elif form.cleaned_data["delete"]:
            comment_bank_service.forget_comment(request.user, form.cleaned_data["delete"])
            return redirect("comment_bank")
        else:
            try:
                comment_bank_service.keep_comment(request.user, form.cleaned_data["text"])
            except comment_bank_service.CommentBankError as exc:
                error = str(exc)
            else:
                return redirect("comment_bank")
    entries = CommentBankEntry.objects.filter(teacher=request.user)
    return render(
        request,
        "gradebook/comment_bank.html",
        {"entries": entries, "error": error, "typed": request.POST.get("text", "")},
    )
