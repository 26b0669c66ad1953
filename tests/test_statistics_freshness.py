"""The statistics figures are kept per class and made new by a write to that class only
(gradebook/freshness.py): a write elsewhere — another class, another school — recomputes nothing; every
kind of write the results are computed from (a grid save, a correction, conduct, attendance, an
enrolment) makes its class's figures new; a watched class is refreshed in the background."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from gradebook import freshness
from gradebook.models import Classroom, Enrolment
from gradebook.selectors import statistics
from gradebook.services import homeroom
from gradebook.services.scores import CellChange, save_grid
from tests.factories import make_student
from tests.test_class_results import klass  # noqa: F401 — the fixture
from tests.test_corrections import apply, enter, file_request, lock_term

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(monkeypatch):
    """The classes each computation of figures covered, by name, in order."""
    calls: list[list[str]] = []
    real = statistics.compute_results

    def spy(school_year, classrooms=None, *args, **kwargs):
        calls.append(sorted(c.name for c in classrooms))
        return real(school_year, classrooms, *args, **kwargs)

    monkeypatch.setattr(statistics, "compute_results", spy)
    return calls


@pytest.fixture
def committed():
    """Run the classes' version bumps of what the fixtures wrote, as if that had been committed before
    the test (a test's writes never commit: Django keeps their callbacks)."""

    def run():
        for _sids, callback, _robust in list(connection.run_on_commit):
            if isinstance(callback, freshness._Batch):
                callback()

    return run


@pytest.fixture
def second_class(klass):  # noqa: F811
    world = klass
    other = Classroom.objects.create(
        school_year=world.year, name="6A9", grade=6, regulation=world.classroom.regulation
    )
    Enrolment.objects.create(
        student=make_student(world.school, "Hoàng Văn Giang", born=date(2015, 5, 6)),
        classroom=other,
        start_date=world.year.start_date,
    )
    return other


def change_math(world, value="6"):
    cells = [CellChange(str(world.an.uuid), key, value) for key in ("tx1", "tx2", "tx3", "tx4", "gk", "ck")]
    current = {c.column: 0 for c in cells}
    from gradebook.models import Score

    for s in Score.objects.filter(enrolment=world.an, assignment=world.math, term="HK1"):
        current[{"regular": f"tx{s.index}", "midterm": "gk", "final": "ck"}[s.kind]] = s.version
    return save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [CellChange(c.enrolment, c.column, c.value, current[c.column]) for c in cells],
        reason="chấm lại",
    )


def test_a_write_recomputes_its_class_alone(
    klass,  # noqa: F811
    second_class,
    other_world,
    computed,
    committed,
    django_capture_on_commit_callbacks,
):
    world = klass
    committed()
    first = statistics.school_statistics(world.year, "HK1")
    assert computed == [["6A1", "6A2", "6A9"]]  # cold: the whole school at once
    assert first["school"].bands["Toán"]["0–3,4"] == 1
    statistics.school_statistics(world.year, "year")
    assert len(computed) == 1  # the three periods come from one computation

    # a write in another school: nothing of this school is recomputed
    with django_capture_on_commit_callbacks(execute=True):
        Enrolment.objects.create(
            student=make_student(other_world.school, "Ngô Thị Hạnh", born=date(2015, 7, 8)),
            classroom=other_world.classroom,
            start_date=other_world.year.start_date,
        )
    statistics.school_statistics(world.year, "HK1")
    assert len(computed) == 1

    # a save in 6A1: 6A1 alone, and the figures follow the save
    with django_capture_on_commit_callbacks(execute=True):
        change_math(world)
    after = statistics.school_statistics(world.year, "HK1")
    assert computed[1:] == [["6A1"]]
    assert after["school"].bands["Toán"]["0–3,4"] == 0 and after["school"].bands["Toán"]["5,0–6,4"] == 1
    assert after["latest_change"] > first["latest_change"]


def test_a_write_rolled_back_changes_nothing_it_did_not_write(
    klass,  # noqa: F811
    computed,
    django_capture_on_commit_callbacks,
):
    from django.db import transaction

    world = klass
    statistics.school_statistics(world.year, "HK1")
    before = freshness.versions([world.classroom.pk])
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            change_math(world)
            raise RuntimeError("crash before the commit")
    assert freshness.versions([world.classroom.pk]) == before
    assert statistics.school_statistics(world.year, "HK1")["school"].bands["Toán"]["0–3,4"] == 1


def version_changes(world, write, capture) -> bool:
    before = freshness.versions([world.classroom.pk])[world.classroom.pk]
    with capture(execute=True):
        write()
    return freshness.versions([world.classroom.pk])[world.classroom.pk] != before


