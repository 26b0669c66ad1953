"""What waits on a person today (docs/workflows.md §4, §6, §7): the home page's inbox, each entry with
its count and the page where the work is done. The documents to sign, seal and print come from the
documents app (transcripts/inbox.py) and the years to archive from the archive (archive/inbox.py), which
sit above; `sodiem/views.py` joins them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import authz
from accounts.models import Role, School, User
from accounts.selectors import staff_accounts
from gradebook.models import (
    AttendanceMonth,
    Award,
    Classroom,
    ConductResult,
    CorrectionRequest,
    Enrolment,
    LockReopening,
    PeriodLock,
    ResultsApproval,
    SchoolYear,
    Term,
)
from gradebook.selectors.progress import entry_progress, school_progress

BOARD = {Role.PRINCIPAL, Role.VICE_PRINCIPAL}
RETURNED_SHOWN_FOR = timedelta(days=30)  # a rejected correction stays in the requester's inbox so long


@dataclass(frozen=True)
class Item:
    key: str  # stable, for tests and styling
    text: str
    count: int
    url: str
    urgent: bool = False


def inbox(user: User, school: School, year: SchoolYear, roles: set, today: date) -> list[Item]:
    items: list[Item] = []
    if roles & BOARD:
        items += _board(user, school, year, today)
    if Role.ADMIN_BOARD in roles:
        items += _admin_board(school, year)
    mine = [t for t in entry_progress(year, today, teacher=user)["teachers"] if t.teacher == user]
    items += _homeroom(user, year, today, mine)
    items += _teacher(user, school, mine)
    return [item for item in items if item.count]


def _board(user: User, school: School, year: SchoolYear, today: date) -> list[Item]:
    # a vice principal approves results only when the principal delegated it (accounts/authz.py)
    submitted = (
        ResultsApproval.objects.filter(classroom__school_year=year, status=ResultsApproval.Status.SUBMITTED)
        .exclude(classroom__homeroom_teacher=user)
        .count()
        if authz.can(user, authz.Action.DECIDE_RESULTS, school)
        else 0
    )
    # the principal decides corrections, never their own; a vice principal only the principal's
    to_decide = sum(
        authz.can(user, authz.Action.DECIDE_CORRECTION, c)
        for c in CorrectionRequest.objects.filter(
            assignment__classroom__school_year__school=school, status=CorrectionRequest.Status.SUBMITTED
        ).select_related("assignment__classroom__school_year")
    )
    proposed = Award.objects.filter(
        enrolment__classroom__school_year=year, status=Award.Status.PROPOSED
    ).count()
    behind = school_progress(year, today).behind
    return [
        Item(
            "results-submitted",
            ngettext(
                "%(n)d class result submitted, awaiting your approval",
                "%(n)d class results submitted, awaiting your approval",
                submitted,
            )
            % {"n": submitted},
            submitted,
            reverse("results_approvals"),
            urgent=True,
        ),
        Item(
            "corrections-to-decide",
            ngettext("%(n)d correction request to decide", "%(n)d correction requests to decide", to_decide)
            % {"n": to_decide},
            to_decide,
            reverse("correction_list") + f"?status={CorrectionRequest.Status.SUBMITTED}",
            urgent=True,
        ),
        Item(
            "awards-proposed",
            ngettext("%(n)d award or sanction proposed", "%(n)d awards or sanctions proposed", proposed)
            % {"n": proposed},
            proposed,
            reverse("classroom_list"),
        ),
        Item(
            "entries-overdue",
            ngettext("%(n)d score due and not entered yet", "%(n)d scores due and not entered yet", behind)
            % {"n": behind},
            behind,
            reverse("progress"),
        ),
    ]


def _admin_board(school: School, year: SchoolYear) -> list[Item]:
    locks = PeriodLock.objects.filter(school_year=year, carried_out_at__isnull=True).count()
    reopenings = LockReopening.objects.filter(lock__school_year=year, carried_out_at__isnull=True).count()
    to_apply = CorrectionRequest.objects.filter(
        assignment__classroom__school_year__school=school, status=CorrectionRequest.Status.APPROVED
    ).count()
    never = staff_accounts(school, never_signed_in=True).count()  # what the account list then shows
    return [
        Item(
            "locks-to-carry-out",
            ngettext(
                "%(n)d lock decided by the principal, to carry out",
                "%(n)d locks decided by the principal, to carry out",
                locks,
            )
            % {"n": locks},
            locks,
            reverse("lock_list"),
            urgent=True,
        ),
        Item(
            "reopenings-to-carry-out",
            ngettext("%(n)d reopening to carry out", "%(n)d reopenings to carry out", reopenings)
            % {"n": reopenings},
            reopenings,
            reverse("lock_list"),
            urgent=True,
        ),
        Item(
            "corrections-to-apply",
            ngettext(
                "%(n)d approved correction to apply with witnesses",
                "%(n)d approved corrections to apply with witnesses",
                to_apply,
            )
            % {"n": to_apply},
            to_apply,
            reverse("correction_list") + f"?status={CorrectionRequest.Status.APPROVED}",
            urgent=True,
        ),
        Item(
            "accounts-never-used",
            ngettext("%(n)d staff account never signed in", "%(n)d staff accounts never signed in", never)
            % {"n": never},
            never,
            reverse("accounts:staff_list") + "?never=1",
        ),
    ]


def _homeroom(user: User, year: SchoolYear, today: date, mine: list) -> list[Item]:
    classes = list(Classroom.objects.filter(school_year=year, homeroom_teacher=user).order_by("name"))
    if not classes:
        return []
    items: list[Item] = []
    for duty in (d for t in mine for d in t.duties):
        if duty.kind == "attendance":
            url = reverse("attendance", args=[duty.classroom.uuid, duty.period])
        else:
            url = reverse("conduct", args=[duty.classroom.uuid, duty.period])
        items.append(Item(f"{duty.kind}-{duty.period}", duty.text, duty.missing or 1, url, urgent=True))
    ended = [t.code for t in Term.objects.filter(school_year=year, end_date__lt=today).order_by("code")]
    if year.end_date < today:
        ended.append(ResultsApproval.Period.YEAR)
    states = {
        (a.classroom_id, a.period): a.status
        for a in ResultsApproval.objects.filter(classroom__in=classes, period__in=ended)
    }
    for classroom in classes:
        for period in ended:
            status = states.get((classroom.pk, period))
            label = ResultsApproval.Period(period).label
            url = reverse("class_results", args=[classroom.uuid, period])
            if status is None:
                text = _("%(class)s: results of %(period)s to check and submit") % {
                    "class": classroom.name,
                    "period": label,
                }
                items.append(Item(f"results-{period}", text, 1, url))
            elif status == ResultsApproval.Status.RETURNED:
                text = _("%(class)s: results of %(period)s returned by the principal") % {
                    "class": classroom.name,
                    "period": label,
                }
                items.append(Item(f"results-returned-{period}", text, 1, url, urgent=True))
    return items


def _teacher(user: User, school: School, mine: list) -> list[Item]:
    items: list[Item] = []
    for row in (a for t in mine for a in t.assignments if a.total.behind):
        a = row.assignment
        text = ngettext(
            "%(class)s — %(subject)s: %(n)d score due to enter",
            "%(class)s — %(subject)s: %(n)d scores due to enter",
            row.total.behind,
        ) % {"class": a.classroom.name, "subject": a.subject.name, "n": row.total.behind}
        items.append(
            Item("scores-due", text, row.total.behind, reverse("grid", args=[a.uuid, row.behind_term]))
        )
    returned = CorrectionRequest.objects.filter(
        requested_by=user,
        assignment__classroom__school_year__school=school,
        status=CorrectionRequest.Status.REJECTED,
        decided_at__gte=timezone.now() - RETURNED_SHOWN_FOR,
    ).count()
    items.append(
        Item(
            "corrections-returned",
            ngettext(
                "%(n)d of your correction requests was rejected",
                "%(n)d of your correction requests were rejected",
                returned,
            )
            % {"n": returned},
            returned,
            reverse("correction_list") + f"?status={CorrectionRequest.Status.REJECTED}",
        )
    )
    return items


def class_states(classrooms: list[Classroom], year: SchoolYear, today: date) -> None:
    """Each class's state for the class list: months of attendance confirmed, conduct entered for the
    current term, results submitted / approved / returned per period. Sets attributes; four queries."""
    ids = [c.pk for c in classrooms]
    confirmed: dict[int, date] = {}
    for classroom_id, month in AttendanceMonth.objects.filter(classroom_id__in=ids).values_list(
        "classroom_id", "month"
    ):
        confirmed[classroom_id] = max(month, confirmed.get(classroom_id, month))
    term = Term.objects.filter(school_year=year, start_date__lte=today).order_by("-start_date").first()
    conduct = dict(
        ConductResult.objects.filter(
            enrolment__classroom_id__in=ids,
            enrolment__status=Enrolment.Status.STUDYING,
            period=term.code if term else "",
        )
        .values("enrolment__classroom_id")
        .annotate(n=Count("pk"))
        .values_list("enrolment__classroom_id", "n")
    )
    approvals: dict[int, dict[str, ResultsApproval]] = {}
    for approval in ResultsApproval.objects.filter(classroom_id__in=ids):
        approvals.setdefault(approval.classroom_id, {})[approval.period] = approval
    for c in classrooms:
        c.attendance_until = confirmed.get(c.pk)  # type: ignore[attr-defined]
        c.conduct_term = term.get_code_display() if term else ""  # type: ignore[attr-defined]
        c.conduct_entered = conduct.get(c.pk, 0)  # type: ignore[attr-defined]
        c.results = [  # type: ignore[attr-defined]
            (period, label, approvals.get(c.pk, {}).get(period))
            for period, label in ResultsApproval.Period.choices
        ]
