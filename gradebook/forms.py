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
    classroom = forms.ModelChoiceField(
        label=_("Class"), queryset=Classroom.objects.none(), required=False, empty_label="—"
    )
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


class CorrectionDecisionForm(forms.Form):
    """The principal's decision on a correction request."""

    DECISIONS = [("approve", _("Approve")), ("reject", _("Reject"))]

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    items = forms.TypedMultipleChoiceField(
        label=_("Cells approved"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    late_override_reason = forms.CharField(
        label=_("Reason for allowing a late correction"),
        max_length=500,
        required=False,
        help_text=_("Needed only when the request came after the last day for corrections."),
    )

    def __init__(self, *args, correction, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(item.pk, str(item.pk)) for item in correction.items.all()]
        if not self.is_bound:
            self.initial["items"] = [item.pk for item in correction.items.all()]
        if not correction.late:
            del self.fields["late_override_reason"]


class CorrectionApplyForm(forms.Form):
    """The admin board's record of the change made in front of the witnesses."""

    # required-ness is checked by the service, whose messages say what is missing and why
    witness_board = forms.ModelChoiceField(
        label=_("Board member witnessing"), queryset=None, required=False, empty_label=_("— choose —")
    )
    requester_present = forms.BooleanField(
        label=_("The requesting teacher is present and witnesses the change"), required=False
    )
    witness_homeroom = forms.ModelChoiceField(
        label=_("Homeroom teacher (if present)"), queryset=None, required=False
    )
    secretary = forms.CharField(label=_("Secretary"), max_length=150, required=False)
    record_number = forms.CharField(label=_("Record number"), max_length=40, required=False)

    def __init__(self, *args, board, homeroom, suggested_number, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["witness_board"].queryset = board
        self.fields["witness_homeroom"].queryset = homeroom
        if not self.is_bound:
            self.initial["record_number"] = suggested_number
