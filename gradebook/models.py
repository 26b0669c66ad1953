"""The school year and its classes, subjects, assignments, students and enrolments; assessments."""

import uuid
from datetime import date
from decimal import Decimal

from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.history import HistoricalIP, TrailHistory
from accounts.models import Department, School, User
from accounts.vietnamese import roster_key
from gradebook.regulations.roles import role_from_name


class SchoolYear(models.Model):
    """Năm học, e.g. 2026-2027."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="school_years")
    start_year = models.PositiveIntegerField(_("start year"), validators=[MinValueValidator(2000)])
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    is_current = models.BooleanField(_("current year"), default=False)
    # the school's deadline for the year's data: roster, subjects, assignments, profiles (docs/workflows.md §1)
    data_deadline = models.DateField(_("year's data complete by"), null=True, blank=True)
    # the school calendar (docs/workflows.md §2): the weekdays the school teaches (0 = Monday) and its
    # days off, [[first day, last day, name]] in ISO dates — no attendance is taken on the others
    school_days = models.CharField(_("school days"), max_length=7, default="012345")
    holidays = models.JSONField(_("days off"), default=list, blank=True)

    class Meta:
        ordering = ["-start_year"]
        verbose_name = _("school year")
        constraints = [
            models.UniqueConstraint(fields=["school", "start_year"], name="uniq_school_year"),
            models.UniqueConstraint(
                fields=["school"], condition=models.Q(is_current=True), name="one_current_year_per_school"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")), name="year_dates"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"

    @property
    def school_id_for_tenancy(self):
        return self.school_id

    def day_off(self, day: date) -> str:
        """Why the school does not teach on `day` ('' when it does): not a school day of the week, or
        one of the year's days off."""
        if str(day.weekday()) not in self.school_days:
            return _("Sunday") if day.weekday() == 6 else _("No lessons")
        iso = day.isoformat()
        for first, last, name in self.holidays or ():
            if first <= iso <= last:
                return name or _("Day off")
        return ""


class Term(models.Model):
    """Học kỳ I / II with its dates."""

    class Code(models.TextChoices):
        HK1 = "HK1", _("Term I")
        HK2 = "HK2", _("Term II")

    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="terms")
    code = models.CharField(_("term"), max_length=3, choices=Code.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    # the first day of the end-of-term tests; corrections close a number of days before (docs/workflows.md §6)
    final_tests_from = models.DateField(_("end-of-term tests from"), null=True, blank=True)
    midterm_tests_from = models.DateField(_("mid-term tests from"), null=True, blank=True)
    entry_deadline = models.DateField(_("scores entered by"), null=True, blank=True)

    class Meta:
        ordering = ["school_year", "code"]
        constraints = [models.UniqueConstraint(fields=["school_year", "code"], name="uniq_term")]

    def __str__(self):
        return f"{self.get_code_display()} {self.school_year}"


class Subject(models.Model):
    """Môn học / hoạt động giáo dục of a school."""

    class Kind(models.TextChoices):
        SCORE = "score", _("Assessed by score")
        COMMENT = "comment", _("Assessed by comment")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="subjects")
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=20)

    class Role(models.TextChoices):
        """What the subject is for the rules (gradebook/regulations/roles.py, docs/rules.md)."""

        NONE = "", _("Other subject")
        MATH = "math", _("Mathematics (key subject)")
        LITERATURE = "literature", _("Literature (key subject)")
        FOREIGN_LANGUAGE = "foreign_language", _("Foreign language (key subject)")
        ETHNIC_LANGUAGE = "ethnic_language", _("Ethnic-minority language")

    kind = models.CharField(_("assessment kind"), max_length=10, choices=Kind.choices)
    role = models.CharField(_("role in the rules"), max_length=20, choices=Role.choices, blank=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("subject")
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="uniq_subject_code")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self._state.adding and not self.role:  # a new subject: the role its name suggests
            self.role = role_from_name(self.name) or ""
        super().save(*args, **kwargs)

    @property
    def printed_name(self) -> str:
        """The name the forms print: the first foreign language as the curriculum names it, with the
        language ("Ngoại ngữ 1 (Tiếng Anh)"; TT22 Điều 5 khoản 3 lists "Ngoại ngữ 1")."""
        if self.role == self.Role.FOREIGN_LANGUAGE and not self.name.lower().startswith("ngoại ngữ"):
            return f"Ngoại ngữ 1 ({self.name})"
        return self.name


class TaughtTerms(models.TextChoices):
    """When a subject is taught: a subject of one term takes that term's result for the year (TT58
    Điều 10 khoản 3; read into TT22, docs/rules.md)."""

    BOTH = "both", _("Both terms")
    HK1 = "HK1", _("Term I only")
    HK2 = "HK2", _("Term II only")

    @staticmethod
    def numbers(value: str) -> tuple[int, ...]:
        return {Term.Code.HK1: (1,), Term.Code.HK2: (2,)}.get(value, (1, 2))


