"""Query counts pinned for the pages a school opens most: the score grid, a class's results, the
statistics, and printing a class book. Each is pinned exactly (a change that adds a query shows here
and must say why) and must not grow when the class has 30 more students with scores."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gradebook.models import Enrolment, Score
from tests.factories import make_student
from transcripts.documents import Kind, Target, issue

pytestmark = pytest.mark.django_db


def fill(world, enrolment, values=(7, 8, 6, 9)):
    for term in ("HK1", "HK2"):
        for index, value in enumerate(values, start=1):
            Score.objects.create(
                assignment=world.math,
                enrolment=enrolment,
                term=term,
                kind="regular",
                index=index,
                value=value,
            )
        for kind, value in (("midterm", 8), ("final", 7)):
            Score.objects.create(
                assignment=world.math, enrolment=enrolment, term=term, kind=kind, index=1, value=value
            )


def more_students(world, n=30):
    for i in range(n):
        enrolment = Enrolment.objects.create(
            student=make_student(world.school, f"Học Sinh Số {i}"),
            classroom=world.classroom,
            start_date=world.year.start_date,
        )
        fill(world, enrolment)


def queries(client, user, url) -> int:
    client.force_login(user)
    client.get(url)  # the session, the caches of the first request
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def pages(world):
    return {
        "grid": (world.math_teacher, reverse("grid", args=[world.math.uuid, "HK1"])),
        "class results": (world.principal, reverse("class_results", args=[world.classroom.uuid, "year"])),
        "statistics": (world.principal, reverse("statistics") + "?period=year"),
    }


# the numbers, pinned: a change that adds a query updates this table and says why in its commit
PINNED = {"grid": 12, "class results": 15, "statistics": 6}  # statistics: + the years of the quality report


@pytest.mark.parametrize("page", sorted(PINNED))
def test_page_queries_are_pinned_and_do_not_grow_with_the_class(world, client, page):
    fill(world, world.enrolment)
    user, url = pages(world)[page]
    small = queries(client, user, url)
    more_students(world)
    large = queries(client, user, url)
    assert (small, large) == (PINNED[page], PINNED[page])


def test_printing_a_class_book_takes_the_same_queries_for_a_larger_class(world):
    fill(world, world.enrolment)
    target = Target(
        kind=Kind.CLASS_BOOK, school=world.school, school_year=world.year, classroom=world.classroom
    )
    issue(target, user=world.clerk)  # the fonts, the templates
    with CaptureQueriesContext(connection) as small:
        issue(target, user=world.clerk)
    more_students(world)
    with CaptureQueriesContext(connection) as large:
        issue(target, user=world.clerk)
    # 34 to read and write the book, its first version (the bytes verification accepts) and its
    # subject teachers, who sign first
    assert (len(small), len(large)) == (36, 36)


def test_the_principals_home_does_not_grow_with_the_school(world, client):
    """The inbox's board: the school's entry progress and every class's attendance owed (whether its
    months are closed: one statement for all classes, `lock_states`), not a query per class."""
    from accounts.models import Role
    from gradebook.services.structure import create_classroom, set_homeroom_teacher
    from tests.factories import make_user

    def more_classes(first: int, n: int):
        for i in range(first, first + n):
            classroom = create_classroom(None, world.year, 7, f"7A{i}")
            teacher = make_user(f"gvcn7a{i}", school=world.school, roles=[Role.SUBJECT_TEACHER])
            set_homeroom_teacher(None, classroom, teacher)

    more_classes(1, 1)
    small = queries(client, world.principal, reverse("home"))
    more_classes(2, 6)
    large = queries(client, world.principal, reverse("home"))
    assert small == large
