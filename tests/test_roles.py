"""Role rights inside one school: who may see and do what (403 with a Vietnamese message)."""

import pytest
from django.urls import reverse

from accounts import authz
from accounts.authz import Action
from gradebook.services.structure import assign_teacher, set_homeroom_teacher

pytestmark = pytest.mark.django_db


def test_subject_teacher_may_enter_scores_only_for_own_class_subject(world):
    assert authz.can(world.math_teacher, Action.ENTER_SCORES, world.math)
    assert not authz.can(world.math_teacher, Action.ENTER_SCORES, world.literature)
    assert not authz.can(world.math_teacher, Action.ENTER_SCORES, world.other_math)


def test_homeroom_teacher_manages_only_own_class(world):
    assert authz.can(world.literature_teacher, Action.MANAGE_CLASSROOM, world.classroom)
    assert not authz.can(world.literature_teacher, Action.MANAGE_CLASSROOM, world.other_classroom)
    assert not authz.can(world.math_teacher, Action.MANAGE_CLASSROOM, world.classroom)
    # the homeroom teacher reads every subject of the class but writes none but their own
    assert authz.can(world.literature_teacher, Action.VIEW_SCORES, world.math)
    assert not authz.can(world.literature_teacher, Action.ENTER_SCORES, world.math)


def test_board_and_clerk_read_but_do_not_enter_scores(world):
    for user in (world.principal, world.clerk, world.admin_board):
        assert authz.can(user, Action.VIEW_SCORES, world.math)
        assert not authz.can(user, Action.ENTER_SCORES, world.math)


def test_department_head_reads_own_department(world):
    world.math.subject.department = world.department
    world.math.subject.save()
    assert authz.can(world.head, Action.VIEW_SCORES, world.math)
    assert not authz.can(world.head, Action.VIEW_SCORES, world.literature)


def test_reassigning_a_class_subject_moves_the_right(world):
    assign_teacher(None, world.math, world.head)
    assert authz.can(world.head, Action.ENTER_SCORES, world.math)
    assert not authz.can(world.math_teacher, Action.ENTER_SCORES, world.math)


def test_changing_homeroom_teacher_moves_the_right(world):
    set_homeroom_teacher(None, world.classroom, world.math_teacher)
    assert authz.can(world.math_teacher, Action.MANAGE_CLASSROOM, world.classroom)
    assert not authz.can(world.literature_teacher, Action.MANAGE_CLASSROOM, world.classroom)


@pytest.mark.parametrize("role", ["math_teacher", "clerk", "parent", "pupil", "head"])
def test_lesser_roles_get_403_on_account_pages(world, client, role):
    client.force_login(getattr(world, role))
    response = client.get(reverse("accounts:staff_list"))
    assert response.status_code == 403
    assert "Bạn không có quyền thực hiện thao tác này." in response.content.decode()


@pytest.mark.parametrize("role", ["principal", "math_teacher", "clerk"])
def test_only_admin_board_creates_accounts(world, client, role):
    client.force_login(getattr(world, role))
    response = client.post(
        reverse("accounts:staff_create"), {"username": "moi", "full_name": "Người Mới", "roles": ["clerk"]}
    )
    assert response.status_code == 403
    from accounts.models import User

    assert not User.objects.filter(username="moi").exists()


def test_teacher_sees_only_classes_they_teach(world, client):
    client.force_login(world.math_teacher)
    page = client.get(reverse("classroom_list")).content.decode()
    assert str(world.classroom.uuid) in page
    assert str(world.other_classroom.uuid) not in page
    assert client.get(reverse("classroom_detail", args=[world.other_classroom.uuid])).status_code == 403


def test_parent_sees_own_child_only(world, client):
    client.force_login(world.parent)
    assert client.get(reverse("student_detail", args=[world.student.uuid])).status_code == 200
    assert client.get(reverse("student_detail", args=[world.other_student.uuid])).status_code == 403
    assert client.get(reverse("classroom_detail", args=[world.classroom.uuid])).status_code == 403


def test_student_sees_self_only(world, client):
    client.force_login(world.pupil)
    assert client.get(reverse("student_detail", args=[world.student.uuid])).status_code == 200
    assert client.get(reverse("student_detail", args=[world.other_student.uuid])).status_code == 403


def test_home_page_leads_each_role_to_its_work(world, client):
    expectations = {
        world.principal: 'id="board"',
        world.admin_board: 'id="admin-board"',
        world.clerk: 'id="clerk"',
        world.literature_teacher: 'id="homeroom"',
        world.math_teacher: 'id="teaching"',
        world.parent: 'id="children"',
        world.pupil: 'id="student"',
    }
    for user, marker in expectations.items():
        client.force_login(user)
        assert marker in client.get(reverse("home")).content.decode(), user.username


def test_district_office_sees_its_schools_read_only(world, other_world, client):
    from accounts.models import District, Province, Role, RoleAssignment
    from tests.factories import make_user

    office = make_user("phong", "Phòng Giáo Dục")
    RoleAssignment.objects.create(user=office, role=Role.DISTRICT_OFFICE, district=world.school.district)
    elsewhere = District.objects.create(province=Province.objects.first(), code="999", name="Huyện Khác")
    other_world.school.district = elsewhere
    other_world.school.save()
    client.force_login(office)
    page = client.get(reverse("home")).content.decode()
    assert world.school.name in page
    assert other_world.school.name not in page
    assert client.get(reverse("classroom_detail", args=[world.classroom.uuid])).status_code == 404
    assert client.get(reverse("accounts:staff_list")).status_code == 404


def test_every_action_has_its_named_rule():
    from accounts.authz import RULES, Action

    assert set(RULES) == set(Action)
    assert all(rule.__name__ != "<lambda>" for rule in RULES.values())
