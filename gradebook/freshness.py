"""Which classes' data changed, so that figures computed per class are recomputed for that class only.

Every class has a version in the cache: a token made of the moment of its latest change. A write that
touches what results are computed from (scores, conduct, attendance, exemptions, enrolments, teaching
assignments, the class itself) bumps the versions of its classes once the transaction commits; readers
key what they compute by the class's version, so nothing computed before a write is served after it,
and a write in one class (or another school) leaves every other class's figures as they were.

The writes reach this module two ways: each save or delete with a history row (django-simple-history's
`post_create_historical_record`, connected in gradebook/apps.py), and the set-based writes that bypass
the library's signals (the score grid, bulk copies of enrolments), which call `touched()` themselves.

A version missing from the cache (cleared, evicted, a fresh deployment) is created on first read: the
figures keyed by the lost version are unreachable with it, so a lost version means a recomputation,
never a stale figure. The background refresh after a write (gradebook/tasks.py) is only asked for a
class whose figures someone has computed before: the statistics page of a school being watched stays
warm while its teachers write.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from django.core.cache import cache
from django.db import connection, transaction

logger = logging.getLogger(__name__)

PREFIX = "sodiem:class-version:"
TIMEOUT = 60 * 60 * 24 * 30  # a month: a class nobody writes to keeps its figures

_pending = threading.local()


def version_key(classroom_id: int) -> str:
    return f"{PREFIX}{classroom_id}"


def versions(classroom_ids: Iterable[int]) -> dict[int, str]:
    """The current version of each class (one cache round trip; missing ones created)."""
    ids = list(classroom_ids)
    found = cache.get_many([version_key(pk) for pk in ids])
    current = {pk: found[version_key(pk)] for pk in ids if version_key(pk) in found}
    missing = {pk: _token(written=False) for pk in ids if pk not in current}
    if missing:
        cache.set_many({version_key(pk): token for pk, token in missing.items()}, TIMEOUT)
        current.update(missing)
    return current


def figures_key(classroom_id: int, version: str) -> str:
    """Where a class's figures computed at a version are kept (gradebook/selectors/statistics.py)."""
    return f"sodiem:class-figures:{classroom_id}:{version}"


def changed_at(version: str) -> datetime:
    """The moment a version was made (the class's latest change, or the first read after the cache
    lost it)."""
    return datetime.fromtimestamp(int(version.split("-")[0]) / 1e9, tz=UTC)


def _token(*, written: bool = True) -> str:
    """The moment, and whether a write made it (or a read found none)."""
    return f"{time.time_ns()}-{'w' if written else 'r'}{threading.get_ident() % 10_000}"


def by_write(version: str) -> bool:
    return version.split("-")[1].startswith("w")


# -- the writers' side ------------------------------------------------------------------------------


def touched(
    *, classrooms: Iterable[int] = (), enrolments: Iterable[int] = (), assignments: Iterable[int] = ()
):
    """Record that these classes (given directly, or through enrolments or class-subjects) changed;
    their versions are bumped after the current transaction commits (at once outside one), once for
    all the rows the transaction wrote."""
    batch = _batch()
    for name, ids in (("classrooms", classrooms), ("enrolments", enrolments), ("assignments", assignments)):
        batch[name].update(pk for pk in ids if pk is not None)
    if not connection.in_atomic_block:
        try:
            batch()
        except Exception:  # the write stands; its figures are recomputed when the cache answers again
            logger.exception("could not mark the classes of a write as changed")


class _Batch(dict):
    """What one transaction touched; Django calls it once the transaction commits (and drops it with a
    rollback). It is registered with every write that adds to it, and works once."""

    def __init__(self):
        super().__init__(classrooms=set(), enrolments=set(), assignments=set())
        self.done = False

    def __call__(self):
        if not self.done:
            self.done = True
            _flush(self)


def _batch() -> _Batch:
    """The batch of the transaction in progress — the last one while it has not run and is still among
    the callbacks Django keeps for the commit (a rollback drops it) — registered once more."""
    if not connection.in_atomic_block:
        return _Batch()
    batch = getattr(_pending, "batch", None)
    if (
        batch is None
        or batch.done
        or not any(callback is batch for _sids, callback, _robust in connection.run_on_commit)
    ):
        batch = _pending.batch = _Batch()
    # robust: a cache or queue that fails after the commit is logged, never turned into an error for
    # the teacher whose save is already committed
    transaction.on_commit(batch, robust=True)
    return batch


def _flush(pending: dict[str, set[int]]) -> None:
    """Resolve what is pending to classes (one query per kind) and bump their versions."""
    from gradebook.models import Enrolment, TeachingAssignment

    classrooms = set(pending["classrooms"])
    enrolments, assignments = pending["enrolments"], pending["assignments"]
    if enrolments:
        classrooms.update(Enrolment.objects.filter(pk__in=enrolments).values_list("classroom_id", flat=True))
    if assignments:
        classrooms.update(
            TeachingAssignment.objects.filter(pk__in=assignments).values_list("classroom_id", flat=True)
        )
    if classrooms:
        bump(classrooms)


def bump(classroom_ids: Iterable[int]) -> None:
    """New versions for these classes; those whose figures were computed at their old version are
    refreshed in the background."""
    from gradebook import tasks

    ids = sorted(set(classroom_ids))
    old = cache.get_many([version_key(pk) for pk in ids])
    token = _token()
    cache.set_many({version_key(pk): token for pk in ids}, TIMEOUT)
    watched = [
        pk for pk in ids if version_key(pk) in old and cache.has_key(figures_key(pk, old[version_key(pk)]))
    ]
    if watched:
        tasks.refresh_soon(watched)


def on_history_row(sender, instance, history_instance, **kwargs) -> None:
    """django-simple-history's `post_create_historical_record`: a save or a delete of a model the
    results are computed from (gradebook/apps.py connects it)."""
    rows_written([instance])


def rows_written(instances: Iterable) -> None:
    """Rows of the models the results are computed from, written (by a save, or in bulk without the
    library's signals: copies of a transferred student's rows): their classes changed."""
    from gradebook.models import Classroom, Enrolment, TeachingAssignment

    found: dict[str, set[int]] = {"classrooms": set(), "enrolments": set(), "assignments": set()}
    for instance in instances:
        model = type(instance)
        if model is Classroom:
            found["classrooms"].add(instance.pk)
        elif model in (Enrolment, TeachingAssignment):
            found["classrooms"].add(instance.classroom_id)
        elif hasattr(instance, "assignment_id"):  # a score
            found["assignments"].add(instance.assignment_id)
        elif hasattr(instance, "enrolment_id"):  # conduct, an absence, an exemption
            cached = instance._state.fields_cache.get("enrolment")
            if cached is not None:
                found["classrooms"].add(cached.classroom_id)
            else:
                found["enrolments"].add(instance.enrolment_id)
    if any(found.values()):
        touched(**found)
