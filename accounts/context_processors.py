from accounts import authz
from accounts.tenancy import current_school


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    school = current_school(request)
    return {
        "current_school": school,
        "my_schools": authz.schools_of(user),
        "my_roles": sorted(authz.roles_in(user, school)) if school else [],
    }
