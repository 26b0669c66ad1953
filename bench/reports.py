"""The school-wide statistics page of a 1,600-student school (a finished year), as the principal sees it.

    python bench/reports.py    # goal: ≤ 500 ms

The results are computed once per state of the data (the cache key carries the latest history row of
every table they read, so a write makes a new key); the figures are the page served from that state
(the usual case: many views between two writes) and the first view after a write (computes).
"""

import statistics
import time

from _setup import report, setup

school = setup()

from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import Role, RoleAssignment, User  # noqa: E402

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


cold = []
for _ in range(3):
    cache.clear()
    cold.append(view())
warm = [view() for _ in range(20)]
report("school statistics page median", round(statistics.median(warm) * 1000), "ms", "≤ 500, 1,600 students")
report(
    "school statistics first view after a write median",
    round(statistics.median(cold) * 1000),
    "ms",
    "computes every result; ≤ 2 s like bench/results.py",
)
