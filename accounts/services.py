"""Writes on accounts and roles. Each function takes the acting user first, checks the right through
`authz`, writes in one transaction and leaves an audit event."""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from functools import partial

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import authz, units
from accounts.authz import Action
from accounts.history import attribute
from accounts.models import (
    SCHOOL_ROLES,
    Commune,
    Department,
    Notification,
    Province,
    Role,
    RoleAssignment,
    School,
    User,
)
from accounts.signals import role_revoked
from audit.models import AuditEvent
from audit.services import record
from sodiem.domain import Actor, DomainError, acting

_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105
log = logging.getLogger(__name__)
USERNAME_MAX = 150
USERNAME = re.compile(r"[A-Za-z0-9._-]+")


class AccountError(DomainError):
    """A refused account operation; the message is shown to the user."""


class WrongPassword(AccountError):
    """The current password given to confirm a change is not the account's."""


def temporary_password(length: int = 12) -> str:
    """A readable random password (no 0/O, 1/l/I) for a login slip; must be changed at first login."""
    while True:
        candidate = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate


def _refuse_ungrantable(actor: User, school: School, roles) -> None:
    allowed = authz.grantable_roles(actor, school)
    appointed = [r for r in roles if r in authz.APPOINTED_FROM_ABOVE]
    if appointed:
        raise AccountError(
            _(
                "The principal and the vice principals are appointed by the province's Department of "
                "Education, not by the school."
            )
        )
    bad = [r for r in roles if r not in allowed]
    if bad:
        labels = ", ".join(str(Role(r).label) if r in Role.values else r for r in bad)
        raise AccountError(_("You cannot grant this role: %(roles)s") % {"roles": labels})


def _max_length(model, name: str) -> int:
    return int(getattr(model._meta.get_field(name), "max_length", None) or 0)


def validate_account_fields(username: str, full_name: str, email: str, phone: str = "") -> dict[str, str]:
    """Field → Vietnamese error message. Every value is checked against its column, so nothing the
    preview accepts can fail when written."""
    errors: dict[str, str] = {}
    username = (username or "").strip()
    if not username:
        errors["username"] = _("The username is required.")
    elif len(username) > USERNAME_MAX or not USERNAME.fullmatch(username):
        # ASCII only: a Cyrillic "о" would make a look-alike of someone else's name
        errors["username"] = _(
            "The username may contain only unaccented letters (a–z), digits and . - _ (at most 150)."
        )
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = _("The username %(username)s is already taken.") % {"username": username}
    if not (full_name or "").strip():
        errors["full_name"] = _("The full name is required.")
    elif len(full_name) > 150:
        errors["full_name"] = _("The full name is too long (at most 150 characters).")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("%(email)s is not a valid e-mail address.") % {"email": email}
        if len(email) > _max_length(User, "email"):
            errors["email"] = _("The e-mail address is too long (at most %(n)d characters).") % {
                "n": _max_length(User, "email")
            }
    limit = _max_length(User, "phone")
    if len(phone or "") > limit:
        errors["phone"] = _("The phone number is too long (at most %(n)d characters).") % {"n": limit}
    return errors


@transaction.atomic
def create_account(
    by: Actor | User,
    school: School,
    *,
    username: str,
    full_name: str,
    email: str = "",
    phone: str = "",
    roles: list[str] | tuple[str, ...] = (),
    department: Department | None = None,
) -> tuple[User, str]:
    actor, ip = acting(by)
    authz.check(actor, Action.MANAGE_ACCOUNTS, school)
    errors = validate_account_fields(username, full_name, email, phone)
    if errors:
        raise AccountError(" ".join(errors.values()))
    _refuse_ungrantable(actor, school, roles)
    user, password = new_account(
        Actor(actor, ip), school, username=username, full_name=full_name, email=email, phone=phone
    )
    for role in roles:
        _grant(actor, school, user, role, department if role == Role.DEPARTMENT_HEAD else None, ip)
    return user, password


def new_account(
    by: Actor | User | None,
    school: School,
    *,
    username: str,
    full_name: str,
    email: str = "",
    phone: str = "",
) -> tuple[User, str]:
    """An account with a temporary password, to be changed at the first sign-in; recorded. The caller
    has validated the fields and grants the roles."""
    actor, ip = acting(by)
    password = temporary_password()
    user = User(
        username=username.strip(),
        full_name=" ".join(full_name.split())[:150],
        email=email.strip(),
        phone=phone,
    )
    user.set_password(password)
    user.must_change_password = True
    user.save()
    record(
        AuditEvent.Action.ACCOUNT_CREATED,
        actor=actor,
        ip=ip,
        school=school,
        obj=user,
        username=user.username,
    )
    return user, password


