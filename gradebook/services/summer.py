"""After the summer (docs/workflows.md §5: the year is reopened 1/8–15/8): retest results of the subjects the
regulation allows (TT22 Điều 14; TT58 Điều 16) and the conduct re-assessed after summer training
(TT22 Điều 13; TT58 Điều 17), entered by the homeroom teacher; the final promotion is recomputed by the
engine (`selectors/summer.py`). Writes are refused while the year (term II) is locked, unless a
reopening is in force; the approval of the year's results does not close them (they come after it)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import authz
from accounts.authz import Action
from accounts.history import attribute
from gradebook.models import (
    AssessmentKind,
    Classroom,
    ConductResult,
    Enrolment,
    Score,
    TeachingAssignment,
    Term,
)
from gradebook.regulations import registry
from gradebook.selectors.summer import summer_sheet
from gradebook.services.homeroom import HomeroomError
from gradebook.services.locks import lock_state
from gradebook.services.scores import CellError, parse_cell

RETEST_TERM = Term.Code.HK2  # retests are stored with the year's second term, kind "retest"


def save_summer(actor, classroom: Classroom, entries: dict[str, dict]) -> dict[str, str]:
    """entries[enrolment uuid] = {"retest": {subject id: typed value}, "conduct": level or ""}.
    Returns the refused cells ("enrolment:subject id" or "enrolment:conduct") with their messages."""
    authz.check(actor, Action.MANAGE_CLASSROOM, classroom)
    state = lock_state(classroom, RETEST_TERM)
    if state.lock is not None:
        raise HomeroomError(state.message())
    rules = registry.get(classroom.regulation)
    sheet = {row.enrolment.uuid.hex: row for row in summer_sheet(classroom)["rows"]}
    assignments = {
        a.subject_id: a
        for a in TeachingAssignment.objects.filter(classroom=classroom).select_related("subject")
    }
    refused: dict[str, str] = {}
    with transaction.atomic():
        Classroom.objects.select_for_update().only("pk").get(pk=classroom.pk)
        for enrolment_uuid, wanted in entries.items():
            row = sheet.get(enrolment_uuid.replace("-", ""))
            if row is None:
                refused[f"{enrolment_uuid}:conduct"] = _("This student has nothing to do in the summer.")
                continue
            for subject_id, raw in wanted.get("retest", {}).items():
                key = f"{enrolment_uuid}:{subject_id}"
                assignment = assignments.get(int(subject_id)) if str(subject_id).isdigit() else None
                if assignment is None or assignment.subject.name not in row.eligible:
                    if (raw or "").strip():
                        refused[key] = _("This subject is not to be retested (TT22 Điều 14, TT58 Điều 16).")
                    continue
                try:
                    value, level = parse_cell(assignment.subject.kind, raw)
                except CellError as exc:
                    refused[key] = str(exc)
                    continue
                _write_retest(actor, assignment, row.enrolment, value, level)
            level = (wanted.get("conduct") or "").strip()
            if "conduct" in wanted and row.needs_training:
                if level and level not in rules.conduct_levels:
                    refused[f"{enrolment_uuid}:conduct"] = _("Choose one of: %(levels)s.") % {
                        "levels": ", ".join(rules.conduct_levels)
                    }
                    continue
                _write_summer_conduct(actor, row.enrolment, level)
    return refused


def _write_retest(actor, assignment, enrolment: Enrolment, value, level) -> None:
    current = Score.objects.filter(
        assignment=assignment, enrolment=enrolment, term=RETEST_TERM, kind=AssessmentKind.RETEST, index=1
    ).first()
    if current is None and value is None and not level:
        return
    if current is not None and (current.value, current.level) == (value, level):
        return
    if current is not None and value is None and not level:
        attribute(current, actor)
        current.delete()
        return
    score = current or Score(
        assignment=assignment,
        enrolment=enrolment,
        term=RETEST_TERM,
        kind=AssessmentKind.RETEST,
        index=1,
        version=0,
    )
    score.value, score.level = value, level
    score.version += 1
    score.updated_by = actor
    attribute(score, actor)
    score.save()


def _write_summer_conduct(actor, enrolment: Enrolment, level: str) -> None:
    current = ConductResult.objects.filter(enrolment=enrolment, period=ConductResult.Period.SUMMER).first()
    if current is not None and current.level == level:
        return
    if not level:
        if current is not None:
            attribute(current, actor)
            current.delete()
        return
    result = current or ConductResult(enrolment=enrolment, period=ConductResult.Period.SUMMER)
    result.level = level
    attribute(result, actor)
    result.save()