class GradeSubject(models.Model):
    """A subject taught to a grade in a year, with its periods per year (the curriculum)."""

    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="curriculum")
    grade = models.PositiveSmallIntegerField(
        _("grade"), validators=[MinValueValidator(6), MaxValueValidator(12)]
    )
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE)
    periods_per_year = models.PositiveSmallIntegerField(_("periods per year"))
    taught_terms = models.CharField(
        _("taught in"), max_length=4, choices=TaughtTerms.choices, default=TaughtTerms.BOTH
    )
    # THPT: an elective is taught only in the classes that chose it (docs/onboarding.md)
    elective = models.BooleanField(_("elective"), default=False)

    class Meta:
        ordering = ["grade", "subject__order"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "grade", "subject"], name="uniq_grade_subject")
        ]

    def __str__(self):
        return f"{self.subject} — {self.grade} ({self.periods_per_year} tiết)"


class Session(models.TextChoices):
    """A buổi học: the morning (sáng) or the afternoon (chiều)."""

    MORNING = "S", _("Morning")
    AFTERNOON = "C", _("Afternoon")


class Sessions(models.TextChoices):
    MORNING = "S", _("Mornings")
    AFTERNOON = "C", _("Afternoons")
    BOTH = "SC", _("Mornings and afternoons")


class Classroom(models.Model):
    """Lớp: a class of one grade in one year, with its homeroom teacher."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="classrooms")
    grade = models.PositiveSmallIntegerField(
        _("grade"), validators=[MinValueValidator(6), MaxValueValidator(12)]
    )
    name = models.CharField(_("class name"), max_length=20)
    homeroom_teacher = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="homeroom_classes"
    )
    # The regulation is fixed when the class-year is created and never recomputed with a newer one
    # (docs/rules.md: which circular).
    regulation = models.CharField(_("regulation"), max_length=20)
    # lớp chuyên of a THPT chuyên: its môn chuyên (TT58 Điều 13 khoản 1–3 điểm a)
    specialized_subject = models.ForeignKey(
        Subject,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("specialised subject (lớp chuyên)"),
    )
    # THPT: the name of the class's combination of electives, e.g. "Khoa học tự nhiên 1"
    combination = models.CharField(_("elective combination"), max_length=100, blank=True)
    # the sessions (buổi) the class studies each school day, as the timetable has them: attendance is
    # taken per session (TT22 Điều 12 khoản 1 điểm c counts the sessions missed)
    sessions = models.CharField(
        _("sessions"),
        max_length=2,
        choices=Sessions.choices,
        default=Sessions.MORNING,
        db_default=Sessions.MORNING,
    )
    history = TrailHistory()
    chain_school = "school_year__school"  # the school whose chain its history joins (audit/chain.py)

    class Meta:
        ordering = ["grade", "name"]
        verbose_name = _("class")
        constraints = [models.UniqueConstraint(fields=["school_year", "name"], name="uniq_class_name")]
        permissions = [("manage_classroom", "Homeroom work on this class")]

    def __str__(self):
        return self.name

    @property
    def school_id_for_tenancy(self):
        return self.school_year.school_id


class TeachingAssignment(models.Model):
    """Phân công giảng dạy: teacher ↔ (class, subject) in the class's year."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="assignments")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)
    teacher = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="teaching_assignments"
    )
    periods_per_year = models.PositiveSmallIntegerField(_("periods per year"))
    taught_terms = models.CharField(
        _("taught in"), max_length=4, choices=TaughtTerms.choices, default=TaughtTerms.BOTH
    )
    # THPT: the class studies a learning-topic cluster of this subject, assessed each term as one more
    # regular assessment of the subject (TT22 Điều 6 khoản 2 điểm b; docs/rules.md)
    topic_cluster = models.BooleanField(_("learning-topic cluster"), default=False)
    history = TrailHistory()
    chain_school = (
        "classroom__school_year__school"  # the school whose chain its history joins (audit/chain.py)
    )

    class Meta:
        ordering = ["classroom", "subject__order"]
        verbose_name = _("teaching assignment")
        constraints = [models.UniqueConstraint(fields=["classroom", "subject"], name="uniq_class_subject")]
        permissions = [("enter_scores", "Enter scores and comments for this class-subject")]

    def __str__(self):
        return f"{self.classroom} — {self.subject}"

    @property
    def school_id_for_tenancy(self):
        return self.classroom.school_year.school_id


personal_id_validator = RegexValidator(r"^\d{12}$", _("The personal identification number has 12 digits."))


