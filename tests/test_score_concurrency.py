"""Many writers on one cell, with real threads on PostgreSQL: exactly one wins, none is lost."""

import threading

import pytest
from django.db import connection

from gradebook.models import Score
from gradebook.services.scores import CellChange, save_grid

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


def race(world, writers: int, base_version: int, reason: str = ""):
    barrier = threading.Barrier(writers)
    outcomes, errors = [], []

    def write(i):
        try:
            barrier.wait(timeout=10)
            report = save_grid(
                world.math_teacher,
                world.math,
                "HK1",
                [CellChange(str(world.enrolment.uuid), "tx1", str(i % 10) + ",5", base_version)],
                reason=reason,
            )
            outcomes.append((i, report.outcomes[0]))
        except Exception as exc:  # noqa: BLE001 — collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return outcomes


@pytest.mark.parametrize("writers", [8, 32])
def test_first_entry_race(transactional_db, writers):
    from tests.factories import SchoolWorld

    world = SchoolWorld("Trường THCS Song Song", "c")
    outcomes = race(world, writers, base_version=0)
    assert len(outcomes) == writers
    winners = [(i, o) for i, o in outcomes if o.status == "saved"]
    assert len(winners) == 1
    others = [o for _, o in outcomes if o.status != "saved"]
    # every loser is told about the winner's value (or wrote the very same value)
    assert all(o.status in ("conflict", "unchanged") for o in others)
    score = Score.objects.get(assignment=world.math, kind="regular", index=1)
    assert score.version == 1
    assert score.history.count() == 1
    assert f"{score.value}".replace(".", ",") == winners[0][1].value


@pytest.mark.parametrize("writers", [8, 32])
def test_update_race_on_a_saved_cell(transactional_db, writers):
    from tests.factories import SchoolWorld

    world = SchoolWorld("Trường THCS Song Song", "d")
    save_grid(world.math_teacher, world.math, "HK1", [CellChange(str(world.enrolment.uuid), "tx1", "2")])
    outcomes = race(world, writers, base_version=1, reason="Chấm lại")
    saved = [o for _, o in outcomes if o.status == "saved"]
    assert len(saved) == 1
    score = Score.objects.get(assignment=world.math, kind="regular", index=1)
    assert score.version == 2
    assert score.history.count() == 2  # the first entry and the one winning change, nothing lost or doubled
    assert f"{score.value}".replace(".", ",") == saved[0].value
