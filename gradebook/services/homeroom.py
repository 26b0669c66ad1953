"""The homeroom teacher's writes: attendance (a month at a time), its monthly confirmation, and conduct.

docs/workflows.md §3: the GVCN keeps attendance and conduct of the class. Like scores,
these are period data: a term lock refuses them, a month lock refuses the days it covers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import authz
from accounts.authz import Action
from accounts.history import attribute
from accounts.models import User
from gradebook.models import (
    Absence,
    AttendanceMonth,
    Award,
    Classroom,
    ConductResult,
    DisciplineNote,
    Enrolment,
    Term,
)
from gradebook.months import (  # noqa: F401 (imported from here by the writers)
    EXCUSED,
    UNEXCUSED,
    add_months,
    attendance_due,
    month_days,
    months_between,
    parse_mark,
    parse_month,
    term_of,
)
from gradebook.regulations import registry
from gradebook.services.locks import LockState, PeriodLocked, ensure_open, month_lock_message
from sodiem.domain import Actor, DomainError, acting

MAX_COMMENT = 500


class HomeroomError(DomainError):
    """The whole write is refused (no right, a locked term, a month outside the year…)."""


@dataclass
class AttendanceReport:
    saved: int = 0
    removed: int = 0
    refused: dict[str, str] = field(default_factory=dict)  # "enrolment:day" → message


def _locks(classroom, codes) -> dict[str, LockState]:
    """The lock state of each term touched; a term lock refuses the whole write."""
    states = {}
    for code in sorted(codes):
        try:
            states[code] = ensure_open(classroom, code)
        except PeriodLocked as exc:
            raise HomeroomError(str(exc)) from None
    return states


def save_attendance(actor, classroom: Classroom, month: date, entries: dict[tuple, str]) -> AttendanceReport:
    """Write a month of attendance: for each (enrolment uuid, day, session) the typed mark — (uuid, day)
    for the class's first session. A cell typed empty removes the absence. Each cell is checked on its
    own; a bad one never blocks the others. Refused cells are keyed "uuid:day:session"."""
    authz.check(actor, Action.MANAGE_CLASSROOM, classroom)
    year = classroom.school_year
    month = month.replace(day=1)
    days = {d.day: d for d in month_days(month)}
    if days[max(days)] < year.start_date or month > year.end_date:
        raise HomeroomError(_("This month is outside the school year."))
    today = timezone.localdate()
    terms = list(Term.objects.filter(school_year=year))
    enrolments = {
        str(e.uuid): e for e in Enrolment.objects.filter(classroom=classroom).select_related("student")
    }
    report = AttendanceReport()
    wanted: dict[tuple[int, date, str], tuple[str, str]] = {}
    touched_terms = set()
    for cell, raw in entries.items():
        enrolment_uuid, day_number, session = (*cell, classroom.sessions[0])[:3]
        key = f"{enrolment_uuid}:{day_number}:{session}"
        enrolment, day = enrolments.get(enrolment_uuid), days.get(day_number)
        if enrolment is None or day is None or session not in classroom.sessions:
            report.refused[key] = _("This cell is not part of the sheet.")
            continue
        try:
            mark = parse_mark(raw)
        except ValueError as exc:
            report.refused[key] = str(exc)
            continue
        if mark[0] and day > today:
            report.refused[key] = _("An absence cannot be recorded ahead.")
            continue
        off = year.day_off(day)
        if mark[0] and off:
            report.refused[key] = _("The school does not teach on this day (%(why)s).") % {"why": off}
            continue
        code = term_of(classroom, day, terms)
        if code is None:
            if mark[0]:
                report.refused[key] = _("This day is outside the terms of the school year.")
            continue
        if mark[0] and enrolment.status != Enrolment.Status.STUDYING:
            report.refused[key] = _("%(name)s no longer studies in this class.") % {"name": enrolment.student}
            continue
        touched_terms.add(code)
        wanted[(enrolment.pk, day, session)] = mark
    states = _locks(classroom, touched_terms)
    month_until = max((s.month_until for s in states.values() if s.month_until), default=None)
    with transaction.atomic():
        # one writer per class: two tabs of the same sheet cannot interleave
        Classroom.objects.select_for_update().only("pk").get(pk=classroom.pk)
        existing = {
            (a.enrolment_id, a.date, a.session): a
            for a in Absence.objects.filter(enrolment__classroom=classroom, date__in=list(days.values()))
        }
        for (enrolment_id, day, session), (code, reason) in wanted.items():
            current = existing.get((enrolment_id, day, session))
            if current is None:
                same = not code
            else:
                same = bool(code) and (current.excused, current.reason) == (code == EXCUSED, reason)
            if same:
                continue
            if month_until and day <= month_until:
                uuid = next(k for k, e in enrolments.items() if e.pk == enrolment_id)
                report.refused[f"{uuid}:{day.day}:{session}"] = month_lock_message(month_until)
                continue
            if not code and current is not None:  # (no code and nothing saved was skipped above)
                attribute(current, actor)
                current.delete()
                report.removed += 1
                continue
            absence = current or Absence(enrolment_id=enrolment_id, date=day, session=session)
            absence.excused = code == EXCUSED
            absence.reason = reason
            attribute(absence, actor)
            absence.save()
            report.saved += 1
    return report


def confirm_attendance_month(actor, classroom: Classroom, month: date) -> AttendanceMonth:
    """The GVCN states the month's attendance is complete (once the month's last day has come)."""
    authz.check(actor, Action.MANAGE_CLASSROOM, classroom)
    month = month.replace(day=1)
    year = classroom.school_year
    if month_days(month)[-1] < year.start_date or month > year.end_date:
        raise HomeroomError(_("This month is outside the school year."))
    if timezone.localdate() < month_days(month)[-1]:
        raise HomeroomError(_("A month is confirmed from its last day on."))
    with transaction.atomic():
        if AttendanceMonth.objects.filter(classroom=classroom, month=month).exists():
            raise HomeroomError(_("This month was already confirmed."), conflict=True)
        confirmed = AttendanceMonth(
            classroom=classroom, month=month, confirmed_by=actor, confirmed_at=timezone.now()
        )
        attribute(confirmed, actor)
        confirmed.save()
    return confirmed


PERIOD_TERM = {
    Term.Code.HK1: Term.Code.HK1,
    Term.Code.HK2: Term.Code.HK2,
    "year": Term.Code.HK2,
}  # the year's conduct is closed with term II


def save_conduct(
    actor, classroom: Classroom, period: str, entries: dict[str, tuple[str, str]]
) -> dict[str, str]:
    """Conduct of a term (or the year) per enrolment uuid: (level, comment). Returns refused cells.

    TT22 Điều 8 khoản 2 derives the year's result from the two terms: it is not typed. TT58 Điều 4 leaves
    the year's hạnh kiểm to the GVCN's judgement ("chủ yếu căn cứ vào học kỳ II")."""
    authz.check(actor, Action.MANAGE_CLASSROOM, classroom)
    if period not in PERIOD_TERM:
        raise HomeroomError(_("Unknown period."))
    rules = registry.get(classroom.regulation)
    if period == "year" and rules.year_conduct_is_derived:
        raise HomeroomError(_("Under this regulation the year's conduct follows from the two terms."))
    _locks(classroom, {PERIOD_TERM[period]})
    enrolments = {
        str(e.uuid): e for e in Enrolment.objects.filter(classroom=classroom).select_related("student")
    }
    refused: dict[str, str] = {}
    with transaction.atomic():
        Classroom.objects.select_for_update().only("pk").get(pk=classroom.pk)
        existing = {
            c.enrolment_id: c
            for c in ConductResult.objects.filter(enrolment__classroom=classroom, period=period)
        }
        for enrolment_uuid, (level, comment) in entries.items():
            enrolment = enrolments.get(enrolment_uuid)
            typed, comment = (level or "").strip(), " ".join((comment or "").split())
            level = rules.level_typed(typed, rules.conduct_levels) or typed  # 'T' → 'Tốt'
            if enrolment is None:
                refused[enrolment_uuid] = _("This student is not in the class.")
                continue
            if level and level not in rules.conduct_levels:
                refused[enrolment_uuid] = _("Choose one of: %(levels)s.") % {
                    "levels": ", ".join(rules.conduct_levels)
                }
                continue
            if len(comment) > MAX_COMMENT:
                refused[enrolment_uuid] = _("A comment has at most %(n)d characters.") % {"n": MAX_COMMENT}
                continue
            if comment and not level:
                refused[enrolment_uuid] = _("Choose the level before the comment.")
                continue
            current = existing.get(enrolment.pk)
            if current is None and not level:
                continue
            if current is not None and (current.level, current.comment) == (level, comment):
                continue
            if not level and current is not None:  # (no level and nothing saved was skipped above)
                attribute(current, actor)
                current.delete()
                continue
            result = current or ConductResult(enrolment=enrolment, period=period)
            result.level, result.comment = level, comment
            attribute(result, actor)
            result.save()
    return refused


# -- discipline notes, awards and sanctions ---------------------------------------------------------


def _enrolment_of(classroom: Classroom, enrolment_uuid: str) -> Enrolment:
    try:
        key = uuid.UUID(str(enrolment_uuid))
    except ValueError:
        raise HomeroomError(_("This student is not in the class.")) from None
    enrolment = Enrolment.objects.filter(classroom=classroom, uuid=key).select_related("student").first()
    if enrolment is None:
        raise HomeroomError(_("This student is not in the class."))
    return enrolment


def add_discipline_note(
    actor, classroom: Classroom, enrolment_uuid: str, day: date, text: str
) -> DisciplineNote:
    authz.check(actor, Action.MANAGE_CLASSROOM, classroom)
    text = " ".join((text or "").split())
    if not text:
        raise HomeroomError(_("Write the note."))
    if len(text) > 500:
        raise HomeroomError(_("A note has at most %(n)d characters.") % {"n": 500})
    if day > timezone.localdate():
        raise HomeroomError(_("A note cannot be dated ahead."))
    note = DisciplineNote(
        enrolment=_enrolment_of(classroom, enrolment_uuid), date=day, text=text, recorded_by=actor
    )
    attribute(note, actor)
    note.save()
    return note


def propose_award(
    actor, classroom: Classroom, enrolment_uuid: str, *, kind: str, title: str, reason: str, day: date
) -> Award:
    """The homeroom teacher proposes an award (or a sanction); the principal decides."""
    authz.check(actor, Action.MANAGE_CLASSROOM, classroom)
    title, reason = " ".join((title or "").split()), " ".join((reason or "").split())
    if kind not in Award.Kind.values:
        raise HomeroomError(_("Choose award or sanction."))
    if not title or not reason:
        raise HomeroomError(_("Give the title and the reason."))
    award = Award(
        enrolment=_enrolment_of(classroom, enrolment_uuid),
        kind=kind,
        title=title[:200],
        reason=reason[:500],
        date=day,
        proposed_by=actor,
    )
    attribute(award, actor)
    award.save()
    return award


def decide_award(by: Actor | User, award: Award, *, approve: bool, decision_number: str = "") -> Award:
    """The principal approves (with the decision's number) or declines a proposal (docs/workflows.md §7)."""
    actor, ip = acting(by)
    authz.check(actor, Action.DECIDE_RESULTS, award)
    with transaction.atomic():
        award = Award.objects.select_for_update().get(pk=award.pk)
        if award.status != Award.Status.PROPOSED:
            raise HomeroomError(_("This proposal was already decided."), conflict=True)
        decision_number = " ".join((decision_number or "").split())[:40]
        if approve and not decision_number:
            raise HomeroomError(_("The decision number is required."))
        award.status = Award.Status.APPROVED if approve else Award.Status.REJECTED
        award.decided_by, award.decided_at, award.decision_number = actor, timezone.now(), decision_number
        attribute(award, actor)
        award.save()
    return award