class LeavingReason(models.TextChoices):
    GRADUATED = "graduated", _("Completed the programme")
    TRANSFERRED_OUT = "transferred_out", _("Transferred to another school")
    DROPPED_OUT = "dropped_out", _("Dropped out")


class Student(models.Model):
    """Sơ yếu lý lịch học sinh. Owned by the school the student currently attends."""

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="students")
    family_name = models.CharField(_("family name"), max_length=50)
    middle_name = models.CharField(_("middle name"), max_length=80, blank=True)
    given_name = models.CharField(_("given name"), max_length=50)
    sort_key = models.CharField(max_length=600, editable=False, db_index=True)
    date_of_birth = models.DateField(_("date of birth"))
    place_of_birth = models.CharField(_("place of birth"), max_length=200, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=50, default="Kinh")
    home_town = models.CharField(_("home town"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    personal_id = models.CharField(
        _("personal identification number"), max_length=12, blank=True, validators=[personal_id_validator]
    )
    moet_code = models.CharField(_("Ministry student code"), max_length=20, blank=True)
    priority_group = models.CharField(_("priority group"), max_length=100, blank=True)
    photo = models.ImageField(_("photo"), upload_to="students/photos/", blank=True)
    register_number = models.CharField(_("register number"), max_length=30, blank=True)
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="student"
    )
    # When and why the student left the school (set by a graduation, transfer or dropout); the
    # retention period (docs/workflows.md §8) counts from this day.
    left_on = models.DateField(_("left on"), null=True, blank=True)
    leaving_reason = models.CharField(
        _("reason for leaving"), max_length=20, choices=LeavingReason.choices, blank=True
    )
    history = TrailHistory()
    chain_school = "school"  # the school whose chain its history joins (audit/chain.py)
    chain_disposable = True  # personal data: removed after the retention period

    class Meta:
        ordering = ["sort_key"]
        verbose_name = _("student")
        constraints = [
            models.UniqueConstraint(
                fields=["personal_id"], condition=~models.Q(personal_id=""), name="uniq_student_personal_id"
            ),
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.compute_sort_key()
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.family_name, self.middle_name, self.given_name) if p)

    def compute_sort_key(self) -> None:
        self.sort_key = roster_key(
            self.family_name, self.middle_name, self.given_name, self.date_of_birth.isoformat()
        )


class Guardian(models.Model):
    """Cha, mẹ hoặc người giám hộ; may hold a read-only parent account."""

    class Relationship(models.TextChoices):
        FATHER = "father", _("Father")
        MOTHER = "mother", _("Mother")
        GUARDIAN = "guardian", _("Guardian")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardians")
    relationship = models.CharField(_("relationship"), max_length=10, choices=Relationship.choices)
    full_name = models.CharField(_("full name"), max_length=150)
    year_of_birth = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="guardianships"
    )
    history = TrailHistory()
    chain_school = "student__school"  # the school whose chain its history joins (audit/chain.py)
    chain_disposable = True  # personal data: removed after the retention period

    class Meta:
        ordering = ["relationship"]
        verbose_name = _("guardian")

    def __str__(self):
        return self.full_name


class Enrolment(models.Model):
    """A student in a class in a year."""

    class Status(models.TextChoices):
        STUDYING = "studying", _("Studying")
        TRANSFERRED_OUT = "transferred_out", _("Transferred out")
        DROPPED_OUT = "dropped_out", _("Dropped out")
        CLASS_CHANGED = "class_changed", _("Changed class")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="enrolments")
    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.STUDYING)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    history = TrailHistory()
    chain_school = (
        "classroom__school_year__school"  # the school whose chain its history joins (audit/chain.py)
    )

    class Meta:
        ordering = ["classroom", "student__sort_key"]
        verbose_name = _("enrolment")
        constraints = [models.UniqueConstraint(fields=["student", "classroom"], name="uniq_enrolment")]

    def __str__(self):
        return f"{self.student} — {self.classroom}"

    @property
    def school_id_for_tenancy(self):
        return self.classroom.school_year.school_id


