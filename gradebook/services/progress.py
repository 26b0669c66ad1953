"""The monthly snapshot of the entry progress and the reminders to teachers who are behind
(docs/workflows.md §4)."""

from __future__ import annotations

import logging
from datetime import date

from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import authz
from accounts.authz import Action
from accounts.models import Notification, User
from audit.models import AuditEvent
from audit.services import record
from gradebook.models import ProgressSnapshot, SchoolYear
from gradebook.selectors.progress import entry_progress, snapshot_data
from sodiem.domain import Actor, acting

log = logging.getLogger(__name__)


def take_progress_snapshot(school_year: SchoolYear, day: date) -> ProgressSnapshot:
    """Keep the board as it stands on `day` (the school's check day; a command runs it daily)."""
    data = snapshot_data(entry_progress(school_year, day))
    snapshot, _created = ProgressSnapshot.objects.update_or_create(
        school_year=school_year, taken_on=day, defaults={"data": data}
    )
    return snapshot


def remind_teachers_behind(by: Actor | User, school_year: SchoolYear, day: date) -> int:
    """A notification (and an e-mail when the teacher has an address) to every teacher behind on
    `day`, saying what is missing. Returns how many teachers were reminded."""
    actor, ip = acting(by)
    school = school_year.school
    authz.check(actor, Action.VIEW_PROGRESS, school)
    data = entry_progress(school_year, day, department_ids=authz.progress_scope(actor, school))
    reminded = 0
    with transaction.atomic():
        for row in data["teachers"]:
            if row.teacher is None or not (row.total.behind or row.homeroom):
                continue
            lines = [
                _("%(assignment)s: %(n)d scores not entered")
                % {"assignment": str(a.assignment), "n": a.total.behind}
                for a in row.assignments
                if a.total.behind
            ] + row.homeroom
            text = _("Reminder from %(who)s (as of %(date)s): %(items)s") % {
                "who": actor.full_name,
                "date": day.strftime("%d/%m/%Y"),
                "items": "; ".join(lines),
            }
            Notification.objects.create(
                user=row.teacher, school=school, text=text[:500], link=reverse("home"), sent_by=actor
            )
            if row.teacher.email:
                try:
                    send_mail(_("Sổ Điểm: scores to enter"), text, None, [row.teacher.email])
                except OSError:  # the mail server is down: the in-app notification still stands
                    log.warning("reminder e-mail to %s failed", row.teacher.email, exc_info=True)
            reminded += 1
        record(
            AuditEvent.Action.REMINDER_SENT,
            actor=actor,
            ip=ip,
            school=school,
            teachers=reminded,
            date=day.isoformat(),
        )
    return reminded
