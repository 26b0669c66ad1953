from base64 import b32encode

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import authz, selectors, services
from accounts.authz import Action
from accounts.excel import write_template
from accounts.forms import (
    AccountForm,
    GrantRoleForm,
    ImportForm,
    LoginForm,
    PasswordChangeForm,
    ReauthForm,
    TokenForm,
)
from accounts.models import RoleAssignment, School, User
from accounts.reauth import is_recent, recent_auth_required, right_password, safe_next, stamp, wrong_password
from accounts.tenancy import school_or_404, set_current_school
from sodiem.domain import Actor
from sodiem.http import uuid_or_404, xlsx_response
from sodiem.qr import qr_svg

_IMPORT_SESSION = "sodiem_import_rows"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@login_required
@require_POST
def switch_school(request):
    school = get_object_or_404(School, uuid=uuid_or_404(request.POST.get("school")))
    if not authz.is_member(request.user, school):
        raise Http404
    set_current_school(request, school)
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_own_password(
                Actor.of(request), form.cleaned_data["old_password"], form.cleaned_data["new_password1"]
            )
        except services.WrongPassword as exc:
            if ended := wrong_password(request, "password_change"):
                return ended
            form.add_error("old_password", str(exc))
        except services.AccountError as exc:
            form.add_error("new_password1", str(exc))
        else:
            right_password(request)
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("home")
    return render(
        request, "accounts/password_change.html", {"form": form, "forced": request.user.must_change_password}
    )


@login_required
@require_http_methods(["GET", "POST"])
def reauth_view(request):
    """Confirm the password (and the TOTP code) before a sensitive change."""
    bound = request.method == "POST"
    form = ReauthForm(request.POST if bound else None, user=request.user)
    next_url = safe_next(request, request.GET.get("next"))
    if bound and form.is_valid():
        right_password(request)
        stamp(request)
        return redirect(next_url)
    if bound and (ended := wrong_password(request, "reauth")):
        return ended
    return render(request, "accounts/reauth.html", {"form": form}, status=400 if bound else 200)


OTP_PENDING_KEY = "sodiem_otp_pending_key"


def _otp_qr_svg(device: TOTPDevice) -> str:
    return qr_svg(device.config_url)


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Turn on TOTP: the new secret waits in the session (a GET writes nothing) until the first code
    from the authenticator app confirms it; only then is the device stored.

    The password alone never adds a device: someone who already has one proves it first (a verified
    session), and everyone confirms their password (and code) within the last minutes. A device added
    is told to its owner, by an in-app message and by e-mail, and audited."""
    from django_otp.oath import TOTP
    from django_otp.util import random_hex

    has_device = request.user.totpdevice_set.filter(confirmed=True).exists()
    if has_device and not request.user.is_verified():
        return redirect(f"{reverse('accounts:otp_verify')}?next={reverse('accounts:otp_setup')}")
    if not is_recent(request):
        return redirect(f"{reverse('accounts:reauth')}?next={reverse('accounts:otp_setup')}")
    key = request.session.get(OTP_PENDING_KEY)
    if not key:
        key = request.session[OTP_PENDING_KEY] = random_hex(20)
    device = TOTPDevice(user=request.user, name="Sổ Điểm", key=key, confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        if totp.verify(int(form.cleaned_data["token"]), tolerance=device.tolerance):
            services.add_two_factor_device(Actor.of(request), device, totp.t())
            del request.session[OTP_PENDING_KEY]
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is now on for your account."))
            return redirect("home")
        form.add_error("token", _("The code is not correct or has expired."))
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr_svg": _otp_qr_svg(device),
            "secret": b32encode(device.bin_key).decode(),
            "second": has_device,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    form = TokenForm(request.POST or None)
    next_url = request.GET.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("home")
    if request.method == "POST" and form.is_valid():
        for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                return redirect(next_url)
        form.add_error("token", _("The code is not correct or has expired."))
    return render(request, "accounts/otp_verify.html", {"form": form})


# -- admin board: staff accounts ----------------------------------------------------------------


@login_required
def staff_list(request):
    school = school_or_404(request)
    authz.check(request.user, Action.VIEW_ACCOUNTS, school)
    query = request.GET.get("q", "").strip()
    never = request.GET.get("never") == "1"  # the accounts never signed in (the admin board's inbox)
    people = selectors.staff_of(school, query, never_signed_in=never)
    return render(
        request,
        "accounts/staff_list.html",
        {
            "people": people,
            "query": query,
            "never": never,
            "can_manage": authz.can(request.user, Action.MANAGE_ACCOUNTS, school),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@recent_auth_required
def staff_create(request):
    school = school_or_404(request)
    authz.check(request.user, Action.MANAGE_ACCOUNTS, school)
    form = AccountForm(
        request.POST or None, school=school, grantable=authz.grantable_roles(request.user, school)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.create_account(
                Actor.of(request),
                school,
                username=data["username"],
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                roles=data["roles"],
                department=data["department"],
            )
        except services.AccountError as exc:
            exc.add_to(form)
        else:
            return render(
                request, "accounts/login_slips.html", {"rows": [{"user": user, "password": password}]}
            )
    return render(request, "accounts/staff_form.html", {"form": form})


def _member_or_404(school: School, user_uuid) -> User:
    user = get_object_or_404(User, uuid=user_uuid)
    if not RoleAssignment.objects.filter(user=user, school=school).exists():
        raise Http404
    return user


@login_required
@require_http_methods(["GET", "POST"])
@recent_auth_required(only_post=True)
def staff_detail(request, user_uuid):
    school = school_or_404(request)
    person = _member_or_404(school, user_uuid)
    authz.check(request.user, Action.VIEW_ACCOUNTS, school)
    # who may act on this person: ranked above them, and they belong to this school only
    can_manage = authz.may_manage_person(request.user, school, person)
    form = GrantRoleForm(
        request.POST or None, school=school, grantable=authz.grantable_roles(request.user, school)
    )
    if request.method == "POST":
        authz.check(request.user, Action.MANAGE_PEOPLE, school)
        authz.check_person(request.user, school, person)
        if form.is_valid():
            try:
                services.grant_role(
                    Actor.of(request),
                    school,
                    person,
                    form.cleaned_data["role"],
                    form.cleaned_data["department"],
                )
            except services.AccountError as exc:
                exc.add_to(form)
            else:
                messages.success(request, _("Role granted."))
                return redirect("accounts:staff_detail", user_uuid=person.uuid)
    roles = person.role_assignments.filter(school=school).select_related("department")
    return render(
        request,
        "accounts/staff_detail.html",
        {
            "person": person,
            "roles": roles,
            "form": form,
            "can_manage": can_manage,
            "has_two_factor": person.totpdevice_set.filter(confirmed=True).exists(),
        },
    )


@login_required
@require_POST
@recent_auth_required
def staff_remove_role(request, user_uuid, role_uuid):
    school = school_or_404(request)
    person = _member_or_404(school, user_uuid)
    authz.check(request.user, Action.MANAGE_PEOPLE, school)
    assignment = get_object_or_404(RoleAssignment, uuid=role_uuid, user=person, school=school)
    try:
        services.remove_role(Actor.of(request), school, assignment)
        messages.success(request, _("Role removed."))
    except services.AccountError as exc:
        messages.error(request, str(exc))
    if RoleAssignment.objects.filter(user=person, school=school).exists():
        return redirect("accounts:staff_detail", user_uuid=person.uuid)
    return redirect("accounts:staff_list")


@login_required
@require_POST
@recent_auth_required
def staff_reset_password(request, user_uuid):
    school = school_or_404(request)
    person = _member_or_404(school, user_uuid)
    authz.check(request.user, Action.MANAGE_PEOPLE, school)
    password = services.reset_password(Actor.of(request), school, person)
    return render(request, "accounts/login_slips.html", {"rows": [{"user": person, "password": password}]})


@login_required
@require_POST
@recent_auth_required
def staff_reset_two_factor(request, user_uuid):
    """A lost phone: the person's two-factor devices go, they enrol a new one at their next sign-in."""
    school = school_or_404(request)
    person = _member_or_404(school, user_uuid)
    authz.check(request.user, Action.MANAGE_PEOPLE, school)
    services.reset_two_factor(Actor.of(request), school, person)
    messages.success(
        request,
        _("Two-factor sign-in of %(name)s was reset; they and the principal have been told.")
        % {"name": person},
    )
    return redirect("accounts:staff_detail", user_uuid=person.uuid)