class StudentTransfer(models.Model):
    """Chuyển trường (docs/workflows.md §9). Within the deployment the principal of the old
    school moves the student and the receiving school accepts: the student (and their history) then
    belongs to the new school, while the old school keeps its classes' records of the years it taught.
    Out of the deployment the học bạ is printed and handed over. A transfer in from outside records the
    school the student came from; their earlier years are kept as ExternalYearRecord."""

    class Kind(models.TextChoices):
        WITHIN = "within", _("To another school of this system")
        OUT = "out", _("To a school outside this system")
        IN = "in", _("From a school outside this system")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the receiving school")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused by the receiving school")
        CANCELLED = "cancelled", _("Cancelled")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="transfers")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    from_school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="transfers_out"
    )
    to_school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="transfers_in"
    )
    # the other school's name when it is outside this system
    other_school_name = models.CharField(_("school"), max_length=200, blank=True)
    from_enrolment = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_enrolment = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    transfer_date = models.DateField(_("date of the transfer"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=40, blank=True)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)
    # the học bạ handed over (a PrintedDocument of the transcripts app, by its id)
    transcript_uuid = models.UUIDField(null=True, blank=True)
    history = TrailHistory()
    chain_school = "student__school"  # the school whose chain its history joins (audit/chain.py)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("transfer")
        constraints = [
            models.UniqueConstraint(
                fields=["student"], condition=models.Q(status="pending"), name="one_pending_transfer"
            )
        ]

    def __str__(self):
        return f"{self.student} ({self.get_kind_display()})"


class ExternalYearRecord(models.Model):
    """A school year the student spent at a school outside this system, entered by the admin board or
    imported from that school's XML học bạ; printed in the học bạ marked as coming from that school."""

    class Source(models.TextChoices):
        ENTERED = "entered", _("Entered by hand")
        XML = "xml", _("Imported from an XML học bạ")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="external_years")
    start_year = models.PositiveIntegerField(_("school year"), validators=[MinValueValidator(2000)])
    grade = models.PositiveSmallIntegerField(
        _("grade"), validators=[MinValueValidator(6), MaxValueValidator(12)]
    )
    class_name = models.CharField(_("class name"), max_length=20)
    school_name = models.CharField(_("school"), max_length=200)
    province_name = models.CharField(_("province"), max_length=100, blank=True)
    regulation = models.CharField(_("regulation"), max_length=20, blank=True)
    # [{"name", "hk1", "hk2", "year", "retest", "comment", "teacher"}] as printed
    subjects = models.JSONField(default=list)
    # {Term.Code.HK1: {"conduct", "academic"}, Term.Code.HK2: …, "year": …}
    periods = models.JSONField(default=dict)
    absences = models.PositiveSmallIntegerField(default=0)
    decision = models.CharField(_("decision"), max_length=30, blank=True)
    honour = models.CharField(_("honour"), max_length=100, blank=True)
    homeroom_comment = models.TextField(_("homeroom teacher's comment"), blank=True)
    homeroom = models.CharField(_("homeroom teacher"), max_length=150, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    source_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    history = TrailHistory()
    chain_school = "student__school"  # the school whose chain its history joins (audit/chain.py)

    class Meta:
        ordering = ["start_year"]
        verbose_name = _("year at another school")
        constraints = [models.UniqueConstraint(fields=["student", "start_year"], name="uniq_external_year")]

    def __str__(self):
        return f"{self.student} {self.start_year}-{self.start_year + 1} ({self.school_name})"

    @property
    def school_id_for_tenancy(self):
        return self.student.school_id


# ----------------------------------------------------------------------------------------------
# Assessments


class AssessmentKind(models.TextChoices):
    REGULAR = "regular", _("Regular")  # ĐĐGtx
    MIDTERM = "midterm", _("Midterm")  # ĐĐGgk
    FINAL = "final", _("Final")  # ĐĐGck
    RETEST = "retest", _("Retest")  # đánh giá lại (TT22 Điều 14)


def column_label(kind: str, index: int) -> str:
    """The column as the forms name it, one set of terms everywhere (the grid, the papers, the trail):
    ĐĐGtx 1, ĐĐGgk, ĐĐGck (docs/forms.md §2)."""
    if kind == AssessmentKind.REGULAR:
        return f"ĐĐGtx {index}"
    return {AssessmentKind.MIDTERM: "ĐĐGgk", AssessmentKind.FINAL: "ĐĐGck"}.get(kind, _("Retest"))


class HistoricalAssessment(HistoricalIP):
    """History of a score or comment: besides who, when, IP and why, the correction request that
    carried the change when it was made after a lock (empty for ordinary entry)."""

    correction = models.ForeignKey(
        "gradebook.CorrectionRequest",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # a partial index (migration 0006) keeps the grid's saves free of it
        related_name="+",
    )

    class Meta:
        abstract = True


class AssessmentHistory(TrailHistory):
    """The history of the tables every grid save writes a row per cell into (scores, comments): its
    author column carries no index either (the audit reads changes by class-subject, cell and date; a
    teacher's changes are those of their class-subjects)."""

    author_index = False


class AssessmentColumn(models.Model):
    """One assessment of a class-subject in a term (e.g. ĐĐGtx2 of HK I) and the day it was held."""

    assignment = models.ForeignKey(TeachingAssignment, on_delete=models.CASCADE, related_name="columns")
    term = models.CharField(max_length=3, choices=Term.Code.choices)
    kind = models.CharField(max_length=10, choices=AssessmentKind.choices)
    index = models.PositiveSmallIntegerField(default=1)
    held_on = models.DateField(_("held on"), null=True, blank=True)
    history = TrailHistory()
    chain_school = "assignment__classroom__school_year__school"  # the school whose chain its history joins (audit/chain.py)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "term", "kind", "index"], name="uniq_assessment_column"
            )
        ]

    def __str__(self):
        return f"{self.kind}{self.index} {self.term}"


