"""Printing the books on the demo school of `make run` (16 classes of 38–45 students, the first term
under way, with its three earlier years: `seed_demo --years 4`) at PostgreSQL, in a database of its
own (`sodiem_bench_years` unless DATABASE_URL says).

    python bench/print.py [--classes 1] [--workers 2]

- class book vs bare WeasyPrint ratio: issuing the class book of the largest class (45 students, every
  subject: data from the gradebook and the engine, template, PDF/A, QR code, stored file and row) against
  WeasyPrint laying out and writing the very same HTML with no data work; best of two runs each.
- school transcripts: the học bạ batch of the first N classes of each grade (their students have one
  to four years at the school: 6A1's one, 9A1's four, 11 pages) printed by W real workers
  (`manage.py db_worker`, one task per class) from the request to the zip, in transcripts per second,
  the earlier years' pages kept from a printing before (the first printing's rate is shown beside);
  the whole school takes students / rate.
"""

import argparse
import os
import sys
import time

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sodiem_bench_years")

from _setup import demo_school, report, start_workers  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--classes", type=int, default=1, help="classes of each grade")
parser.add_argument("--workers", type=int, default=2)
args = parser.parse_args()

school = demo_school(years=4)

from django.db.models import Count, Q  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from gradebook.models import Classroom, Enrolment  # noqa: E402
from gradebook.selectors.structure import current_year  # noqa: E402
from transcripts import documents  # noqa: E402
from transcripts.documents import Kind, Target  # noqa: E402
from transcripts.models import PrintBatch  # noqa: E402
from transcripts.pdf import layout  # noqa: E402
from transcripts.printing import start_batch  # noqa: E402

year = current_year(school)
classes = (
    Classroom.objects.filter(school_year=year)
    .annotate(size=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.STUDYING)))
    .order_by("-size", "name")
)
largest = classes.first()
clerk, _ = User.objects.get_or_create(username="bench-clerk", defaults={"full_name": "Văn thư (benchmark)"})
clerk.role_assignments.get_or_create(school=school, role=Role.CLERK)

# -- one class book --------------------------------------------------------------------------------
target = Target(Kind.CLASS_BOOK, school, year, classroom=largest)
full, bare, pages = [], [], 0
for _ in range(2):
    started = time.perf_counter()
    document = documents.issue(target, user=clerk)
    full.append(time.perf_counter() - started)
    pages = document.pages

    # the same HTML, built once outside the timing, laid out and written by WeasyPrint alone
    html, _hash = documents.document_html(
        target, documents.content(target), document_uuid=document.uuid, printed_at=document.printed_at
    )
    started = time.perf_counter()
    layout(html, document=True).write_pdf(pdf_variant="pdf/a-3b")
    bare.append(time.perf_counter() - started)

print(
    f"(class book of {largest.name}: {largest.size} students, {pages} pages; "
    f"issued in {min(full):.1f} s, bare WeasyPrint {min(bare):.1f} s)",
    file=sys.stderr,
)
report("class book pages", round(pages / min(full), 1), "pages/s", "≥ 5")
report("class book vs bare WeasyPrint ratio", round(min(full) / min(bare), 2), "", "≤ 1.3")

# -- the học bạ batch, real workers -----------------------------------------------------------------
chosen = [c for grade in (6, 7, 8, 9) for c in classes.filter(grade=grade).order_by("name")[: args.classes]]
students = Enrolment.objects.filter(classroom__school_year=year, status=Enrolment.Status.STUDYING).count()


def print_batch() -> tuple[int, float]:
    """The batch from the request to the zip by fresh worker processes: (transcripts, seconds)."""
    batch = start_batch(clerk, school, year, Kind.TRANSCRIPT, classrooms=chosen)
    started = time.perf_counter()
    workers = start_workers(args.workers, batch=True)
    for worker in workers:
        worker.wait()
    elapsed = time.perf_counter() - started
    batch.refresh_from_db()
    assert batch.status == PrintBatch.Status.DONE, (batch.status, batch.error)
    return batch.done, elapsed


# The first printing of the earlier years lays their pages out and keeps them (transcripts/
# kept_pages.py); a year-end run finds them kept from the printings before it: the figure.
from django.core.files.storage import default_storage  # noqa: E402

from transcripts.kept_pages import PREFIX  # noqa: E402

had_kept = default_storage.exists(PREFIX) and bool(sum(map(len, default_storage.listdir(PREFIX))))
done, first = print_batch()
done, elapsed = print_batch()
rate = done / elapsed
print(
    f"({done} transcripts of {len(chosen)} classes by {args.workers} workers in {elapsed:.0f} s, zip "
    f"included; {done / first:.2f}/s at the first printing{' (pages kept before)' if had_kept else ''};"
    f" the whole school's {students} would take about {students / rate / 60:.0f} min)",
    file=sys.stderr,
)
report("school transcripts", round(rate, 2), "transcripts/s", f"≥ 8, {args.workers} workers")
