"""The documents' part of a person's inbox (gradebook/selectors/inbox.py has the rest): documents whose
next signature is theirs, signed documents waiting for the seal, approved results whose book is not
printed since the approval (docs/workflows.md §8)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import ngettext

from accounts import authz
from accounts.models import Role, School, User
from gradebook.models import ResultsApproval, SchoolYear
from gradebook.selectors.inbox import Item
from transcripts.models import PrintedDocument
from transcripts.signing_batches import waiting_counts

Kind = PrintedDocument.Kind


def inbox(user: User, school: School, year: SchoolYear) -> list[Item]:
    to_sign, to_seal = waiting_counts(user, school, limit=1000)
    items = [
        Item(
            "documents-to-sign",
            ngettext(
                "%(n)d document waiting for your signature",
                "%(n)d documents waiting for your signature",
                to_sign,
            )
            % {"n": to_sign},
            to_sign,
            reverse("sign_many"),
            urgent=True,
        ),
        Item(
            "documents-to-seal",
            ngettext("%(n)d signed document to seal", "%(n)d signed documents to seal", to_seal)
            % {"n": to_seal},
            to_seal,
            reverse("sign_many"),
            urgent=True,
        ),
    ]
    if Role.CLERK in authz.roles_in(user, school):
        unprinted = books_to_print(year)
        items.append(
            Item(
                "books-to-print",
                ngettext(
                    "%(n)d approved result not printed yet",
                    "%(n)d approved results not printed yet",
                    unprinted,
                )
                % {"n": unprinted},
                unprinted,
                reverse("documents_home"),
            )
        )
    return [item for item in items if item.count]


def books_to_print(year: SchoolYear) -> int:
    """Approved term or year results of a class with no results summary printed since the approval."""
    printed = PrintedDocument.objects.filter(
        kind=Kind.RESULTS_SUMMARY,
        classroom_id=OuterRef("classroom_id"),
        period=OuterRef("period"),
        printed_at__gte=OuterRef("decided_at"),
    )
    return (
        ResultsApproval.objects.filter(classroom__school_year=year, status=ResultsApproval.Status.APPROVED)
        .filter(~Exists(printed))
        .count()
    )
