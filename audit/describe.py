"""An audit event as a reader understands it (docs/audit.md): who by name, what they did, on what, and
the details as Vietnamese phrases — names instead of usernames, dates as dd/mm/yyyy, yes/no, the
periods and roles by their names. The event itself is kept as recorded; only its reading is shaped."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User

# the details' keys as the trail shows them; a key not named here is not shown (it would be English)
LABELS = {
    "approved": gettext_lazy("approved"),
    "assignment": gettext_lazy("class-subject"),
    "bytes": gettext_lazy("size (bytes)"),
    "came_from": gettext_lazy("came from"),
    "cells": gettext_lazy("cells"),
    "changed": gettext_lazy("changed"),
    "changes": gettext_lazy("changes"),
    "classroom": gettext_lazy("class"),
    "count": gettext_lazy("number"),
    "counts": gettext_lazy("numbers"),
    "date": gettext_lazy("date"),
    "decision": gettext_lazy("decision"),
    "delegation": gettext_lazy("delegation"),
    "deleted": gettext_lazy("deleted"),
    "description": gettext_lazy("description"),
    "devices": gettext_lazy("devices"),
    "disabled": gettext_lazy("disabled"),
    "documents": gettext_lazy("documents"),
    "earlier_year": gettext_lazy("earlier year"),
    "effective": gettext_lazy("in force from"),
    "ends_at": gettext_lazy("until"),
    "evidence": gettext_lazy("evidence"),
    "failures": gettext_lazy("failures"),
    "file": gettext_lazy("file"),
    "filters": gettext_lazy("filters"),
    "fingerprint": gettext_lazy("fingerprint"),
    "form": gettext_lazy("form"),
    "from_class": gettext_lazy("from class"),
    "graduated": gettext_lazy("completed the programme"),
    "holder": gettext_lazy("holder"),
    "kind": gettext_lazy("kind"),
    "late": gettext_lazy("late"),
    "late_override_reason": gettext_lazy("reason for allowing it late"),
    "lock": gettext_lazy("lock"),
    "locked_at": gettext_lazy("locked from"),
    "method": gettext_lazy("method"),
    "new": gettext_lazy("new"),
    "note": gettext_lazy("note"),
    "old": gettext_lazy("old"),
    "order": gettext_lazy("order"),
    "path": gettext_lazy("page"),
    "period": gettext_lazy("period"),
    "promoted": gettext_lazy("promoted"),
    "purpose": gettext_lazy("purpose"),
    "reason": gettext_lazy("reason"),
    "record_number": gettext_lazy("record number"),
    "requested_by": gettext_lazy("requested by"),
    "retained": gettext_lazy("retained"),
    "role": gettext_lazy("role"),
    "rows": gettext_lazy("rows"),
    "school_name": gettext_lazy("school"),
    "scope": gettext_lazy("scope"),
    "seal_image_sha256": gettext_lazy("seal image (SHA-256)"),
    "sha256": gettext_lazy("SHA-256"),
    "starts_at": gettext_lazy("from"),
    "still_locked": gettext_lazy("the book stays locked"),
    "student": gettext_lazy("student"),
    "students": gettext_lazy("students"),
    "subject": gettext_lazy("subject"),
    "teachers": gettext_lazy("teachers"),
    "term": gettext_lazy("term"),
    "title": gettext_lazy("title"),
    "to": gettext_lazy("to"),
    "to_class": gettext_lazy("to class"),
    "waiting": gettext_lazy("waiting"),
    "what": gettext_lazy("what"),
    "where": gettext_lazy("where"),
    "witnesses": gettext_lazy("witnesses"),
    "year": gettext_lazy("school year"),
}
# a key whose meaning depends on the event: a certificate's subject is its holder, not a school subject
LABELS_OF_ACTION = {("certificate_uploaded", "subject"): gettext_lazy("certificate's subject")}
PERIODS = {
    "HK1": gettext_lazy("Term I"),
    "HK2": gettext_lazy("Term II"),
    "year": gettext_lazy("Whole year"),
    "month": gettext_lazy("Month"),
    "summer": gettext_lazy("After summer training"),
}
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def object_name(object_type: str) -> str:
    """'CorrectionRequest' → 'giấy đề nghị sửa điểm': the model's own Vietnamese name when it has one."""
    if not object_type:
        return ""
    if object_type in OBJECTS:
        return str(OBJECTS[object_type])
    for model in apps.get_models():
        if model.__name__ == object_type and "verbose_name" in model._meta.original_attrs:
            return str(model._meta.verbose_name)  # named in Vietnamese through gettext
    return ""


OBJECTS = {
    "Classroom": gettext_lazy("class"),
    "Student": gettext_lazy("student"),
    "Enrolment": gettext_lazy("student in a class"),
    "User": gettext_lazy("account"),
    "School": gettext_lazy("school"),
    "SchoolYear": gettext_lazy("school year"),
    "TeachingAssignment": gettext_lazy("class-subject"),
    "PrintedDocument": gettext_lazy("printed document"),
    "PrintBatch": gettext_lazy("print run"),
    "SignBatch": gettext_lazy("signing run"),
    "SigningCertificate": gettext_lazy("signing certificate"),
    "PersonalCertificate": gettext_lazy("personal certificate"),
    "YearArchive": gettext_lazy("year archive"),
    "StudentTransfer": gettext_lazy("transfer"),
    "LockReopening": gettext_lazy("reopening"),
    "ImportBatch": gettext_lazy("import"),
    "DataCheck": gettext_lazy("data check"),
}


def _value(value: Any, names: dict[str, str]) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(_value(v, names) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_value(v, names)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    text = str(value)
    if _DATETIME.match(text):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%H:%M %d/%m/%Y")
    if _DATE.match(text):
        try:
            return date.fromisoformat(text).strftime("%d/%m/%Y")
        except ValueError:
            return text
    if text in PERIODS:
        return str(PERIODS[text])
    if text in Role.values:
        return str(Role(text).label)
    return names.get(text, text)


def _label(key: str) -> str:
    return str(LABELS.get(key, key))


def describe(events) -> list[dict]:
    """Each event with `who` (the person's full name), `what` (the action), `on` (the object's name) and
    `details` ([(label, value)]); usernames in the details are shown as names. One query for the names."""
    events = list(events)
    usernames = {e.actor_name for e in events if e.actor_name}
    for e in events:
        for value in (e.details or {}).values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and len(item) <= 150:
                    usernames.add(item)
    names = dict(User.objects.filter(username__in=usernames).values_list("username", "full_name"))
    names = {k: v for k, v in names.items() if v}
    described = []
    for e in events:
        details = [
            (str(LABELS_OF_ACTION.get((e.action, key), _label(key))), _value(value, names))
            for key, value in (e.details or {}).items()
            if key in LABELS and value not in ("", None, [], {})
        ]
        described.append(
            {
                "event": e,
                "who": names.get(e.actor_name, e.actor_name) or _("(not signed in)"),
                "what": e.get_action_display(),
                "on": object_name(e.object_type),
                "details": details,
            }
        )
    return described