class Score(models.Model):
    """One assessment of one student in one class-subject and term.

    A score-assessed subject stores `value` (0–10, one decimal); a comment-assessed one stores `level`
    (Đ / CĐ). `version` grows with every change (optimistic concurrency in the grid).
    """

    class Level(models.TextChoices):
        PASS = "D", "Đ"
        FAIL = "CD", "CĐ"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assignment = models.ForeignKey(TeachingAssignment, on_delete=models.CASCADE, related_name="scores")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="scores")
    term = models.CharField(max_length=3, choices=Term.Code.choices)
    kind = models.CharField(max_length=10, choices=AssessmentKind.choices)
    index = models.PositiveSmallIntegerField(default=1)
    value = models.DecimalField(
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
    )
    level = models.CharField(max_length=2, choices=Level.choices, blank=True)
    held_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    first_entered_at = models.DateTimeField(null=True, blank=True)
    # entered later than the school's limit after the day the assessment was held (docs/workflows.md §3)
    late = models.BooleanField(default=False)
    # History is read by cell (id), class-subject (the audit page, the books) and date. Every grid save
    # writes a history row per cell, so it carries no other index: the uuid and updated_by ones would
    # repeat id and the author, and a student's rows are reached through the class-subject (their
    # corrections through the partial correction index).
    history = AssessmentHistory(bases=[HistoricalAssessment], no_db_index=["uuid", "updated_by", "enrolment"])
    chain_school = "assignment__classroom__school_year__school"  # the school whose chain its history joins (audit/chain.py)

    class Meta:
        verbose_name = _("score")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "enrolment", "term", "kind", "index"], name="uniq_score_cell"
            ),
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | models.Q(value__gte=0, value__lte=10),
                name="score_value_range",
            ),
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | models.Q(level=""), name="score_value_or_level"
            ),
        ]
        indexes = [models.Index(fields=["assignment", "term"])]

    def __str__(self):
        return f"{self.kind}{self.index} {self.term}: {self.value if self.value is not None else self.level}"

    @classmethod
    def integrity_labels(cls, ids, *, from_history: bool = False) -> dict:
        """How the integrity check names a cell (docs/integrity.md): class, subject, student, column."""
        model = cls.history.model if from_history else cls
        rows = model.objects.filter(id__in=ids).values_list(
            "id",
            "assignment__classroom__name",
            "assignment__subject__name",
            "enrolment__student__family_name",
            "enrolment__student__middle_name",
            "enrolment__student__given_name",
            "term",
            "kind",
            "index",
        )
        labels = {}
        for pk, classroom, subject, family, middle, given, term, kind, index in rows:
            student = " ".join(p for p in (family, middle, given) if p)
            labels[pk] = _("score of %(student)s, class %(classroom)s, %(subject)s, %(term)s %(column)s") % {
                "student": student,
                "classroom": classroom,
                "subject": subject,
                "term": term,
                "column": column_label(kind, index),
            }
        return labels


class SubjectComment(models.Model):
    """The subject teacher's comment on a student for a term (nhận xét)."""

    assignment = models.ForeignKey(TeachingAssignment, on_delete=models.CASCADE, related_name="comments")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="subject_comments")
    term = models.CharField(max_length=3, choices=Term.Code.choices)
    text = models.CharField(_("comment"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    history = AssessmentHistory(bases=[HistoricalAssessment])
    chain_school = "assignment__classroom__school_year__school"  # the school whose chain its history joins (audit/chain.py)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "enrolment", "term"], name="uniq_subject_comment")
        ]

    def __str__(self):
        return self.text[:40]


class CommentBankEntry(models.Model):
    """A teacher's reusable comment."""

    teacher = models.ForeignKey(User, on_delete=models.CASCADE, related_name="comment_bank")
    text = models.CharField(_("comment"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["text"]
        constraints = [models.UniqueConstraint(fields=["teacher", "text"], name="uniq_comment_bank_text")]

    def __str__(self):
        return self.text[:40]


class Exemption(models.Model):
    """Miễn (TT22 Điều 10: the practical part of GDTC/GDQP-AN; TT58 Điều 12: the whole subject)."""

    class Scope(models.TextChoices):
        HK1 = "HK1", _("Term I")
        HK2 = "HK2", _("Term II")
        YEAR = "year", _("Whole year")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="exemptions")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)
    scope = models.CharField(max_length=4, choices=Scope.choices)
    reason = models.CharField(_("reason"), max_length=300)
    history = TrailHistory()
    chain_school = "enrolment__classroom__school_year__school"  # the school whose chain its history joins (audit/chain.py)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "subject", "scope"], name="uniq_exemption")
        ]

    def __str__(self):
        return f"{self.subject} ({self.scope})"


