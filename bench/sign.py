"""Batch signing on the demo school of `make run`: the homeroom teacher of the largest class confirms
once and real workers sign the class's học bạ (visible signature drawn in its block, key opened once per
part, file and rows written per document).

    python bench/sign.py [--workers 2]

- batch signing: signatures per second from the confirmation to the last one, W workers
  (`manage.py db_worker`) already running as in production (their first signature loads the font). The học bạ are printed first (not timed); their subject teachers' turns are
  left out so that the homeroom teacher's is next — the figure is per signature, whoever signs.
- one signature: the CPU of one `sign_document` in this process (best of five).
"""

import argparse
import sys
import time

from _setup import demo_school, report, start_workers

parser = argparse.ArgumentParser()
parser.add_argument("--workers", type=int, default=2)
args = parser.parse_args()

school = demo_school()

from django.db.models import Count, Q  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from gradebook.models import Classroom, Enrolment  # noqa: E402
from gradebook.selectors.structure import current_year  # noqa: E402
from transcripts.documents import Kind  # noqa: E402
from transcripts.models import PrintBatch, PrintedDocument, SignBatch  # noqa: E402
from transcripts.printing import start_batch  # noqa: E402
from transcripts.signing import sign_document  # noqa: E402
from transcripts.signing_batches import start_signing, waiting_for  # noqa: E402

year = current_year(school)
largest = (
    Classroom.objects.filter(school_year=year)
    .annotate(size=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.STUDYING)))
    .order_by("-size", "name")
    .first()
)
homeroom = largest.homeroom_teacher
clerk, _ = User.objects.get_or_create(username="bench-clerk", defaults={"full_name": "Văn thư (benchmark)"})
clerk.role_assignments.get_or_create(school=school, role=Role.CLERK)


def run_workers(count: int) -> float:
    started = time.perf_counter()
    for worker in start_workers(count, batch=True):
        worker.wait()
    return time.perf_counter() - started


# the class's học bạ, printed by the workers (not timed), waiting for the homeroom teacher
printing = start_batch(clerk, school, year, Kind.TRANSCRIPT, classrooms=[largest])
run_workers(args.workers)
printing.refresh_from_db()
assert printing.status == PrintBatch.Status.DONE, (printing.status, printing.error)
PrintedDocument.objects.filter(batch=printing).update(subject_signers=[])
waiting = waiting_for(homeroom, school, kind=Kind.TRANSCRIPT, classroom=largest)
waiting = [d for d in waiting if d.batch_id == printing.pk]
assert len(waiting) == printing.done, (len(waiting), printing.done)

# one signature in this process, for the CPU figure (on documents then left out of the batch)
single = []
for document in waiting[:5]:
    started = time.process_time()
    sign_document(document, homeroom)
    single.append(time.process_time() - started)
# the workers already running, as in production; the clock runs from the confirmation to the last one
workers = start_workers(args.workers, batch=False)
time.sleep(6)  # Django, pyHanko and the signature font loaded
started = time.perf_counter()
batch = start_signing(homeroom, school, waiting[5:], f"bench {largest.name}")
while batch.status not in (SignBatch.Status.DONE, SignBatch.Status.FAILED):
    time.sleep(0.05)
    batch.refresh_from_db()
elapsed = time.perf_counter() - started
for worker in workers:
    worker.terminate()
    worker.wait()
assert batch.status == SignBatch.Status.DONE and batch.skipped == 0, (
    batch.status,
    batch.skipped,
    batch.error,
)
print(
    f"({batch.done} học bạ of {largest.name} signed by {args.workers} running workers in {elapsed:.1f} s "
    f"from the confirmation; one signature {min(single) * 1000:.0f} ms CPU in this process)",
    file=sys.stderr,
)
report("batch signing", round(batch.done / elapsed, 1), "signatures/s", "≥ 10")
report("one signature CPU", round(min(single) * 1000), "ms", "—")
