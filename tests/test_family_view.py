"""Parents and students see their own record, as entered, and nothing of another student."""

from datetime import date

import pytest
from django.urls import reverse

from gradebook.models import Absence
from gradebook.services.scores import CellChange, save_grid

pytestmark = pytest.mark.django_db


def test_a_parent_and_the_student_see_the_scores_results_and_absences(world, login):
    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [
            CellChange(str(world.enrolment.uuid), "tx1", "7,5"),
            CellChange(str(world.enrolment.uuid), "gk", "8"),
        ],
    )
    Absence.objects.create(enrolment=world.enrolment, date=date(2026, 10, 5), excused=True, reason="ốm")
    url = reverse("student_detail", args=[world.student.uuid])
    for user in (world.parent, world.pupil):
        page = login(user).get(url).content.decode()
        assert 'id="record"' in page
        assert "TX1: 7,5" in page and "GK: 8" in page
        assert "05/10/2026" in page and "ốm" in page
    other = reverse("student_detail", args=[world.other_student.uuid])
    assert login(world.parent).get(other).status_code == 403
    assert login(world.pupil).get(other).status_code == 403


def test_another_schools_parent_finds_nothing(world, other_world, login):
    url = reverse("student_detail", args=[world.student.uuid])
    assert login(other_world.parent).get(url).status_code == 404
