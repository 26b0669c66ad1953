"""The score grid on the demo school at PostgreSQL.

    python bench/grid.py

- render: the whole grid page (middleware, session, permissions, roster, scores, averages, template) for
  the largest class (45 students), median of 30 requests; and its query count, which must not grow with
  the class: the smallest class must need the same number.
- save: 45 students × 9 score columns (TX1–TX7, GK, CK), every cell changed, through the service the
  grid uses (permission, lock, versions, late flags, one history row per cell) against a raw psycopg
  upsert of the same 405 rows, as a ratio of the medians; and the whole save request as the page sends
  it (JSON of 405 cells in, middleware, session, parsing, the service, the JSON answer) against the same
  upsert.
"""

import json
import statistics
import time
from decimal import Decimal

from _setup import demo_school, report

school = demo_school()

import psycopg  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from gradebook.models import AssessmentColumn, Score, Subject, TeachingAssignment  # noqa: E402
from gradebook.selectors.structure import current_year  # noqa: E402
from gradebook.services.scores import CellChange, column_of, key_of, save_grid  # noqa: E402
from sodiem.domain import Actor  # noqa: E402

year = current_year(school)
assignments = (
    TeachingAssignment.objects.filter(
        classroom__school_year=year, subject__kind=Subject.Kind.SCORE, teacher__isnull=False
    )
    .annotate(size=Count("classroom__enrolments"))
    .select_related("classroom", "subject", "teacher")
    .order_by("-size", "classroom__name", "subject__order")
)
largest = assignments.first()
smallest = assignments.order_by("size", "classroom__name", "subject__order").first()
assert largest.size == 45, f"the demo school's largest class has {largest.size} students"


def client_for(assignment):
    teacher = assignment.teacher
    if teacher.must_change_password:  # a demo teacher who never signed in: not what we measure
        type(teacher).objects.filter(pk=teacher.pk).update(must_change_password=False)
    client = Client(SERVER_NAME="localhost")
    client.force_login(teacher)
    return client


def render(assignment, client):
    url = reverse("grid", args=[assignment.uuid, "HK1"])
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    return elapsed, response


def queries(assignment):
    client = client_for(assignment)
    render(assignment, client)  # warm: session, caches
    with CaptureQueriesContext(connection) as captured:
        _, response = render(assignment, client)
    rows = response.content.decode().count("<tr data-enrolment=")
    assert rows == assignment.size, (rows, assignment.size)
    return len(captured), rows


client = client_for(largest)
for _ in range(5):
    render(largest, client)
timings = [render(largest, client)[0] for _ in range(30)]
big_queries, big_rows = queries(largest)
small_queries, small_rows = queries(smallest)
report("grid render median", round(statistics.median(timings) * 1000, 1), "ms", "≤ 40, 45 students")
report(
    "grid render queries", big_queries, "queries", f"constant: {small_queries} for {smallest.size} students"
)
assert big_queries == small_queries, (big_queries, small_queries)

# -- save: 45 × 9 cells with history vs a raw upsert ------------------------------------------------
# Term II: the demo school's September and October are locked (a month lock), term II is open.
TERM = "HK2"
COLUMNS = [f"tx{i}" for i in range(1, 8)] + ["gk", "ck"]
enrolments = list(largest.classroom.enrolments.select_related("student").order_by("pk"))
VALUES = [
    {
        (e.pk, c): Decimal(5 + (i + j) % 5) + Decimal("0.5")
        for i, e in enumerate(enrolments)
        for j, c in enumerate(COLUMNS)
    },
    {(e.pk, c): Decimal(6 + (i * j) % 4) for i, e in enumerate(enrolments) for j, c in enumerate(COLUMNS)},
]
teacher = largest.teacher
held = {
    key_of(kind, index): held_on
    for kind, index, held_on in AssessmentColumn.objects.filter(assignment=largest, term=TERM).values_list(
        "kind", "index", "held_on"
    )
}
DATES = {c: held.get(c) for c in COLUMNS}  # as the grid sends them: every column, here unchanged


def versions():
    return {
        (s.enrolment_id, key_of(s.kind, s.index)): s.version
        for s in Score.objects.filter(assignment=largest, term=TERM)
    }


