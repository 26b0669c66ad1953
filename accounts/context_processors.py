from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import authz
from accounts.authz import Action
from accounts.tenancy import current_school

# The main menu, in groups so it holds on one line of a 1366-pixel screen: an entry is shown to whoever
# its page lets in, as accounts.authz decides; a group of one entry is a plain link. The admin board
# reaches the transfers from the student list.
_MENU = (
    (
        _("Classes"),
        (
            ("classroom_list", _("Classes"), Action.VIEW_SCHOOL),
            ("student_list", _("Students"), Action.MANAGE_SCHOOL_DATA),
            ("transfer_list", _("Transfers"), Action.ACCEPT_TRANSFER),
        ),
    ),
    (
        _("Scores"),
        (
            ("progress", _("Progress"), Action.VIEW_PROGRESS),
            ("lock_list", _("Locks"), Action.VIEW_LOCKS),
            ("correction_list", _("Corrections"), Action.VIEW_SCHOOL),
        ),
    ),
    (
        _("Books"),
        (
            ("documents_home", _("Printed books"), Action.VIEW_SCHOOL),
            ("archive_home", _("Archive"), Action.ARCHIVE_YEAR),
        ),
    ),
    (
        _("Reports"),
        (
            ("statistics", _("Statistics"), Action.VIEW_STATISTICS),
            ("audit_trail", _("Audit"), Action.VIEW_AUDIT),
        ),
    ),
    (
        _("Administration"),
        (
            ("setup_home", _("Year set-up"), Action.SET_UP_SCHOOL),
            ("accounts:staff_list", _("Accounts"), Action.VIEW_ACCOUNTS),
        ),
    ),
)


def menu(user, school) -> list[dict]:
    """[{"label", "items": [{"url", "label"}]}], the groups with at least one entry the user may open."""
    allowed = {
        name
        for _group, entries in _MENU
        for name, _label, action in entries
        if authz.can(user, action, school)
    }
    if "student_list" in allowed:
        allowed.discard("transfer_list")
    groups = []
    for group, entries in _MENU:
        items = [
            {"url": reverse(name), "label": label} for name, label, _action in entries if name in allowed
        ]
        if items:
            groups.append({"label": group, "items": items})
    return groups


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
