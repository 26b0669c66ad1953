"""Forms of the gradebook screens (dates typed dd/mm/yyyy, times HH:MM)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import School
from gradebook.models import Classroom, PeriodLock, Student, personal_id_validator

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


# --- a student's way through the school (docs/workflows.md §9) -----------------------------------------------


class _OnDateForm(forms.Form):
    on = forms.DateField(label=_("Date"), input_formats=DATE_FORMATS, widget=DATE_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("on", timezone.localdate())


class ClassChangeForm(_OnDateForm):
    classroom = forms.ModelChoiceField(
        label=_("New class"), queryset=Classroom.objects.none(), empty_label="—"
    )

    def __init__(self, *args, enrolment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = (
            Classroom.objects.filter(
                school_year=enrolment.classroom.school_year, grade=enrolment.classroom.grade
            )
            .exclude(pk=enrolment.classroom_id)
            .order_by("name")
        )


class DropoutForm(_OnDateForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class TransferOutForm(_OnDateForm):
    WITHIN, OUT = "within", "out"
    kind = forms.ChoiceField(
        label=_("Moves to"),
        choices=[(WITHIN, _("A school of this system")), (OUT, _("A school outside this system"))],
        widget=forms.RadioSelect,
        initial=WITHIN,
    )
    to_school = forms.ModelChoiceField(
        label=_("School of this system"), queryset=School.objects.none(), required=False, empty_label="—"
    )
    other_school_name = forms.CharField(label=_("School outside this system"), max_length=200, required=False)
    decision_number = forms.CharField(label=_("Decision number"), max_length=40, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_school"].queryset = School.objects.exclude(pk=school.pk).order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("kind") == self.WITHIN and not data.get("to_school"):
            self.add_error("to_school", _("Choose the receiving school."))
        if data.get("kind") == self.OUT and not (data.get("other_school_name") or "").strip():
            self.add_error("other_school_name", _("Enter the school the student moves to."))
        return data


class AcceptTransferForm(_OnDateForm):
    classroom = forms.ModelChoiceField(label=_("Class"), queryset=Classroom.objects.none(), empty_label="—")

    def __init__(self, *args, school_year, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = Classroom.objects.filter(school_year=school_year).order_by(
            "grade", "name"
        )


class RefuseTransferForm(forms.Form):
    note = forms.CharField(label=_("Why the transfer is refused"), max_length=300)


class TransferInForm(AcceptTransferForm):
    """Chuyển đến from outside the system: the profile, or the học bạ XML the old school gave."""

    from_school_name = forms.CharField(
        label=_("School the student comes from"), max_length=200, required=False
    )
    decision_number = forms.CharField(label=_("Decision number"), max_length=40, required=False)
    xml = forms.FileField(label=_("Học bạ XML file (optional)"), required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=50, required=False)
    middle_name = forms.CharField(label=_("Middle name"), max_length=80, required=False)
    given_name = forms.CharField(label=_("Given name"), max_length=50, required=False)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), input_formats=DATE_FORMATS, widget=DATE_WIDGET, required=False
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Student.Sex.choices], required=False)
    place_of_birth = forms.CharField(label=_("Place of birth"), max_length=200, required=False)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=50, initial="Kinh", required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    personal_id = forms.CharField(
        label=_("Personal identification number"),
        max_length=12,
        required=False,
        validators=[personal_id_validator],
    )

    PROFILE = ("family_name", "given_name", "date_of_birth", "sex")

    def clean(self):
        data = super().clean()
        if data.get("xml"):
            return data
        if not (data.get("from_school_name") or "").strip():
            self.add_error("from_school_name", _("Enter the school the student comes from."))
        for name in self.PROFILE:
            if not data.get(name) and name not in self.errors:
                self.add_error(name, _("Required unless a học bạ XML file is given."))
        return data

    def student(self) -> Student:
        data = self.cleaned_data
        return Student(
            family_name=data["family_name"].strip(),
            middle_name=data["middle_name"].strip(),
            given_name=data["given_name"].strip(),
            date_of_birth=data["date_of_birth"],
            sex=data["sex"],
            place_of_birth=data["place_of_birth"].strip(),
            ethnicity=data["ethnicity"].strip() or "Kinh",
            address=data["address"].strip(),
            personal_id=data["personal_id"],
        )


class RolloverForm(forms.Form):
    make_current = forms.BooleanField(
        label=_("Make the new year the current school year now"), required=False
    )
    confirm = forms.BooleanField(label=_("I have checked the list of moves"), required=True)


# --- a year at a school outside the system, entered from its học bạ (docs/workflows.md §9) --------------------

_LEVELS = ("Đ", "CĐ", "Tốt", "Khá", "Đạt", "Chưa đạt", "Giỏi", "Trung bình", "Yếu", "Kém")


def clean_mark(value: str) -> str:
    """An average as the học bạ prints it ("8,5"; "8.5" is accepted) or a level word; "" for none."""
    value = " ".join((value or "").split())
    if not value:
        return ""
    if value in _LEVELS:
        return value
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise forms.ValidationError(_("Write an average such as 8,5 or a level such as Đ, Tốt.")) from None
    if not (0 <= number <= 10) or number.as_tuple().exponent < -1:
        raise forms.ValidationError(_("An average lies between 0 and 10 with at most one decimal."))
    return f"{number:.1f}".replace(".", ",")


class MarkField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=20, required=False, **kwargs)

    def clean(self, value):
        return clean_mark(super().clean(value))


class EarlierSubjectForm(forms.Form):
    name = forms.CharField(label=_("Subject"), max_length=120, required=False)
    hk1 = MarkField(label=_("Term I"))
    hk2 = MarkField(label=_("Term II"))
    year = MarkField(label=_("Year"))
    retest = MarkField(label=_("Retest"))
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("name") and any(data.get(k) for k in ("hk1", "hk2", "year", "retest")):
            self.add_error("name", _("Name the subject of these results."))
        return data


EarlierSubjectFormSet = forms.formset_factory(EarlierSubjectForm, extra=0, max_num=30, absolute_max=30)


class EarlierYearForm(forms.Form):
    DECISIONS = [
        ("", "—"),
        ("len_lop", _("Promoted")),
        ("hoan_thanh_chuong_trinh", _("Completed the programme")),
        ("khong_len_lop", _("Not promoted")),
    ]
    start_year = forms.IntegerField(label=_("School year starting in"), min_value=2000, max_value=2100)
    grade = forms.IntegerField(label=_("Grade"), min_value=6, max_value=12)
    class_name = forms.CharField(label=_("Class"), max_length=20)
    school_name = forms.CharField(label=_("School"), max_length=200)
    province_name = forms.CharField(label=_("Province"), max_length=100, required=False)
    homeroom = forms.CharField(label=_("Homeroom teacher"), max_length=150, required=False)
    conduct_hk1 = MarkField(label=_("Conduct, term I"))
    academic_hk1 = MarkField(label=_("Academic, term I"))
    conduct_hk2 = MarkField(label=_("Conduct, term II"))
    academic_hk2 = MarkField(label=_("Academic, term II"))
    conduct_year = MarkField(label=_("Conduct, year"))
    academic_year = MarkField(label=_("Academic, year"))
    absences = forms.IntegerField(
        label=_("Sessions missed in the year"), min_value=0, max_value=400, initial=0
    )
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, required=False)
    honour = forms.CharField(label=_("Honour"), max_length=100, required=False)
    homeroom_comment = forms.CharField(
        label=_("Homeroom teacher's comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, student, **kwargs):
        super().__init__(*args, **kwargs)
        self.student = student

    def clean_start_year(self):
        start_year = self.cleaned_data["start_year"]
        if self.student.external_years.filter(start_year=start_year).exists():
            raise forms.ValidationError(_("This school year is already recorded for the student."))
        if self.student.enrolments.filter(classroom__school_year__start_year__lte=start_year).exists():
            raise forms.ValidationError(_("From this school year on the student studied in this system."))
        return start_year


# -- the grids' posts and the homeroom pages ----------------------------------------------------------


class CellsForm(forms.Form):
    """A sheet posted as one field per cell, named "<prefix>:<row>" or "<prefix>:<row>:<column>" (the
    attendance, conduct, summer and correction sheets). `cells(prefix)` gives {row: value} or
    {(row, column): value}; fields of other prefixes and malformed names are ignored, and each value
    is at most `max_length` characters (the services say what a value means)."""

    action = forms.CharField(required=False, max_length=20)
    max_length = 600

    def __init__(self, data=None, *, prefixes: tuple[str, ...], columns: bool = False):
        super().__init__(data)
        self.prefixes, self.columns = prefixes, columns

    def clean(self):
        cleaned = super().clean() or {}
        cells: dict[str, dict] = {prefix: {} for prefix in self.prefixes}
        for key, value in (self.data or {}).items():
            prefix, _sep, rest = key.partition(":")
            if prefix not in cells or not rest:
                continue
            if len(value) > self.max_length:
                raise forms.ValidationError(
                    _("A cell has at most %(n)d characters.") % {"n": self.max_length}
                )
            if self.columns:
                row, _sep, column = rest.partition(":")
                if row and column:
                    cells[prefix][(row, column)] = value
            else:
                cells[prefix][rest] = value
        cleaned["cells"] = cells
        return cleaned

    def cells(self, prefix: str) -> dict:
        return self.cleaned_data["cells"][prefix]


class DisciplineNoteForm(forms.Form):
    enrolment = forms.CharField(max_length=40)
    date = forms.DateField(
        input_formats=DATE_FORMATS, error_messages={"invalid": _("Type the date as dd/mm/yyyy.")}
    )
    text = forms.CharField(max_length=2000, required=False)


class AwardProposalForm(forms.Form):
    enrolment = forms.CharField(max_length=40)
    kind = forms.CharField(max_length=20)
    title = forms.CharField(max_length=500, required=False)
    reason = forms.CharField(max_length=2000, required=False)
    date = forms.DateField(
        input_formats=DATE_FORMATS, error_messages={"invalid": _("Type the date as dd/mm/yyyy.")}
    )


class AwardDecisionForm(forms.Form):
    award = forms.UUIDField()
    decision_number = forms.CharField(max_length=100, required=False)


class NoteForm(forms.Form):
    """The note that goes with a step (results submitted, returned)."""

    note = forms.CharField(max_length=2000, required=False)


class CommentBankForm(forms.Form):
    text = forms.CharField(max_length=2000, required=False)
    delete = forms.IntegerField(required=False, min_value=1)


class FamilyAccountsForm(forms.Form):
    students = forms.BooleanField(required=False)
    parents = forms.BooleanField(required=False)


class ProgressActionForm(forms.Form):
    action = forms.ChoiceField(choices=[("remind", "remind"), ("snapshot", "snapshot")])


class CorrectionRequestForm(CellsForm):
    """The cells asked for ("cell:<enrolment>:<column>") and the reason; the evidence comes as files."""

    reason = forms.CharField(max_length=2000, required=False)

    def __init__(self, data=None):
        super().__init__(data, prefixes=("cell",), columns=True)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=2000, required=False)


# -- the year's set-up (docs/workflows.md §1) --------------------------------------------------------


class SchoolProfileForm(forms.Form):
    name = forms.CharField(label=_("School name"), max_length=200)
    moet_code = forms.CharField(label=_("Ministry school code"), max_length=20, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=School.Level.choices)
    province_code = forms.ChoiceField(label=_("Province or city"), choices=[])
    commune_code = forms.CharField(
        label=_("Commune, ward or special zone"),
        max_length=100,
        help_text=_("As since 1 July 2025, e.g. Phường Cầu Giấy."),
        widget=forms.TextInput(attrs={"list": "communes", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province_code"].choices = [(p.code, p.name) for p in provinces]


class NewYearForm(forms.Form):
    start_year = forms.IntegerField(label=_("Start year"), min_value=2000, max_value=2100)


WEEKDAY_CHOICES = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]


def parse_holidays(text: str) -> list[list[str]]:
    """'dd/mm/yyyy[ - dd/mm/yyyy] name' per line → [[first, last, name]] in ISO dates."""
    import re
    from datetime import datetime

    found = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = " ".join(line.split())
        if not line:
            continue
        match = re.fullmatch(r"(\d{1,2}/\d{1,2}/\d{4})(?:\s*[-–]\s*(\d{1,2}/\d{1,2}/\d{4}))?\s*(.*)", line)
        try:
            if match is None:
                raise ValueError
            first = datetime.strptime(match.group(1), "%d/%m/%Y").date()
            last = datetime.strptime(match.group(2), "%d/%m/%Y").date() if match.group(2) else first
        except ValueError:
            raise forms.ValidationError(
                _("Line %(n)d: write a day (dd/mm/yyyy) or a range (dd/mm/yyyy - dd/mm/yyyy), then its name.")
                % {"n": number}
            ) from None
        if last < first:
            raise forms.ValidationError(_("Line %(n)d: the last day comes before the first.") % {"n": number})
        found.append([first.isoformat(), last.isoformat(), match.group(3)[:100]])
    return found


def holidays_text(holidays) -> str:
    from datetime import date

    lines = []
    for first, last, name in holidays or ():
        a, b = date.fromisoformat(first), date.fromisoformat(last)
        span = a.strftime("%d/%m/%Y") + ("" if a == b else " - " + b.strftime("%d/%m/%Y"))
        lines.append(f"{span} {name}".strip())
    return "\n".join(lines)


class CalendarForm(forms.Form):
    data_deadline = forms.DateField(
        label=_("Year's data complete by"), input_formats=DATE_FORMATS, widget=DATE_WIDGET, required=False
    )
    school_days = forms.MultipleChoiceField(
        label=_("School days"), choices=WEEKDAY_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    holidays = forms.CharField(
        label=_("Days off"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 60}),
        help_text=_("One per line: 01/01/2027 Tết Dương lịch, or 04/02/2027 - 14/02/2027 Tết Nguyên đán."),
    )

    def clean_holidays(self):
        return parse_holidays(self.cleaned_data.get("holidays", ""))

    def clean_school_days(self):
        return "".join(sorted(self.cleaned_data["school_days"]))

    TERM_FIELDS = (
        ("start_date", _("Starts"), True),
        ("end_date", _("Ends"), True),
        ("midterm_tests_from", _("Mid-term tests from"), False),
        ("final_tests_from", _("End-of-term tests from"), False),
        ("entry_deadline", _("Scores entered by"), False),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code in ("HK1", "HK2"):
            for name, label, required in self.TERM_FIELDS:
                self.fields[f"{code}-{name}"] = forms.DateField(
                    label=label, input_formats=DATE_FORMATS, widget=DATE_WIDGET, required=required
                )

    def term(self, code: str) -> list:
        return [self[f"{code}-{name}"] for name, _label, _required in self.TERM_FIELDS]


class GradeSubjectForm(forms.Form):
    grade = forms.IntegerField(min_value=6, max_value=12, widget=forms.HiddenInput)
    subject = forms.IntegerField(widget=forms.HiddenInput)
    periods_per_year = forms.IntegerField(label=_("Periods per year"), min_value=1, max_value=400)
    taught_terms = forms.ChoiceField(label=_("Taught in"), choices=[])
    elective = forms.BooleanField(label=_("Elective"), required=False)
    taught = forms.BooleanField(label=_("Taught"), required=False, initial=True)

    def __init__(self, *args, form_id: str = "", **kwargs):
        from gradebook.models import TaughtTerms

        super().__init__(*args, **kwargs)
        self.fields["taught_terms"].choices = TaughtTerms.choices
        self.form_id = form_id
        if form_id:  # one form per table row: the inputs sit in cells and name their form
            for field in self.fields.values():
                field.widget.attrs["form"] = form_id


class ClassSubjectForm(forms.Form):
    periods_per_year = forms.IntegerField(label=_("Periods per year"), min_value=1, max_value=400)
    taught_terms = forms.ChoiceField(label=_("Taught in"), choices=[])

    def __init__(self, *args, form_id: str = "", **kwargs):
        from gradebook.models import TaughtTerms

        super().__init__(*args, **kwargs)
        self.fields["taught_terms"].choices = TaughtTerms.choices
        self.form_id = form_id
        for field in self.fields.values():
            field.widget.attrs["form"] = form_id


class ClassesForm(forms.Form):
    classes = forms.CharField(
        label=_("Classes"),
        max_length=500,
        help_text=_("For example 6A1–6A8, 7A1-7A6, 10 Toán"),
        widget=forms.TextInput(attrs={"placeholder": "6A1–6A8, 7A1-7A6"}),
    )


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("Department"), max_length=100)
    head = forms.ModelChoiceField(
        label=_("Head of department"), queryset=None, required=False, empty_label="—"
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["head"].queryset = staff


class ElectivesForm(forms.Form):
    electives = forms.ModelMultipleChoiceField(
        label=_("Electives (four)"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    topic_clusters = forms.ModelMultipleChoiceField(
        label=_("Learning-topic clusters (usually three)"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    combination = forms.CharField(label=_("Name of the combination"), max_length=100, required=False)

    def __init__(self, *args, electives, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["electives"].queryset = electives
        self.fields["topic_clusters"].queryset = subjects


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))


class EffectiveDateForm(forms.Form):
    effective = forms.DateField(
        label=_("Takes effect on"), input_formats=DATE_FORMATS, widget=DATE_WIDGET, required=False
    )


class StudentProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=180)
    date_of_birth = forms.DateField(label=_("Date of birth"), input_formats=DATE_FORMATS, widget=DATE_WIDGET)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), ("M", "Nam"), ("F", "Nữ")])
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=[])
    place_of_birth = forms.CharField(label=_("Place of birth"), max_length=200, required=False)
    home_town = forms.CharField(label=_("Home town"), max_length=200, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    personal_id = forms.CharField(
        label=_("Personal identification number"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    moet_code = forms.CharField(label=_("Ministry student code"), max_length=20, required=False)
    priority_group = forms.CharField(label=_("Priority group"), max_length=100, required=False)
    father_name = forms.CharField(label=_("Father's full name"), max_length=150, required=False)
    father_year = forms.IntegerField(
        label=_("Father's year of birth"), min_value=1930, max_value=2020, required=False
    )
    father_phone = forms.CharField(label=_("Father's phone"), max_length=30, required=False)
    mother_name = forms.CharField(label=_("Mother's full name"), max_length=150, required=False)
    mother_year = forms.IntegerField(
        label=_("Mother's year of birth"), min_value=1930, max_value=2020, required=False
    )
    mother_phone = forms.CharField(label=_("Mother's phone"), max_length=30, required=False)

    def __init__(self, *args, **kwargs):
        from gradebook.ethnicities import ETHNIC_GROUPS

        super().__init__(*args, **kwargs)
        self.fields["ethnicity"].choices = [(e, e) for e in ETHNIC_GROUPS]

    def profile(self) -> dict:
        from accounts.vietnamese import split_full_name

        data = dict(self.cleaned_data)
        family, middle, given = split_full_name(data.pop("full_name"))
        return {
            "family_name": family,
            "middle_name": middle,
            "given_name": given,
            **{k: v for k, v in data.items() if not k.startswith(("father_", "mother_"))},
        }

    def guardians(self) -> dict:
        data = self.cleaned_data
        return {
            who: {
                "full_name": data[f"{who}_name"],
                "year_of_birth": data[f"{who}_year"],
                "phone": data[f"{who}_phone"],
            }
            for who in ("father", "mother")
        }


class DataCheckForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the record"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