def django_save(values, first=False):
    current = versions()
    changes = [
        CellChange(str(e.uuid), c, str(values[(e.pk, c)]), current.get((e.pk, c), 0))
        for e in enrolments
        for c in COLUMNS
    ]
    started = time.perf_counter()
    result = save_grid(
        Actor(teacher, "127.0.0.1"), largest, TERM, changes, reason="Đo hiệu năng", dates=DATES
    )
    elapsed = time.perf_counter() - started
    done = len(result.by_status("saved")) + (len(result.by_status("unchanged")) if first else 0)
    assert done == len(changes), [o for o in result.outcomes if o.status not in ("saved", "unchanged")][:3]
    return elapsed


settings = connection.settings_dict
raw = psycopg.connect(
    host=settings["HOST"] or "127.0.0.1",
    port=settings["PORT"] or 5432,
    user=settings["USER"],
    password=settings["PASSWORD"] or None,
    dbname=settings["NAME"],
)
UPSERT = """
INSERT INTO gradebook_score
    (uuid, assignment_id, enrolment_id, term, kind, index, value, level, version, updated_by_id,
     updated_at, first_entered_at, late)
SELECT gen_random_uuid(), %(assignment)s, e, 'HK2', k, i, v, '', 1, %(user)s, now(), now(), false
FROM unnest(%(enrolments)s::bigint[], %(kinds)s::text[], %(indexes)s::int[], %(values)s::numeric[]) AS t(e, k, i, v)
ON CONFLICT (assignment_id, enrolment_id, term, kind, index) DO UPDATE
SET value = excluded.value, version = gradebook_score.version + 1, updated_by_id = excluded.updated_by_id,
    updated_at = excluded.updated_at
"""


def raw_upsert(values):
    keys = [(e.pk, c) for e in enrolments for c in COLUMNS]
    params = {
        "assignment": largest.pk,
        "user": teacher.pk,
        "enrolments": [k[0] for k in keys],
        "kinds": [column_of(k[1])[0] for k in keys],
        "indexes": [column_of(k[1])[1] for k in keys],
        "values": [values[k] for k in keys],
    }
    started = time.perf_counter()
    with raw.transaction():
        raw.execute(UPSERT, params)
    return time.perf_counter() - started


save_client = client_for(largest)
SAVE_URL = reverse("grid_save", args=[largest.uuid, TERM])
DATES_TEXT = {c: d.strftime("%d/%m/%Y") if d else "" for c, d in DATES.items()}


def request_save(values):
    """The save as the grid's page sends it: JSON of every changed cell with its version, through the
    middleware, the session, the view's parsing and checks, the service, the JSON answer."""
    current = versions()
    body = json.dumps(
        {
            "changes": [
                {
                    "enrolment": str(e.uuid),
                    "column": c,
                    "value": str(values[(e.pk, c)]).replace(".", ","),
                    "version": current.get((e.pk, c), 0),
                }
                for e in enrolments
                for c in COLUMNS
            ],
            "reason": "Đo hiệu năng",
            "dates": DATES_TEXT,
        },
        ensure_ascii=False,  # as the page's JSON.stringify writes it: letters unescaped
    ).encode()
    started = time.perf_counter()
    response = save_client.post(SAVE_URL, body, content_type="application/json")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content[:300]
    assert response.json()["saved"] == len(enrolments) * len(COLUMNS), response.json()["saved"]
    return elapsed


# Every cell exists, then the writers take turns so that each write changes all 405 cells.
django_save(VALUES[1], first=True)
saves, requests, upserts = [], [], []
for _ in range(20):
    saves.append(django_save(VALUES[0]))
    upserts.append(raw_upsert(VALUES[1]))
    requests.append(request_save(VALUES[0]))
    upserts.append(raw_upsert(VALUES[1]))
raw.close()
save_ms = statistics.median(saves) * 1000
request_ms = statistics.median(requests) * 1000
raw_ms = statistics.median(upserts) * 1000
report("grid save 45x9 median", round(save_ms, 1), "ms", "with history rows")
report("grid save request 45x9 median", round(request_ms, 1), "ms", "JSON in, view, service, JSON out")
report("grid raw upsert 45x9 median", round(raw_ms, 1), "ms", "baseline")
report("grid save vs raw upsert ratio", round(save_ms / raw_ms, 1), "x", "≤ 3")
report("grid save request vs raw upsert ratio", round(request_ms / raw_ms, 1), "x", "≤ 3")