def _grant(actor, school, user, role, department, ip):
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, school=school, department=department, defaults={"granted_by": actor}
    )
    if created:
        record(AuditEvent.Action.ROLE_GRANTED, actor=actor, ip=ip, school=school, obj=user, role=role)
    authz.forget(user)
    return assignment


@transaction.atomic
def grant_role(by: Actor | User, school: School, user: User, role: str, department: Department | None = None):
    actor, ip = acting(by)
    authz.check(actor, Action.MANAGE_PEOPLE, school)
    authz.check_person(actor, school, user)
    _refuse_ungrantable(actor, school, [role])
    if role == Role.DEPARTMENT_HEAD and (department is None or department.school_id != school.pk):
        raise AccountError(_("Choose the department this person heads."))
    if role != Role.DEPARTMENT_HEAD:
        department = None
    return _grant(actor, school, user, role, department, ip)


def _revoke(actor: User, school: School, assignment: RoleAssignment) -> None:
    """Remove a role and end the rights it brought, in the caller's transaction."""
    user = assignment.user
    assignment.delete()
    role_revoked.send(sender=RoleAssignment, user=user, school=school, role=assignment.role, actor=actor)
    authz.forget(user)


@transaction.atomic
def remove_role(by: Actor | User, school: School, assignment: RoleAssignment) -> None:
    actor, ip = acting(by)
    authz.check(actor, Action.MANAGE_PEOPLE, school)
    if assignment.school_id != school.pk:
        raise AccountError(_("This role belongs to another school."))
    authz.check_person(actor, school, assignment.user)
    user = assignment.user
    _revoke(actor, school, assignment)
    record(
        AuditEvent.Action.ROLE_REMOVED,
        actor=actor,
        ip=ip,
        school=school,
        obj=user,
        role=assignment.role,
    )


@transaction.atomic
def appoint(
    by: Actor | User | None, school: School, *, username: str, role: str, full_name: str = ""
) -> tuple[User, str]:
    """The province's Department — or IT staff through `manage.py appoint` (actor None) — appoints the
    principal or a vice principal: an existing account that belongs to no other school, or a new one.
    Returns the account and, for a new one, its temporary password, shown once to the actor."""
    actor, ip = acting(by)
    if actor is not None and not authz.appoints_board_of(actor, school):
        raise PermissionDenied(_("Only the province's Department of Education appoints the school's board."))
    if role not in authz.APPOINTED_FROM_ABOVE:
        raise AccountError(_("Only a principal or a vice principal is appointed here."))
    username = (username or "").strip()
    user = User.objects.filter(username__iexact=username).first()
    password = ""
    if user is None:
        errors = validate_account_fields(username, full_name, "")
        if errors:
            raise AccountError(" ".join(errors.values()))
        user, password = new_account(Actor(actor, ip), school, username=username, full_name=full_name)
    elif RoleAssignment.objects.filter(user=user).exclude(school=school).exists():
        raise AccountError(
            _("This account also belongs to another school or office: appoint a separate account.")
        )
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, school=school, department=None, defaults={"granted_by": actor}
    )
    if created:
        record(AuditEvent.Action.ROLE_APPOINTED, actor=actor, ip=ip, school=school, obj=user, role=role)
    authz.forget(user)
    return user, password


def _check_member_of(school: School, user: User) -> None:
    if not RoleAssignment.objects.filter(user=user, school=school).exists():
        raise AccountError(_("This account does not belong to your school."))


@transaction.atomic
def reset_password(by: Actor | User, school: School, user: User) -> str:
    """A temporary password for someone ranked below the actor; shown once, to the actor only."""
    actor, ip = acting(by)
    authz.check(actor, Action.MANAGE_PEOPLE, school)
    _check_member_of(school, user)
    authz.check_person(actor, school, user)
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.save()
    record(AuditEvent.Action.PASSWORD_RESET, actor=actor, ip=ip, school=school, obj=user)
    return password


