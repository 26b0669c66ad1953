"""Filters of the audit page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import STAFF_ROLES, RoleAssignment, User
from audit.models import AuditEvent
from gradebook.forms import DATE_FORMATS, DATE_WIDGET
from gradebook.models import Classroom, Subject


class TrailFilterForm(forms.Form):
    teacher = forms.ModelChoiceField(
        label=_("Teacher"), queryset=User.objects.none(), required=False, empty_label="—"
    )
    classroom = forms.ModelChoiceField(
        label=_("Class"), queryset=Classroom.objects.none(), required=False, empty_label="—"
    )
    subject = forms.ModelChoiceField(
        label=_("Subject"), queryset=Subject.objects.none(), required=False, empty_label="—"
    )
    student = forms.CharField(label=_("Student"), max_length=100, required=False)
    date_from = forms.DateField(
        label=_("From"), input_formats=DATE_FORMATS, widget=DATE_WIDGET, required=False
    )
    date_to = forms.DateField(label=_("To"), input_formats=DATE_FORMATS, widget=DATE_WIDGET, required=False)
    modifications_only = forms.BooleanField(label=_("Only changes of a saved score"), required=False)
    actor = forms.ModelChoiceField(
        label=_("Done by"), queryset=User.objects.none(), required=False, empty_label="—"
    )
    action = forms.ChoiceField(
        label=_("Event"), choices=[("", "—"), *AuditEvent.Action.choices], required=False
    )

    def __init__(self, *args, school, school_year, **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.filter(
            pk__in=RoleAssignment.objects.filter(school=school, role__in=STAFF_ROLES).values("user_id")
        ).order_by("full_name")
        self.fields["teacher"].queryset = people
        self.fields["actor"].queryset = people
        self.fields["classroom"].queryset = Classroom.objects.filter(school_year=school_year).order_by(
            "grade", "name"
        )
        self.fields["subject"].queryset = Subject.objects.filter(school=school)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
