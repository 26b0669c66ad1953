from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import SCHOOL_ROLES, Department, Role
from accounts.services import validate_account_fields

GRANTABLE_ROLES = [(r.value, r.label) for r in SCHOOL_ROLES if r not in (Role.PARENT, Role.STUDENT)]


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Wrong username or password. Note that the password is case-sensitive."),
        "inactive": _("This account has been deactivated."),
    }

    def clean(self):
        from accounts.signin import wait_seconds

        wait = wait_seconds(self.cleaned_data.get("username", ""))
        if wait:  # a username attacked from many places: slowed, the password not even checked
            raise forms.ValidationError(
                _(
                    "This account is being tried with wrong passwords from several places. Wait %(n)d "
                    "seconds and sign in again."
                )
                % {"n": wait},
                code="slowed",
            )
        return super().clean()


class AccountForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=GRANTABLE_ROLES, widget=forms.CheckboxSelectMultiple
    )
    department = forms.ModelChoiceField(
        label=_("Department (for a department head)"),
        queryset=Department.objects.none(),
        required=False,
        empty_label="—",
    )

    def __init__(self, *args, school, grantable=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = school.departments.all()
        if grantable is not None:  # only the roles the person filling the form may grant
            self.fields["roles"].choices = [(v, label) for v, label in GRANTABLE_ROLES if v in grantable]

    def clean(self):
        data = super().clean()
        for field, message in validate_account_fields(
            data.get("username", ""), data.get("full_name", ""), data.get("email", "")
        ).items():
            if field not in self.errors:
                self.add_error(field, message)
        if Role.DEPARTMENT_HEAD in data.get("roles", []) and not data.get("department"):
            self.add_error("department", _("Choose the department this person heads."))
        return data


class GrantRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=GRANTABLE_ROLES)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args, school, grantable=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = school.departments.all()
        if grantable is not None:
            self.fields["role"].choices = [(v, label) for v, label in GRANTABLE_ROLES if v in grantable]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Staff list (.xlsx)"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an Excel file (.xlsx) made from the template."))
        return f


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"), widget=forms.PasswordInput(render_value=False), strip=False
    )
    new_password1 = forms.CharField(label=_("New password"), widget=forms.PasswordInput, strip=False)
    new_password2 = forms.CharField(
        label=_("Repeat the new password"), widget=forms.PasswordInput, strip=False
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords do not match."))
        return data


class TokenForm(forms.Form):
    token = forms.CharField(label=_("6-digit code"), max_length=6, min_length=6)

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(_("Enter the 6 digits shown by your authenticator app."))
        return token


class ReauthForm(forms.Form):
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput, max_length=128)
    otp_token = forms.CharField(label=_("6-digit code"), max_length=6, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        from django_otp.plugins.otp_totp.models import TOTPDevice

        self.devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
        if not self.devices:
            del self.fields["otp_token"]

    def clean(self):
        data = super().clean()
        if not self.user.check_password(data.get("password") or ""):
            self.add_error("password", _("The password is not correct."))
        elif self.devices and not any(d.verify_token(data.get("otp_token") or "") for d in self.devices):
            self.add_error("otp_token", _("The code is not correct or has expired."))
        return data


class AppointForm(forms.Form):
    """The province's Department: the principal or a vice principal of a school, an existing account or
    a new one."""

    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(Role.PRINCIPAL, Role.PRINCIPAL.label), (Role.VICE_PRINCIPAL, Role.VICE_PRINCIPAL.label)],
    )
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name (for a new account)"), max_length=150, required=False)