@login_required
@require_POST
@recent_auth_required
def staff_deactivate(request, user_uuid):
    school = school_or_404(request)
    person = _member_or_404(school, user_uuid)
    authz.check(request.user, Action.MANAGE_PEOPLE, school)
    try:
        disabled = services.deactivate_account(Actor.of(request), school, person)
    except services.AccountError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:staff_detail", user_uuid=person.uuid)
    if disabled:
        messages.success(request, _("The account of %(name)s has been deactivated.") % {"name": person})
    else:
        messages.success(
            request,
            _(
                "%(name)s no longer holds a role in this school; the account stays active for their other school."
            )
            % {"name": person},
        )
    return redirect("accounts:staff_list")


@login_required
@require_http_methods(["GET", "POST"])
def staff_import(request):
    school = school_or_404(request)
    authz.check(request.user, Action.MANAGE_ACCOUNTS, school)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = services.parse_staff_list(request.user, school, form.cleaned_data["file"])
        if report.file_error:
            form.add_error("file", report.file_error)
            report = None
        else:
            request.session[_IMPORT_SESSION] = {
                "school": str(school.uuid),
                "rows": [row.as_dict() for row in report.valid_rows],
            }
    return render(request, "accounts/staff_import.html", {"form": form, "report": report})


@login_required
@require_POST
@recent_auth_required
def staff_import_confirm(request):
    school = school_or_404(request)
    authz.check(request.user, Action.MANAGE_ACCOUNTS, school)
    pending = request.session.pop(_IMPORT_SESSION, None)
    if not pending or pending.get("school") != str(school.uuid) or not pending.get("rows"):
        messages.error(request, _("Nothing to import: upload the file again."))
        return redirect("accounts:staff_import")
    try:
        created = services.import_accounts(Actor.of(request), school, pending["rows"])
    except services.AccountError as exc:
        messages.error(request, _("Nothing was imported: %(error)s") % {"error": exc})
        return redirect("accounts:staff_import")
    users = {u.username: u for u in User.objects.filter(username__in=[r.username for r in created])}
    rows = [{"user": users[r.username], "password": r.password} for r in created]
    return render(request, "accounts/login_slips.html", {"rows": rows, "imported": True})


@login_required
@require_safe
def staff_import_template(request):
    school = school_or_404(request)
    authz.check(request.user, Action.MANAGE_ACCOUNTS, school)
    content = write_template(
        services.IMPORT_HEADERS,
        ["nguyenvana", "Nguyễn Văn A", "nguyenvana@example.edu.vn", "0912345678", "Giáo viên bộ môn", ""],
    )
    return xlsx_response(content, "mau-danh-sach-can-bo.xlsx")


@login_required
@require_POST
def notifications_read(request):
    """Mark the user's own notifications as read."""
    services.mark_notifications_read(request.user)
    return redirect("home")