class ConductResult(models.Model):
    """Kết quả rèn luyện (TT22) / hạnh kiểm (TT58) per term and year, set by the homeroom teacher."""

    class Period(models.TextChoices):
        HK1 = "HK1", _("Term I")
        HK2 = "HK2", _("Term II")
        YEAR = "year", _("Whole year")
        SUMMER = "summer", _("After summer training")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="conduct_results")
    period = models.CharField(max_length=6, choices=Period.choices)
    level = models.CharField(_("level"), max_length=20)
    comment = models.TextField(_("comment"), blank=True)
    history = TrailHistory()
    chain_school = "enrolment__classroom__school_year__school"  # the school whose chain its history joins (audit/chain.py)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "period"], name="uniq_conduct")]

    def __str__(self):
        return f"{self.period}: {self.level}"


class Absence(models.Model):
    """One absent session (buổi): a day's morning or afternoon. TT22 Điều 12 khoản 1 điểm c counts the
    sessions missed."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="absences")
    date = models.DateField(_("date"))
    # the database's default too: a row written by hand, outside the portal, is a morning
    session = models.CharField(
        _("session"),
        max_length=1,
        choices=Session.choices,
        default=Session.MORNING,
        db_default=Session.MORNING,
    )
    excused = models.BooleanField(_("excused"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    history = TrailHistory()
    chain_school = "enrolment__classroom__school_year__school"  # the school whose chain its history joins (audit/chain.py)

    class Meta:
        ordering = ["date", "session"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "date", "session"], name="uniq_absence_session")
        ]

    def __str__(self):
        return f"{self.date:%d/%m/%Y}"


class DisciplineNote(models.Model):
    """Nề nếp, kỷ luật: the homeroom teacher's note on a student for a week or a month."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="discipline_notes")
    date = models.DateField(_("date"))
    text = models.CharField(_("note"), max_length=500)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    history = TrailHistory()
    chain_school = "enrolment__classroom__school_year__school"  # the school whose chain its history joins (audit/chain.py)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("discipline note")

    def __str__(self):
        return self.text[:40]


class Award(models.Model):
    """Khen thưởng, kỷ luật: an award, certificate or sanction proposed by the homeroom teacher and
    decided by the principal (docs/workflows.md §7)."""

    class Kind(models.TextChoices):
        AWARD = "award", _("Award")
        SANCTION = "sanction", _("Sanction")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Not approved")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="awards")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.AWARD)
    title = models.CharField(_("title"), max_length=200)  # e.g. "Giấy khen học sinh có thành tích đột xuất"
    reason = models.CharField(_("reason"), max_length=500)
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=40, blank=True)
    history = TrailHistory()
    chain_school = "enrolment__classroom__school_year__school"  # the school whose chain its history joins (audit/chain.py)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("award or sanction")

    def __str__(self):
        return self.title

    @property
    def school_id_for_tenancy(self):
        return self.enrolment.classroom.school_year.school_id


class ProgressSnapshot(models.Model):
    """The entry progress board as it stood on the school's monthly check day, kept for comparison."""

    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="progress_snapshots")
    taken_on = models.DateField(_("date"))
    taken_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["taken_on"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "taken_on"], name="uniq_progress_snapshot")
        ]

    def __str__(self):
        return f"{self.school_year} {self.taken_on:%d/%m/%Y}"