def test_every_kind_of_write_makes_its_class_new(world, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    assert version_changes(world, lambda: enter(world, tx1="7", gk="5"), capture)
    assert version_changes(
        world,
        lambda: homeroom.save_conduct(
            world.literature_teacher, world.classroom, "HK1", {str(world.enrolment.uuid): ("Tốt", "")}
        ),
        capture,
    )
    assert version_changes(
        world,
        lambda: homeroom.save_attendance(
            world.literature_teacher,
            world.classroom,
            date(2026, 10, 1),
            {(str(world.enrolment.uuid), 7): "P"},
        ),
        capture,
    )
    assert version_changes(
        world,
        lambda: Enrolment.objects.create(
            student=make_student(world.school, "Đinh Văn Khoa", born=date(2015, 9, 9)),
            classroom=world.classroom,
            start_date=world.year.start_date,
        ),
        capture,
    )


def test_a_correction_makes_the_kept_figures_new(
    world, computed, committed, django_capture_on_commit_callbacks
):
    committed()
    with django_capture_on_commit_callbacks(execute=True):
        enter(world, tx1="7", tx2="6", gk="5")
    lock_term(world)
    statistics.school_statistics(world.year, "HK1")
    from gradebook.services import corrections

    correction = file_request(world, tx1="10", tx2="10")
    corrections.decide_correction(world.principal, correction, approve=True)
    assert version_changes(world, lambda: apply(world, correction), django_capture_on_commit_callbacks)
    statistics.school_statistics(world.year, "HK1")
    assert len(computed) == 2 and computed[1] == [world.classroom.name]  # its class again, alone


def test_a_watched_class_is_refreshed_in_the_background(
    klass,  # noqa: F811
    computed,
    committed,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    world = klass
    committed()
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    statistics.school_statistics(world.year, "HK1")  # someone looks at the page
    with django_capture_on_commit_callbacks(execute=True):
        change_math(world)
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert computed[1:] == [["6A1"]]  # the worker recomputed the class written to
    statistics.school_statistics(world.year, "HK1")
    assert computed[1:] == [["6A1"]]  # the next view finds it computed
    # a class nobody looked at is not computed for nothing
    with django_capture_on_commit_callbacks(execute=True):
        change_math(world, "7")
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_the_page_says_how_fresh_it_is_and_its_queries_do_not_grow(
    klass,  # noqa: F811
    second_class,
    login,
    committed,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    world = klass
    client = login(world.principal)
    url = reverse("statistics") + "?period=year"
    page = client.get(url).content.decode()
    assert "chưa có thay đổi nào" in page  # computed on this view, nothing written since
    committed()
    with django_capture_on_commit_callbacks(execute=True):
        change_math(world)
    page = client.get(url).content.decode()
    changed = freshness.changed_at(freshness.versions([world.classroom.pk])[world.classroom.pk])
    stamp = timezone.localtime(changed).strftime("%H:%M:%S %d/%m/%Y")
    assert f"thay đổi mới nhất lúc {stamp}" in page  # the save's moment, in Hà Nội time
    with django_assert_max_num_queries(9):
        client.get(url)


def test_a_cache_that_fails_after_the_commit_never_fails_the_save(
    world, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    """The save is committed before the classes' versions are bumped: a cache down at that moment is
    logged, and the teacher's save answers as saved."""
    from django.test import Client

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(freshness, "bump", down)
    client = Client()
    client.force_login(world.math_teacher)
    change = {"enrolment": str(world.enrolment.uuid), "column": "tx1", "value": "7", "version": 0}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("grid_save", args=[world.math.uuid, "HK1"]),
            {"changes": [change]},
            content_type="application/json",
        )
    assert response.status_code == 200 and response.json()["saved"] == 1
    assert any(isinstance(c, freshness._Batch) for c in callbacks)
    assert "cache down" in caplog.text  # logged, not raised


def test_the_daily_jobs_keep_the_statistics_computed(
    klass,  # noqa: F811
    second_class,
    computed,
    committed,
):
    """A cleared cache (a restart, a fresh deployment) or a month without a write would leave the page
    to compute the whole school on its first view: `warm_statistics` computes what is missing and keeps
    every class's figures and version another month."""
    import time

    from django.core.cache import cache

    world = klass
    committed()
    cache.clear()
    out = StringIO()
    call_command("warm_statistics", stdout=out)
    assert computed == [["6A1", "6A2", "6A9"]]
    assert "3 class(es) computed" in out.getvalue()

    version = freshness.versions([world.classroom.pk])[world.classroom.pk]
    keys = [freshness.version_key(world.classroom.pk), freshness.figures_key(world.classroom.pk, version)]
    for key in keys:
        cache.touch(key, 60)  # about to expire
    call_command("warm_statistics", school=world.school.code, stdout=out)
    assert len(computed) == 1  # nothing missing: nothing computed
    for key in keys:  # LocMemCache's expiry times: pushed a month ahead
        assert cache._expire_info[cache.make_and_validate_key(key)] - time.time() > 29 * 24 * 3600

    statistics.school_statistics(world.year, "HK1")
    assert len(computed) == 1  # the page finds the school computed
