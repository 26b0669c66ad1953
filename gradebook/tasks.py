"""Work done in the background by the task workers (`manage.py db_worker`)."""

from __future__ import annotations

from django.core.cache import cache
from django.tasks import task

PENDING = "sodiem:class-figures-pending:"


def refresh_soon(classroom_ids: list[int]) -> None:
    """Ask a worker to recompute these classes' figures, once however many writes come before it runs."""
    for pk in classroom_ids:
        if cache.add(f"{PENDING}{pk}", 1, 300):
            refresh_class_figures.enqueue(pk)


@task()
def refresh_class_figures(classroom_id: int) -> None:
    """Recompute one class's statistics figures at its current version (gradebook/freshness.py), so the
    next view of the school's page finds them computed."""
    from gradebook.models import Classroom
    from gradebook.selectors.statistics import class_figures

    cache.delete(f"{PENDING}{classroom_id}")
    classroom = Classroom.objects.select_related("school_year").filter(pk=classroom_id).first()
    if classroom is not None:
        class_figures(classroom.school_year, [classroom])
