"""Compute every result of a 1,600-student school (both terms and the year, all subjects, academic
results, conduct, promotion, honours) from the database, loading included; and of a 3,200-student
school the same way, to show the cost grows with the students and no faster.

    python bench/results.py        # goals: ≤ 2 s; 3,200 vs 1,600 students ≤ 2.1×
"""

import gc
import statistics
import time

from _setup import BENCH_SCHOOL, report, setup

school = setup()
large = setup(f"{BENCH_SCHOOL}-3200", size=3200)

from gradebook.selectors.results import compute_results  # noqa: E402
from gradebook.selectors.structure import current_year  # noqa: E402


def measure(of_school, runs=5):
    year = current_year(of_school)
    timings = []
    results = {}
    for _ in range(runs):
        del results  # each run starts as a request would: nothing left over from the previous one
        gc.collect()
        started = time.perf_counter()
        results = compute_results(year)
        timings.append(time.perf_counter() - started)
    decided = sum(1 for r in results.values() if r.decision)
    assert decided == len(results), f"{len(results) - decided} students without a promotion decision"
    return results, statistics.median(timings)


results, median = measure(school)
students = len(results)
subjects = sum(len(r.subjects) for r in results.values())
assert students >= 1600, students
big, big_median = measure(large)
assert len(big) >= 3200, len(big)
report("school results students", students, "students", "1600")
report("school results subject results", subjects * 3, "term and year results", "all")
report("school results median", round(median, 2), "s", "≤ 2")
report("results 3200 vs 1600 students", round(big_median / median, 2), "×", "≤ 2.1")