class AttendanceMonth(models.Model):
    """The homeroom teacher's statement that a month's attendance of the class is complete; due before
    the school's day of the next month, late otherwise."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="attendance_months")
    month = models.DateField(_("month"))  # the first day
    confirmed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed at"))
    history = TrailHistory()
    chain_school = (
        "classroom__school_year__school"  # the school whose chain its history joins (audit/chain.py)
    )

    class Meta:
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["classroom", "month"], name="uniq_attendance_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="attendance_month_first_day"),
        ]

    def __str__(self):
        return f"{self.classroom} {self.month:%m/%Y}"


class ResultsApproval(models.Model):
    """Term or year results of a class: submitted by the homeroom teacher once complete, approved (then
    frozen) or returned with a reason by the principal (docs/workflows.md §7)."""

    class Period(models.TextChoices):
        HK1 = "HK1", _("Term I")
        HK2 = "HK2", _("Term II")
        YEAR = "year", _("Whole year")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted, awaiting the principal")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned to the homeroom teacher")

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="results_approvals")
    period = models.CharField(_("period"), max_length=4, choices=Period.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"))
    submit_note = models.CharField(_("note"), max_length=500, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("principal's note"), max_length=500, blank=True)
    # the rows as approved (student → subjects, levels), so a later difference can be shown
    snapshot = models.JSONField(default=dict, blank=True)
    history = TrailHistory()
    chain_school = (
        "classroom__school_year__school"  # the school whose chain its history joins (audit/chain.py)
    )

    class Meta:
        verbose_name = _("results approval")
        constraints = [models.UniqueConstraint(fields=["classroom", "period"], name="uniq_results_approval")]

    def __str__(self):
        return f"{self.classroom} {self.period}: {self.status}"


class ResultsReview(models.Model):
    """The homeroom teacher's last check of the class results: each student's row signature then, so
    the page can flag a student whose results changed since (docs/workflows.md §3)."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="results_reviews")
    period = models.CharField(max_length=4, choices=ResultsApproval.Period.choices)
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField()
    signatures = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["classroom", "period"], name="uniq_results_review")]

    def __str__(self):
        return f"{self.classroom} {self.period}"


class PrincipalDecision(models.Model):
    """A decision of the principal (its number and date) that the admin board carries out."""

    decision_number = models.CharField(_("decision number"), max_length=40, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    carried_out_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    carried_out_at = models.DateTimeField(_("carried out at"), null=True, blank=True)

    class Meta:
        abstract = True


class PeriodLock(PrincipalDecision):
    """Khóa sổ: a month, a term or the whole year closed for entry, for the school, a grade or one class.

    The principal decides (a decision with its number and date); the admin board carries it out (seeds
    000 Đ4, 003 Đ3, 004 II.1). A lock takes effect once carried out and from `locked_at`, which may be
    ahead (scheduled). A month lock closes the assessments held on or before `month_end`. It is reopened
    only by a LockReopening for a stated purpose and time (e.g. 1/8–15/8 for retests)."""

    class Scope(models.TextChoices):
        MONTH = "month", _("Month")
        HK1 = "HK1", _("Term I")
        HK2 = "HK2", _("Term II")
        YEAR = "year", _("Whole year")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="locks")
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    classroom = models.ForeignKey(
        Classroom, null=True, blank=True, on_delete=models.CASCADE, related_name="locks"
    )
    term = models.CharField(_("period"), max_length=5, choices=Scope.choices)
    month_end = models.DateField(_("month locked up to"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked from"))
    decision = models.CharField(_("note"), max_length=200, blank=True)
    history = TrailHistory()
    chain_school = "school_year__school"  # the school whose chain its history joins (audit/chain.py)

    class Meta:
        ordering = ["-locked_at"]
        verbose_name = _("period lock")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(term="month") | models.Q(month_end__isnull=False),
                name="month_lock_has_end",
            )
        ]

    def __str__(self):
        return f"{self.get_term_display()} {self.school_year}"

    @property
    def scope_label(self) -> str:
        if self.classroom_id:
            return str(self.classroom)
        if self.grade:
            return _("Grade %(grade)s") % {"grade": self.grade}
        return _("Whole school")