@transaction.atomic
def reset_two_factor(by: Actor | User, school: School, user: User) -> int:
    """Remove the two-factor devices of someone ranked below the actor (a lost phone): they enrol a
    new one at their next sign-in. The owner and the principal are told. Returns the devices removed."""
    actor, ip = acting(by)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    authz.check(actor, Action.MANAGE_PEOPLE, school)
    _check_member_of(school, user)
    authz.check_person(actor, school, user)
    removed, _detail = TOTPDevice.objects.filter(user=user).delete()
    record(
        AuditEvent.Action.TWO_FACTOR_RESET,
        actor=actor,
        ip=ip,
        school=school,
        obj=user,
        devices=removed,
    )
    notify_security(
        user,
        _(
            "Two-factor sign-in of your account was reset by %(actor)s. Set it up again; if you did not ask "
            "for this, tell the principal."
        )
        % {"actor": actor.full_name or actor.username},
        school=school,
        tell_principal=True,
    )
    return removed


@transaction.atomic
def deactivate_account(by: Actor | User, school: School, user: User) -> bool:
    """Remove the person's roles in this school; the account itself is disabled when no role is left.

    Returns True when the account was disabled."""
    actor, ip = acting(by)
    authz.check(actor, Action.MANAGE_PEOPLE, school)
    _check_member_of(school, user)
    if user.pk == actor.pk:
        raise AccountError(_("You cannot deactivate your own account."))
    authz.check_person(actor, school, user)
    for assignment in RoleAssignment.objects.filter(user=user, school=school).select_related("user"):
        _revoke(actor, school, assignment)
    disabled = not RoleAssignment.objects.filter(user=user).exists()
    if disabled:
        user.is_active = False
        user.save(update_fields=["is_active"])
    record(
        AuditEvent.Action.ACCOUNT_DEACTIVATED,
        actor=actor,
        ip=ip,
        school=school,
        obj=user,
        disabled=disabled,
    )
    authz.forget(user)
    return disabled


@transaction.atomic
def add_two_factor_device(by: Actor | User, device, last_t: int) -> None:
    """Store a confirmed TOTP device; the owner is told (a second device may be someone else's)."""
    user, ip = acting(by)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    count = TOTPDevice.objects.filter(user=user, confirmed=True).count()
    device.confirmed = True
    device.last_t = last_t
    device.save()
    record(AuditEvent.Action.TWO_FACTOR_ADDED, actor=user, ip=ip, devices=count + 1)
    when = timezone.localtime().strftime("%H:%M %d/%m/%Y")
    notify_security(
        user,
        _(
            "A two-factor device was added to your account at %(when)s (you now have %(n)d). If it was not "
            "you, change your password and tell the admin board at once."
        )
        % {"when": when, "n": count + 1},
    )


def notify_security(
    user: User, text: str, *, school: School | None = None, tell_principal: bool = False
) -> None:
    """A change to someone's sign-in (a device added or reset): an in-app message on their home page,
    an e-mail when they have an address and, when asked, the same to the school's principal."""
    recipients = [user]
    if tell_principal and school is not None:
        recipients += [
            ra.user
            for ra in RoleAssignment.objects.filter(school=school, role=Role.PRINCIPAL).select_related("user")
            if ra.user_id != user.pk
        ]
    for person in recipients:
        message = text if person == user else f"{user.full_name or user.username}: {text}"
        Notification.objects.create(user=person, school=school, text=message[:500])
        if person.email:
            transaction.on_commit(partial(_mail, person.email, message))


def _mail(address: str, message: str) -> None:
    from django.core.mail import send_mail

    try:
        send_mail(_("Sổ Điểm: your account's security"), message, None, [address])
    except OSError:  # the mail server is down: the in-app message still stands
        log.warning("security e-mail to %s failed", address, exc_info=True)


def mark_notifications_read(user: User) -> int:
    """The user's own unread notifications, marked read now; how many."""
    return user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())


def change_own_password(by: Actor | User, old_password: str, new_password: str) -> None:
    user, ip = acting(by)
    if not user.check_password(old_password):
        raise WrongPassword(_("The current password is not correct."))
    if old_password == new_password:
        raise AccountError(_("The new password must differ from the current one."))
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from None
    user.set_password(new_password)
    user.mark_password_changed()
    user.save()
    record(AuditEvent.Action.PASSWORD_CHANGED, actor=user, ip=ip)


# -- bulk import from an Excel staff list -----------------------------------------------------------

