"""The school-wide statistics page of a 1,600-student school (a finished year) as the principal sees it
while teachers write, on the Redis cache as deployed.

    python bench/reports.py

Figures are kept per class under the class's version (gradebook/freshness.py). Measured, each a median
of 10 views, each view right after a committed write:
- after a write in another school (a score saved there): nothing of this school is recomputed;
- after a write in the school (a score of one class saved): that class is recomputed;
- the first view with nothing kept (the cache emptied): every class computed.
"""

import os
import statistics
import time

os.environ.setdefault("USE_REDIS_CACHE", "true")  # the deployed cache: figures pickled to Redis and back

from _setup import BENCH_SCHOOL, report, setup

school = setup()
other_school = setup(f"{BENCH_SCHOOL}-B", size=200)

from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import Role, RoleAssignment, User  # noqa: E402
from gradebook.models import Score, Subject  # noqa: E402
from gradebook.selectors.structure import current_year  # noqa: E402
from gradebook.services.scores import CellChange, key_of, save_grid  # noqa: E402

principal = User.objects.filter(
    role_assignments__school=school, role_assignments__role=Role.PRINCIPAL
).first()
if principal is None:
    principal = User.objects.create(username=f"{school.code.lower()}-ht", full_name="Hiệu trưởng Đo")
    RoleAssignment.objects.create(user=principal, role=Role.PRINCIPAL, school=school)
User.objects.filter(pk=principal.pk).update(must_change_password=False)
client = Client(SERVER_NAME="localhost")
client.force_login(principal)
url = reverse("statistics") + "?period=year"


def view():
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    assert "Toàn trường" in response.content.decode()
    return elapsed


def writer(in_school):
    """A teacher's save of one score in the school's (or the other school's) first class-subject, as
    the grid does it: committed, the class's version bumped."""
    score = (
        Score.objects.filter(
            assignment__classroom__school_year=current_year(in_school),
            assignment__subject__kind=Subject.Kind.SCORE,
            kind="regular",
            index=1,
            term="HK2",
        )
        .select_related("assignment__teacher", "enrolment", "assignment__classroom__school_year__school")
        .order_by("pk")
        .first()
    )
    assignment, teacher = score.assignment, score.assignment.teacher
    values = ["7", "8"]

    def write(n):
        current = Score.objects.get(pk=score.pk)
        save_grid(
            teacher,
            assignment,
            "HK2",
            [
                CellChange(
                    str(score.enrolment.uuid), key_of(score.kind, score.index), values[n % 2], current.version
                )
            ],
            reason="Đo hiệu năng",
        )

    return write


def after(write, runs=10):
    timings = []
    for n in range(runs):
        write(n)
        timings.append(view())
    return statistics.median(timings)


view()  # the school's figures computed once
elsewhere = after(writer(other_school))
inside = after(writer(school))
cold = []
for _ in range(3):
    cache.clear()
    cold.append(view())
warm = [view() for _ in range(20)]
report("statistics after a write in another school", round(elsewhere * 1000), "ms", "≤ 100, 1,600 students")
report("statistics after a write in the school", round(inside * 1000), "ms", "≤ 500, 1,600 students")
report("statistics with nothing kept", round(statistics.median(cold) * 1000), "ms", "every class computed")
report("statistics page served from what is kept", round(statistics.median(warm) * 1000), "ms", "≤ 500")