class LockReopening(PrincipalDecision):
    """Mở sổ: a lock lifted for a stated purpose, from `starts_at` until `ends_at`, decided by the
    principal and carried out by the admin board."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    lock = models.ForeignKey(PeriodLock, on_delete=models.CASCADE, related_name="reopenings")
    purpose = models.CharField(_("purpose"), max_length=200)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    history = TrailHistory()
    chain_school = "lock__school_year__school"  # the school whose chain its history joins (audit/chain.py)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("reopening")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="reopening_ends_after_start"
            )
        ]

    def __str__(self):
        return f"{self.purpose} ({self.lock})"


# ----------------------------------------------------------------------------------------------
# Corrections (sửa điểm)


def private_storage():
    """Files that are never served by URL: only permission-checked views read them."""
    return storages["private"]


def evidence_path(instance, filename: str) -> str:
    # the stored name never comes from the user: the uploaded name is kept in `original_name`
    return f"evidence/{instance.request.uuid}/{uuid.uuid4().hex}.{instance.extension}"


class CorrectionRequest(models.Model):
    """Giấy đề nghị thay đổi thông tin: a teacher asks to change scores of a locked period.

    Submitted with evidence → approved (per cell) or rejected by the principal → applied by the admin
    board with witnesses, the period staying locked (docs/workflows.md §6)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting the principal")
        APPROVED = "approved", _("Approved, awaiting the admin board")
        REJECTED = "rejected", _("Rejected")
        APPLIED = "applied", _("Applied")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assignment = models.ForeignKey(
        TeachingAssignment, on_delete=models.PROTECT, related_name="correction_requests"
    )
    term = models.CharField(_("term"), max_length=3, choices=Term.Code.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    reason = models.CharField(_("reason"), max_length=500)
    # the last day for corrections of the term when the request was filed (docs/workflows.md §6)
    deadline = models.DateField(_("last day for corrections"), null=True, blank=True)
    late = models.BooleanField(_("filed after the last day"), default=False)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("principal's note"), max_length=500, blank=True)
    late_override_reason = models.CharField(
        _("reason for allowing a late correction"), max_length=500, blank=True
    )
    applied_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    # witnesses of the change on the system: a board member, the admin board member (applied_by), the
    # requester; the homeroom teacher and a secretary when present (docs/forms.md §7.2)
    witness_board = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("board member"),
    )
    requester_present = models.BooleanField(_("the requester was present"), default=False)
    witness_homeroom = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("homeroom teacher"),
    )
    secretary = models.CharField(_("secretary"), max_length=150, blank=True)
    record_number = models.CharField(_("record number"), max_length=40, blank=True)
    history = TrailHistory()
    chain_school = "assignment__classroom__school_year__school"  # the school whose chain its history joins (audit/chain.py)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("correction request")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="applied")
                | models.Q(applied_at__isnull=False, witness_board__isnull=False, requester_present=True),
                name="applied_correction_is_witnessed",
            ),
            models.UniqueConstraint(
                fields=["assignment", "record_number"],
                condition=~models.Q(record_number=""),
                name="uniq_correction_record_number",
            ),
        ]

    def __str__(self):
        return f"{self.assignment} {self.term} ({self.requested_at:%d/%m/%Y})"

    @property
    def school_id_for_tenancy(self):
        return self.assignment.classroom.school_year.school_id


class CorrectionItem(models.Model):
    """One cell of a request: the value entered, the value asked for, and the principal's decision."""

    request = models.ForeignKey(CorrectionRequest, on_delete=models.CASCADE, related_name="items")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=AssessmentKind.choices)
    index = models.PositiveSmallIntegerField(default=1)
    old_value = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    old_level = models.CharField(max_length=2, choices=Score.Level.choices, blank=True)
    old_version = models.PositiveIntegerField(default=0)
    new_value = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    new_level = models.CharField(max_length=2, choices=Score.Level.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    approved = models.BooleanField(null=True)  # None until the principal decides
    applied = models.BooleanField(default=False)
    history = TrailHistory()
    chain_school = "request__assignment__classroom__school_year__school"  # the school whose chain its history joins (audit/chain.py)

    class Meta:
        ordering = ["enrolment__student__sort_key", "kind", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "enrolment", "kind", "index"], name="uniq_correction_cell"
            ),
            models.CheckConstraint(
                condition=models.Q(new_value__isnull=True) | models.Q(new_value__gte=0, new_value__lte=10),
                name="correction_value_range",
            ),
        ]

    def __str__(self):
        return f"{self.enrolment_id} {self.kind}{self.index}"


class CorrectionEvidence(models.Model):
    """A photo or scan (the teacher's gradebook, the student's paper) attached to a request.

    Stored under a random name in private storage, served only through a permission-checked view."""

    request = models.ForeignKey(CorrectionRequest, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, storage=private_storage, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    extension = models.CharField(max_length=5)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("evidence")

    def __str__(self):
        return self.original_name


class ImportBatch(models.Model):
    """An uploaded file kept from its preview to its confirmation: nothing is written before the user
    confirms, and what is written is what the preview showed (docs/workflows.md §1)."""

    class Kind(models.TextChoices):
        ROSTER = "roster", _("Student roster")
        ASSIGNMENTS = "assignments", _("Teaching assignments")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="imports")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file_name = models.CharField(max_length=200)
    content = models.BinaryField()
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    summary = models.JSONField(default=dict, blank=True)  # counts by fate once applied

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.file_name}"

    @property
    def school_id_for_tenancy(self):
        return self.school_year.school_id


class DataCheck(models.Model):
    """The start-of-year check of a class's student data against the paper files (docs/workflows.md §1):
    opened by the homeroom teacher, corrected, confirmed; the record lists what changed in between."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    classroom = models.OneToOneField(Classroom, on_delete=models.CASCADE, related_name="data_check")
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("note"), blank=True)
    history = TrailHistory()
    chain_school = (
        "classroom__school_year__school"  # the school whose chain its history joins (audit/chain.py)
    )

    def __str__(self):
        return f"{self.classroom}: {self.confirmed_at or self.opened_at:%d/%m/%Y}"

    @property
    def school_id_for_tenancy(self):
        return self.classroom.school_year.school_id
