"""Tenancy (province → district → school), people and the roles they hold."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.history import TrailHistory


class Province(models.Model):
    """Tỉnh / Thành phố; its Sở GD&ĐT runs the portal."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("province")

    def __str__(self):
        return self.name


class District(models.Model):
    """Huyện / Quận / Thị xã / Thành phố thuộc tỉnh; its Phòng GD&ĐT oversees the THCS schools."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="districts")
    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["province", "code"], name="uniq_district_code")]
        verbose_name = _("district")

    def __str__(self):
        return self.name


_UNIT_PREFIXES = ("Thành phố ", "Thị xã ", "Quận ", "Huyện ", "Tỉnh ", "Xã ", "Phường ", "Đặc khu ")


def _unit_name(name: str) -> str:
    """'Quận Cầu Giấy' → 'Cầu Giấy' (the date line and the Sở line name the place without its kind)."""
    for prefix in _UNIT_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


class School(models.Model):
    """The tenant. Everything a school owns points to it."""

    class Level(models.TextChoices):
        THCS = "THCS", _("Lower secondary (THCS)")
        THPT = "THPT", _("Upper secondary (THPT)")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="schools")
    code = models.CharField(_("school code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=4, choices=Level.choices, default=Level.THCS)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # School settings (docs/workflows.md §1: the admin board watches passwords kept too long).
    password_max_age_days = models.PositiveIntegerField(
        _("password maximum age (days)"), default=180, validators=[MinValueValidator(1)]
    )
    require_2fa_for_leaders = models.BooleanField(
        _("require two-factor authentication for the principal and admin board"), default=False
    )
    # docs/workflows.md §3: regular scores entered within 1 week of the test, periodic within 2 weeks.
    regular_entry_days = models.PositiveSmallIntegerField(_("days to enter a regular score"), default=7)
    periodic_entry_days = models.PositiveSmallIntegerField(_("days to enter a periodic score"), default=14)
    # Printed forms (docs/forms.md §1.5–1.6): the governing body above the school's name and the place of the
    # date line; blank = derived from the district and province.
    governing_body = models.CharField(
        _("governing body (printed above the school name)"), max_length=200, blank=True
    )
    place_name = models.CharField(_("place name of the date line"), max_length=100, blank=True)
    # docs/workflows.md §8: transcripts are kept at least 5 years after the student graduates or leaves; then the
    # principal may approve deleting them (never automatically).
    retention_years = models.PositiveSmallIntegerField(
        _("years the records of a student who left are kept"),
        default=5,
        validators=[MinValueValidator(5), MaxValueValidator(100)],
    )
    # docs/workflows.md §3: the homeroom teacher completes a month's attendance before this day of the next month.
    attendance_due_day = models.PositiveSmallIntegerField(
        _("attendance of a month is due before this day of the next month"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )
    # docs/workflows.md §4: the school checks entry progress every month (25th–30th); a snapshot of
    # the progress board is kept on this day.
    progress_check_day = models.PositiveSmallIntegerField(
        _("day of the month the entry progress is checked"),
        default=25,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )
    # docs/workflows.md §6: the last day for corrections is one week before the end-of-term test.
    correction_days_before_final = models.PositiveSmallIntegerField(
        _("corrections close this many days before the end-of-term test"), default=7
    )
    history = TrailHistory()
    chain_school = "self"  # the school whose chain its history joins (audit/chain.py)

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")

    def __str__(self):
        return self.name

    @property
    def printed_governing_body(self) -> str:
        if self.governing_body:
            return self.governing_body
        if self.level == self.Level.THPT:
            return f"Sở Giáo dục và Đào tạo {_unit_name(self.district.province.name)}"
        return f"Phòng Giáo dục và Đào tạo {_unit_name(self.district.name)}"

    @property
    def printed_place(self) -> str:
        return self.place_name or _unit_name(self.district.name)

    @property
    def grades(self) -> range:
        return range(6, 10) if self.level == self.Level.THCS else range(10, 13)


class Department(models.Model):
    """Tổ chuyên môn: a subject group headed by a department head."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="uniq_department_name")]
        verbose_name = _("department")

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A personal account (docs/workflows.md §1: never shared)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    must_change_password = models.BooleanField(_("must change password at next login"), default=True)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    history = TrailHistory(excluded_fields=["password", "last_login"])
    # history rows of accounts belong to no school: the deployment's chain (audit/chain.py)
    chain_school = None

    class Meta:
        verbose_name = _("user")
        ordering = ["username"]

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        return self.full_name or self.username

    def mark_password_changed(self):
        self.must_change_password = False
        self.password_changed_at = timezone.now()


class Role(models.TextChoices):
    PRINCIPAL = "principal", _("Principal")
    VICE_PRINCIPAL = "vice_principal", _("Vice principal")
    ADMIN_BOARD = "admin_board", _("Admin board")
    CLERK = "clerk", _("Clerk")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    HOMEROOM_TEACHER = "homeroom_teacher", _("Homeroom teacher")
    SUBJECT_TEACHER = "subject_teacher", _("Subject teacher")
    IT_STAFF = "it_staff", _("IT staff")
    PARENT = "parent", _("Parent")
    STUDENT = "student", _("Student")
    DISTRICT_OFFICE = "district_office", _("District education office")
    PROVINCE_OFFICE = "province_office", _("Province education department")


SCHOOL_ROLES = [r for r in Role if r not in (Role.DISTRICT_OFFICE, Role.PROVINCE_OFFICE)]
SCHOOL_BOARD_ROLES = {Role.PRINCIPAL, Role.VICE_PRINCIPAL}
STAFF_ROLES = set(SCHOOL_ROLES) - {Role.PARENT, Role.STUDENT}


class RoleAssignment(models.Model):
    """A role a person holds, in a school (or over a district / province for the offices)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE, related_name="roles")
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.CASCADE)
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.CASCADE)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.CASCADE)
    # For a vice principal: the principal delegated the right to extract data for reports (docs/workflows.md §1).
    may_extract_data = models.BooleanField(_("may extract data for reports"), default=False)
    # For a vice principal: the principal delegated the approval of class results (docs/workflows.md §1).
    may_approve_results = models.BooleanField(_("may approve class results"), default=False)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    history = TrailHistory()
    chain_school = "school"  # the school whose chain its history joins (audit/chain.py)

    class Meta:
        verbose_name = _("role assignment")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "school"],
                condition=models.Q(department__isnull=True, school__isnull=False),
                name="uniq_role_per_school",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "school", "department"],
                condition=models.Q(department__isnull=False),
                name="uniq_department_role",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(role="district_office", district__isnull=False, school__isnull=True)
                    | models.Q(role="province_office", province__isnull=False, school__isnull=True)
                    | (
                        models.Q(school__isnull=False)
                        & ~models.Q(role__in=["district_office", "province_office"])
                    )
                ),
                name="role_scope_matches_role",
            ),
        ]

    def __str__(self):
        scope = self.school or self.district or self.province
        return f"{self.get_role_display()} — {scope}"


class Notification(models.Model):
    """An in-app message for one user (a reminder from the board…), shown on the home page."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("message"), max_length=500)
    link = models.CharField(max_length=300, blank=True)
    sent_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.text[:40]
