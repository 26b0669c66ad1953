"""Parents and students see their own record, as entered, and nothing of another student."""

import re
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
        assert 'id="record-HK1"' in page and ">ĐĐGtx 1<" in page
        # one column per assessment: ĐĐGtx 1 = 7,5 in the first column, ĐĐGgk = 8
        row = page[page.index("<td>Toán</td>", page.index('id="record-HK1"')) :].split("</tr>")[0]
        assert re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)[:1] == ["7,5"]
        assert ">8</td>" in row
        assert "05/10/2026" in page and "ốm" in page
    other = reverse("student_detail", args=[world.other_student.uuid])
    assert login(world.parent).get(other).status_code == 403
    assert login(world.pupil).get(other).status_code == 403


def test_another_schools_parent_finds_nothing(world, other_world, login):
    url = reverse("student_detail", args=[world.student.uuid])
    assert login(other_world.parent).get(url).status_code == 404


def test_the_family_reads_the_teachers_comments_the_conduct_and_each_absence(world, login):
    from gradebook.models import ConductResult

    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [CellChange(str(world.enrolment.uuid), "comment", "Tiến bộ rõ ở phần hình học")],
    )
    ConductResult.objects.create(
        enrolment=world.enrolment, period="HK1", level="Tốt", comment="Lễ phép, chăm chỉ"
    )
    Absence.objects.create(enrolment=world.enrolment, date=date(2026, 11, 3), excused=False)
    page = login(world.parent).get(reverse("student_detail", args=[world.student.uuid])).content.decode()
    assert "Tiến bộ rõ ở phần hình học" in page
    assert "Tốt — Lễ phép, chăm chỉ" in page
    dates = page[page.index('id="absence-dates"') :]
    assert "03/11/2026" in dates and "không phép" in dates
