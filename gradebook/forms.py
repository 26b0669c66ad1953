"""Forms of the gradebook screens (dates typed dd/mm/yyyy, times HH:MM)."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gradebook.models import Classroom, PeriodLock

DATE_FORMATS = ["%d/%m/%Y"]
DATETIME_FORMATS = ["%d/%m/%Y %H:%M", "%d/%m/%Y"]
DATE_WIDGET = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})
DATETIME_WIDGET = forms.DateTimeInput(format="%d/%m/%Y %H:%M", attrs={"placeholder": "dd/mm/yyyy hh:mm"})


class LockDecisionForm(forms.Form):
    SCOPES = [("school", _("Whole school")), ("grade", _("A grade")), ("classroom", _("A class"))]

    term = forms.ChoiceField(label=_("Period"), choices=PeriodLock.Scope.choices)
    month_end = forms.DateField(
        label=_("Month locked up to (for a month lock)"),
        input_formats=DATE_FORMATS,
        widget=DATE_WIDGET,
        required=False,
        help_text=_("Assessments held on or before this day are locked."),
    )
    scope = forms.ChoiceField(label=_("Applies to"), choices=SCOPES, initial="school")
    grade = forms.TypedChoiceField(label=_("Grade"), coerce=int, required=False, choices=[])
    classroom = forms.ModelChoiceField(label=_("Class"), queryset=Classroom.objects.none(), required=False)
    locked_at = forms.DateTimeField(
        label=_("Locked from"),
        input_formats=DATETIME_FORMATS,
        widget=DATETIME_WIDGET,
        help_text=_("Now, or a date and time ahead: the lock then takes effect by itself."),
    )
    decision_number = forms.CharField(label=_("Decision number"), max_length=40)
    decision_date = forms.DateField(label=_("Decision date"), input_formats=DATE_FORMATS, widget=DATE_WIDGET)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, school_year, **kwargs):
        super().__init__(*args, **kwargs)
        classrooms = Classroom.objects.filter(school_year=school_year).order_by("grade", "name")
        self.fields["classroom"].queryset = classrooms
        grades = sorted(set(classrooms.values_list("grade", flat=True)))
        self.fields["grade"].choices = [("", "—")] + [(g, str(g)) for g in grades]
        if not self.is_bound:
            self.initial.setdefault("locked_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("decision_date", timezone.localdate())

    def clean(self):
        data = super().clean()
        if data.get("term") == PeriodLock.Scope.MONTH and not data.get("month_end"):
            self.add_error("month_end", _("A month lock needs the last day it covers."))
        if data.get("scope") == "grade" and not data.get("grade"):
            self.add_error("grade", _("Choose the grade."))
        if data.get("scope") == "classroom" and not data.get("classroom"):
            self.add_error("classroom", _("Choose the class."))
        return data


class ReopeningForm(forms.Form):
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    starts_at = forms.DateTimeField(label=_("From"), input_formats=DATETIME_FORMATS, widget=DATETIME_WIDGET)
    ends_at = forms.DateTimeField(label=_("Until"), input_formats=DATETIME_FORMATS, widget=DATETIME_WIDGET)
    decision_number = forms.CharField(label=_("Decision number"), max_length=40)
    decision_date = forms.DateField(label=_("Decision date"), input_formats=DATE_FORMATS, widget=DATE_WIDGET)

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if isinstance(start, datetime) and isinstance(end, datetime) and end <= start:
            self.add_error("ends_at", _("The reopening must end after it starts."))
        return data
