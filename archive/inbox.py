"""The archive's part of the clerk's inbox: the school years that have ended without a sealed archive
(docs/workflows.md §9)."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils.translation import ngettext

from accounts import authz
from accounts.models import Role, School, User
from archive.models import YearArchive
from gradebook.selectors.inbox import Item


def inbox(user: User, school: School, today: date) -> list[Item]:
    if Role.CLERK not in authz.roles_in(user, school):
        return []
    archived = YearArchive.objects.filter(school=school, status=YearArchive.Status.DONE).values(
        "school_year_id"
    )
    ended = school.school_years.filter(end_date__lt=today).exclude(pk__in=archived).count()
    if not ended:
        return []
    text = ngettext(
        "%(n)d ended school year not archived yet", "%(n)d ended school years not archived yet", ended
    ) % {"n": ended}
    return [Item("years-to-archive", text, ended, reverse("archive_home"))]