IMPORT_HEADERS = ["Tên đăng nhập", "Họ và tên", "Email", "Điện thoại", "Vai trò", "Tổ chuyên môn"]
ROLE_LABELS_VI = {
    "hiệu trưởng": Role.PRINCIPAL,
    "phó hiệu trưởng": Role.VICE_PRINCIPAL,
    "ban quản trị": Role.ADMIN_BOARD,
    "văn thư": Role.CLERK,
    "tổ trưởng": Role.DEPARTMENT_HEAD,
    "tổ trưởng chuyên môn": Role.DEPARTMENT_HEAD,
    "giáo viên chủ nhiệm": Role.HOMEROOM_TEACHER,
    "giáo viên bộ môn": Role.SUBJECT_TEACHER,
    "giáo viên": Role.SUBJECT_TEACHER,
    "nhân viên cntt": Role.IT_STAFF,
}


@dataclass
class ImportRow:
    number: int  # row number in the sheet (header = 1)
    username: str
    full_name: str
    email: str
    phone: str
    roles: list[str]
    department: str
    errors: list[str] = field(default_factory=list)
    password: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            k: getattr(self, k)
            for k in ("number", "username", "full_name", "email", "phone", "roles", "department")
        }


@dataclass
class ImportReport:
    rows: list[ImportRow]
    file_error: str = ""

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if r.ok]

    @property
    def refused_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.ok]


def _parse_roles(text: str) -> tuple[list[str], list[str]]:
    roles, unknown = [], []
    for part in (text or "").replace(";", ",").split(","):
        key = " ".join(part.strip().lower().split())
        if not key:
            continue
        if key in ROLE_LABELS_VI:
            roles.append(ROLE_LABELS_VI[key].value)
        elif key in {r.value for r in SCHOOL_ROLES}:
            roles.append(key)
        else:
            unknown.append(part.strip())
    return list(dict.fromkeys(roles)), unknown


def parse_staff_list(actor: User, school: School, uploaded) -> ImportReport:
    """Validate every row of an Excel staff list; nothing is written here."""
    from accounts.excel import ExcelError, read_rows

    try:
        header, data = read_rows(uploaded, max_rows=_max_rows())
    except ExcelError as exc:
        return ImportReport([], str(exc))
    normalised = [" ".join(str(h or "").split()) for h in header]
    if normalised[: len(IMPORT_HEADERS)] != IMPORT_HEADERS:
        return ImportReport(
            [],
            _("The column headers do not match the template. Expected: %(expected)s; found: %(found)s.")
            % {"expected": ", ".join(IMPORT_HEADERS), "found": ", ".join(h for h in normalised if h) or "—"},
        )
    departments = {d.name.lower(): d for d in school.departments.all()}
    rows: list[ImportRow] = []
    seen: dict[str, int] = {}
    for number, values in data:
        cells = [("" if v is None else str(v).strip()) for v in (list(values) + [None] * 6)[:6]]
        if not any(cells):
            continue
        roles, unknown = _parse_roles(cells[4])
        row = ImportRow(number, cells[0], " ".join(cells[1].split()), cells[2], cells[3], roles, cells[5])
        row.errors.extend(validate_account_fields(row.username, row.full_name, row.email, row.phone).values())
        if len(row.department) > _max_length(Department, "name"):
            row.errors.append(_("The department's name is too long."))
        key = row.username.lower()
        if key and key in seen:
            row.errors.append(
                _("The username %(username)s repeats row %(row)d.")
                % {"username": row.username, "row": seen[key]}
            )
        elif key:
            seen[key] = number
        if unknown:
            row.errors.append(_("Unknown role: %(roles)s") % {"roles": ", ".join(unknown)})
        if not roles and not unknown:
            row.errors.append(_("At least one role is required."))
        try:
            _refuse_ungrantable(actor, school, roles)
        except AccountError as exc:
            row.errors.append(str(exc))
        if Role.DEPARTMENT_HEAD in roles and row.department.lower() not in departments:
            row.errors.append(
                _("Department %(name)s does not exist in the school.") % {"name": row.department or "—"}
            )
        rows.append(row)
    if not rows:
        return ImportReport([], _("The file has no data rows."))
    return ImportReport(rows)


def _max_rows() -> int:
    from django.conf import settings

    return settings.SODIEM_BULK_IMPORT_MAX_ROWS


