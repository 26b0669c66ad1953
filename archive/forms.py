from django import forms
from django.utils.translation import gettext_lazy as _

from gradebook.models import SchoolYear


class ArchiveRequestForm(forms.Form):
    school_year = forms.ModelChoiceField(
        label=_("School year"), queryset=SchoolYear.objects.none(), empty_label="—"
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_year"].queryset = SchoolYear.objects.filter(school=school).order_by("-start_year")


class RetentionForm(forms.Form):
    decision_number = forms.CharField(label=_("Decision number"), max_length=40)
    students = forms.MultipleChoiceField(label=_("Students"), widget=forms.CheckboxSelectMultiple, choices=[])
    confirm = forms.BooleanField(
        label=_("I approve deleting these records; this cannot be undone"), required=True
    )

    def __init__(self, *args, due, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["students"].choices = [(str(d.student.uuid), d.student.full_name) for d in due]


class RetentionPeriodForm(forms.ModelForm):
    class Meta:
        from accounts.models import School

        model = School
        fields = ["retention_years"]
