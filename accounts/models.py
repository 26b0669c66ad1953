"""Tenancy (province → commune → school; districts for the years before 2025-2026), people and the
roles they hold."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.history import TrailHistory
from accounts.units import REFORM_YEAR


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


class Commune(models.Model):
    """Xã / Phường / Đặc khu: since 1/7/2025 its People's Committee manages the THCS schools of the commune
    (accounts/units.py has every one; a row is made when a school or an office is placed in it)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="communes")
    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, default="xã")  # xã, phường, đặc khu

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["province", "code"], name="uniq_commune_code")]
        verbose_name = _("commune")

    def __str__(self):
        return self.name


class District(models.Model):
    """Huyện / Quận / Thị xã / Thành phố thuộc tỉnh: its Phòng GD&ĐT oversaw the THCS schools until
    30/6/2025. Kept for the years before 2025-2026, which print it."""

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
        MULTI = "MULTI", _("Multi-level (THCS and THPT)")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="schools")
    commune = models.ForeignKey(
        Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="schools"
    )
    # the district of the years before 2025-2026 (their documents print it); none for a new school
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, related_name="schools"
    )
    code = models.CharField(_("school code"), max_length=20, unique=True)
    moet_code = models.CharField(_("Ministry school code"), max_length=20, blank=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=5, choices=Level.choices, default=Level.THCS)
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

    def managing_body(self, start_year: int | None = None) -> str:
        """The body printed above the school's name (docs/forms.md §1.5) for a school year: a THPT (and a
        multi-level school) under the province's Department; a THCS under the commune's People's
        Committee since 2025-2026, under the district's education office before."""
        if self.governing_body:
            return self.governing_body
        department = f"Sở Giáo dục và Đào tạo {_unit_name(self.province.name)}"
        if self.level != self.Level.THCS:
            return department
        if start_year is not None and start_year < REFORM_YEAR:
            return (
                f"Phòng Giáo dục và Đào tạo {_unit_name(self.district.name)}" if self.district else department
            )
        if self.commune is not None:
            return f"Ủy ban nhân dân {self.commune.name}"
        return department

    @property
    def printed_governing_body(self) -> str:
        return self.managing_body()

    def unit_line(self, start_year: int | None) -> tuple[str, str]:
        """(label, name) of the unit line of covers (docs/forms.md §1.9): the district before 2025-26,
        the commune since."""
        if start_year is not None and start_year < REFORM_YEAR and self.district is not None:
            return "Huyện/Quận/Thị xã/Thành phố", self.district.name
        return "Xã/Phường/Đặc khu", self.commune.name if self.commune else (self.place_name or "")

    @property
    def printed_place(self) -> str:
        if self.place_name:
            return self.place_name
        if self.commune is not None:
            return _unit_name(self.commune.name)
        return _unit_name(self.district.name) if self.district else _unit_name(self.province.name)

    @property
    def grades(self) -> range:
        return {self.Level.THCS: range(6, 10), self.Level.THPT: range(10, 13)}.get(self.level, range(6, 13))

    def level_of_grade(self, grade: int) -> str:
        """THCS for grades 6–9, THPT for 10–12 (a multi-level school keeps both books)."""
        return self.Level.THCS if grade <= 9 else self.Level.THPT


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
    COMMUNE_OFFICE = "commune_office", _("Commune office (culture and society)")


OFFICE_ROLES = (Role.DISTRICT_OFFICE, Role.PROVINCE_OFFICE, Role.COMMUNE_OFFICE)
SCHOOL_ROLES = [r for r in Role if r not in OFFICE_ROLES]
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
    commune = models.ForeignKey(Commune, null=True, blank=True, on_delete=models.CASCADE)
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
                    | models.Q(role="commune_office", commune__isnull=False, school__isnull=True)
                    | (
                        models.Q(school__isnull=False)
                        & ~models.Q(role__in=["district_office", "province_office", "commune_office"])
                    )
                ),
                name="role_scope_matches_role",
            ),
        ]

    def __str__(self):
        scope = self.school or self.commune or self.district or self.province
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
