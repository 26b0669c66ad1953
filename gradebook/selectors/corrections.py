"""Correction requests shaped for the pages and the printed forms."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts import authz
from accounts.authz import Action
from gradebook.cells import display_value
from gradebook.models import AssessmentKind, CorrectionItem, CorrectionRequest, column_label


def correction_requests(user, school, *, status: str = ""):
    """The requests a user follows: all of the school for the board and the admin board, else their own."""
    qs = CorrectionRequest.objects.filter(assignment__classroom__school_year__school=school).select_related(
        "assignment__classroom", "assignment__subject", "requested_by", "decided_by", "applied_by"
    )
    if not authz.can(user, Action.VIEW_ALL_CORRECTIONS, school):
        qs = qs.filter(requested_by=user)
    if status in CorrectionRequest.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-requested_at")


@dataclass
class ItemRow:
    item: CorrectionItem
    number: int
    student: str
    classroom: str
    subject: str
    column: str
    old: str
    new: str

    @property
    def approved(self):
        return self.item.approved


def request_rows(correction: CorrectionRequest) -> list[ItemRow]:
    order: dict[str, int] = {AssessmentKind.REGULAR: 0, AssessmentKind.MIDTERM: 1, AssessmentKind.FINAL: 2}
    items = sorted(
        correction.items.select_related("enrolment__student"),
        key=lambda i: (i.enrolment.student.sort_key, order.get(i.kind, 3), i.index),
    )
    return [
        ItemRow(
            item,
            number,
            item.enrolment.student.full_name,
            correction.assignment.classroom.name,
            correction.assignment.subject.name,
            column_label(item.kind, item.index),
            display_value(item.old_value, item.old_level, 1),
            display_value(item.new_value, item.new_level, 1),
        )
        for number, item in enumerate(items, start=1)
    ]


def visible_correction(user, school, correction_uuid) -> CorrectionRequest:
    """One request of the school the user works in, if the user may see it (404 for another school's,
    403 for a lesser role), with what its pages and printed forms show."""
    correction = get_object_or_404(
        CorrectionRequest.objects.select_related(
            "assignment__classroom__school_year__school__province",
            "assignment__classroom__homeroom_teacher",
            "assignment__subject",
            "requested_by",
            "decided_by",
            "applied_by",
            "witness_board",
            "witness_homeroom",
        ),
        uuid=correction_uuid,
    )
    if correction.school_id_for_tenancy != getattr(school, "pk", None):
        raise Http404
    authz.check(user, Action.VIEW_CORRECTION, correction)
    return correction
