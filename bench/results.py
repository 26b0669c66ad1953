"""Compute every result of a 1,600-student school (both terms and the year, all subjects, academic
results, conduct, promotion, honours) from the database, loading included.

    python bench/results.py        # goal: ≤ 2 s on the 2-core machine
"""

import gc
import statistics
import time

from _setup import report, setup

school = setup()

from gradebook.selectors.results import compute_results  # noqa: E402
from gradebook.selectors.structure import current_year  # noqa: E402

year = current_year(school)
timings = []
results = {}
for _ in range(5):
    del results  # each run starts as a request would: nothing left over from the previous one
    gc.collect()
    started = time.perf_counter()
    results = compute_results(year)
    timings.append(time.perf_counter() - started)
students = len(results)
subjects = sum(len(r.subjects) for r in results.values())
decided = sum(1 for r in results.values() if r.decision)
assert students >= 1600, students
assert decided == students, f"{students - decided} students without a promotion decision"
report("school results students", students, "students", "1600")
report("school results subject results", subjects * 3, "term and year results", "all")
report("school results median", round(statistics.median(timings), 2), "s", "≤ 2")
