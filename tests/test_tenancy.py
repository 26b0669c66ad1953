"""A user of school A sees nothing of school B: every list and detail URL tried."""

import pytest
from django.urls import reverse

from accounts import authz
from accounts.authz import Action
from accounts.models import RoleAssignment

pytestmark = pytest.mark.django_db


def detail_urls(w):
    return [
        reverse("classroom_detail", args=[w.classroom.uuid]),
        reverse("student_detail", args=[w.student.uuid]),
        reverse("accounts:staff_detail", args=[w.math_teacher.uuid]),
    ]


def post_urls(w):
    ra = RoleAssignment.objects.get(user=w.math_teacher, role="subject_teacher", school=w.school)
    return [
        reverse("accounts:staff_detail", args=[w.math_teacher.uuid]),
        reverse("accounts:staff_remove_role", args=[w.math_teacher.uuid, ra.uuid]),
        reverse("accounts:staff_reset_password", args=[w.math_teacher.uuid]),
        reverse("accounts:staff_deactivate", args=[w.math_teacher.uuid]),
    ]


@pytest.mark.parametrize("role", ["principal", "admin_board", "clerk", "math_teacher", "parent"])
def test_other_schools_objects_answer_404(world, other_world, client, role):
    client.force_login(getattr(world, role))
    for url in detail_urls(other_world):
        assert client.get(url).status_code == 404, url


def test_refused_posts_into_another_school_change_nothing(world, other_world, client):
    client.force_login(world.admin_board)
    roles_before = RoleAssignment.objects.filter(school=other_world.school).count()
    password_before = other_world.math_teacher.password
    for url in post_urls(other_world):
        assert client.post(url, {"role": "clerk"}).status_code == 404, url
    other_world.math_teacher.refresh_from_db()
    assert other_world.math_teacher.password == password_before
    assert other_world.math_teacher.is_active
    assert RoleAssignment.objects.filter(school=other_world.school).count() == roles_before


@pytest.mark.parametrize("url_name", ["home", "classroom_list", "student_list", "accounts:staff_list"])
def test_lists_hold_nothing_of_another_school(world, other_world, client, url_name):
    client.force_login(world.admin_board)
    page = client.get(reverse(url_name)).content.decode()
    for obj in (other_world.classroom, other_world.student, other_world.math_teacher, other_world.school):
        assert str(obj.uuid) not in page
    assert other_world.school.name not in page
    assert other_world.math_teacher.username not in page


def test_search_does_not_cross_schools(world, other_world, client):
    client.force_login(world.admin_board)
    page = client.get(reverse("student_list"), {"q": "Bình"}).content.decode()
    assert str(world.student.uuid) in page
    assert str(other_world.student.uuid) not in page
    page = client.get(reverse("accounts:staff_list"), {"q": "Toán"}).content.decode()
    assert world.math_teacher.username in page
    assert other_world.math_teacher.username not in page


def test_global_permission_does_not_open_another_school(world, other_world):
    """guardian's get_objects_for_user accepts global permissions by default; authz must not."""
    from django.contrib.auth.models import Permission

    teacher = world.math_teacher
    teacher.user_permissions.add(Permission.objects.get(codename="enter_scores"))
    teacher = type(teacher).objects.get(pk=teacher.pk)  # drop permission caches
    assert teacher.has_perm("gradebook.enter_scores")  # the global permission is there…
    assert not authz.can(teacher, Action.ENTER_SCORES, other_world.math)  # …but opens no other school
    assert not authz.can(teacher, Action.ENTER_SCORES, world.other_math)


def test_person_with_roles_in_two_schools_switches(world, other_world, client):
    RoleAssignment.objects.create(user=world.clerk, role="clerk", school=other_world.school)
    client.force_login(world.clerk)
    assert world.school.name in client.get(reverse("home")).content.decode()
    client.post(reverse("accounts:switch_school"), {"school": other_world.school.uuid})
    page = client.get(reverse("classroom_list")).content.decode()
    assert str(other_world.classroom.uuid) in page
    assert str(world.classroom.uuid) not in page


def test_cannot_switch_to_a_school_without_a_role(world, other_world, client):
    client.force_login(world.clerk)
    assert (
        client.post(reverse("accounts:switch_school"), {"school": other_world.school.uuid}).status_code == 404
    )


def test_a_teachers_schools_come_with_their_roles_in_vietnamese_order(django_assert_num_queries):
    """The policy middleware, the menu and the tenancy checks ask for the user's schools on every page:
    one query for the roles and their schools, in Vietnamese order (Á before B, as a dictionary has it,
    not as the code points do)."""
    from accounts.models import Role, User
    from tests.factories import make_school, make_user

    binh, anh = make_school("Trường THCS Bình Minh"), make_school("Trường THCS Ánh Sáng")
    teacher = make_user(school=binh, roles=[Role.SUBJECT_TEACHER])
    teacher.role_assignments.create(school=anh, role=Role.HOMEROOM_TEACHER)
    fresh = User.objects.get(pk=teacher.pk)
    with django_assert_num_queries(1):
        assert [s.name for s in authz.schools_of(fresh)] == ["Trường THCS Ánh Sáng", "Trường THCS Bình Minh"]
        assert authz.roles_in(fresh, anh) == {Role.HOMEROOM_TEACHER}