@transaction.atomic
def import_accounts(by: Actor | User, school: School, rows: list[dict]) -> list[ImportRow]:
    """Create the accounts of validated rows, all or nothing; rows are re-validated here."""
    actor, ip = acting(by)
    authz.check(actor, Action.MANAGE_ACCOUNTS, school)
    departments = {d.name.lower(): d for d in school.departments.all()}
    created: list[ImportRow] = []
    for data in rows:
        row = ImportRow(**data)
        user, password = create_account(
            Actor(actor, ip),
            school,
            username=row.username,
            full_name=row.full_name,
            email=row.email,
            phone=row.phone,
            roles=row.roles,
            department=departments.get(row.department.lower()),
        )
        row.password = password
        created.append(row)
    record(
        AuditEvent.Action.IMPORT,
        actor=actor,
        ip=ip,
        school=school,
        kind="accounts",
        count=len(created),
    )
    return created


DELEGATIONS = ("may_approve_results", "may_extract_data")


@transaction.atomic
def delegate_results_approval(
    by: Actor | User,
    school: School,
    vice_principal: User,
    allowed: bool,
    *,
    right: str = "may_approve_results",
) -> None:
    """The principal lets a vice principal approve class results, or extract data for reports (docs/workflows.md
    §1), or takes it back."""
    actor, ip = acting(by)
    authz.check(actor, Action.DELEGATE, school)
    if right not in DELEGATIONS:
        raise AccountError(_("Unknown delegation."))
    assignment = RoleAssignment.objects.filter(
        school=school, user=vice_principal, role=Role.VICE_PRINCIPAL
    ).first()
    if assignment is None:
        raise AccountError(_("Only a vice principal of the school can be delegated."))
    if getattr(assignment, right) == allowed:
        return
    setattr(assignment, right, allowed)
    attribute(assignment, actor)
    assignment.save(update_fields=[right])
    record(
        AuditEvent.Action.ROLE_GRANTED if allowed else AuditEvent.Action.ROLE_REMOVED,
        actor=actor,
        ip=ip,
        school=school,
        obj=vice_principal,
        role="vice_principal",
        delegation=right,
    )
    authz.forget(vice_principal)


# -- schools and their places ------------------------------------------------------------------------


def place(
    province: tuple[str, str] | str, commune: tuple[str, str] | str | None = None
) -> tuple[Province, Commune | None]:
    """The Province (and Commune) rows of today's units named by code, or by (code, name) where the name
    must be the unit's own (accounts/units.py); made on first use."""
    p_code, p_name = (province, "") if isinstance(province, str) else province
    found = units.find_province(p_code)
    if found is None or (p_name and units.find_province(p_name) != found):
        raise AccountError(_("There is no province %(p)s.") % {"p": " ".join(filter(None, (p_code, p_name)))})
    row, _created = Province.objects.get_or_create(code=found.code, defaults={"name": found.name})
    if commune is None:
        return row, None
    c_code, c_name = (commune, "") if isinstance(commune, str) else commune
    unit = units.find_commune(found.code, c_code)
    if unit is None or (c_name and units.find_commune(found.code, c_name) != unit):
        raise AccountError(
            _("There is no commune %(c)s in %(p)s.")
            % {"c": " ".join(filter(None, (c_code, c_name))), "p": found.name}
        )
    commune_row, _created = Commune.objects.get_or_create(
        province=row, code=unit.code, defaults={"name": unit.name, "kind": unit.kind}
    )
    return row, commune_row


@transaction.atomic
def create_school(
    *,
    province: tuple[str, str],
    commune: tuple[str, str],
    code: str,
    name: str,
    level: str,
    admin: tuple[str, str],
    moet_code: str = "",
) -> tuple[School, User, str]:
    """A new school of the deployment (the deployment's IT staff, `manage.py create_school`) with its
    first admin-board account, whose temporary password is returned once."""
    code, name = " ".join(code.split()), " ".join(name.split())
    if not code or not name:
        raise AccountError(_("Give the school's code and name."))
    if School.objects.filter(code=code).exists():
        raise AccountError(_("A school with the code %(code)s already exists.") % {"code": code})
    if level not in School.Level.values:
        raise AccountError(_("Unknown level %(level)s.") % {"level": level})
    username, full_name = admin
    errors = validate_account_fields(username, full_name, "")
    if errors:
        raise AccountError(" ".join(errors.values()))
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(_("The username %(u)s is taken.") % {"u": username})
    province_row, commune_row = place(province, commune)
    school = School.objects.create(
        province=province_row, commune=commune_row, code=code, name=name, level=level, moet_code=moet_code
    )
    user, password = new_account(None, school, username=username, full_name=full_name)
    RoleAssignment.objects.create(user=user, role=Role.ADMIN_BOARD, school=school)
    return school, user, password
