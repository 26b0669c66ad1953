from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import authz
from accounts.authz import Action
from accounts.tenancy import current_school

# The main menu: an entry is shown to whoever its page lets in, as accounts.authz decides; the
# admin board reaches the transfers from the student list.
_MENU = (
    ("classroom_list", _("Classes"), Action.VIEW_SCHOOL),
    ("lock_list", _("Locks"), Action.VIEW_LOCKS),
    ("correction_list", _("Corrections"), Action.VIEW_SCHOOL),
    ("progress", _("Progress"), Action.VIEW_PROGRESS),
    ("documents_home", _("Printed books"), Action.VIEW_SCHOOL),
    ("statistics", _("Statistics"), Action.VIEW_STATISTICS),
    ("archive_home", _("Archive"), Action.ARCHIVE_YEAR),
    ("audit_trail", _("Audit"), Action.VIEW_AUDIT),
    ("student_list", _("Students"), Action.MANAGE_SCHOOL_DATA),
    ("setup_home", _("Year set-up"), Action.SET_UP_SCHOOL),
    ("transfer_list", _("Transfers"), Action.ACCEPT_TRANSFER),
    ("accounts:staff_list", _("Accounts"), Action.VIEW_ACCOUNTS),
)


def menu(user, school) -> list[dict]:
    allowed = {name for name, _label, action in _MENU if authz.can(user, action, school)}
    if "student_list" in allowed:
        allowed.discard("transfer_list")
    return [{"url": reverse(name), "label": label} for name, label, _action in _MENU if name in allowed]


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    school = current_school(request)
    return {
        "current_school": school,
        "my_schools": authz.schools_of(user),
        "menu": menu(user, school) if school else [],
    }
