"""A school's roster from the sector database's Excel: 1,600 students in 40 classes, read, checked row
by row against the school (the preview), then written with guardians and enrolments; then the same
file again, which must write nothing.

    python bench/onboarding.py        # goal: ≤ 10 s for the import of 1,600 students

Runs inside one transaction that is rolled back: the benchmark database keeps nothing.
"""

import random
import time
from io import BytesIO

from _setup import report, setup

setup()

from django.db import transaction  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from accounts.services import create_school  # noqa: E402
from gradebook import demo_data as D  # noqa: E402
from gradebook.models import Classroom, Enrolment, Guardian, Student  # noqa: E402
from gradebook.services import roster  # noqa: E402
from gradebook.services import setup as year_setup  # noqa: E402

HEADER = roster.SECTOR_COLUMNS
PLACES = [
    ("Thành phố Hà Nội", "Quận Cầu Giấy", "Phường Dịch Vọng"),
    ("Thành phố Hà Nội", "", "Phường Cầu Giấy"),
    ("Thành phố Hà Nội", "Quận Đống Đa", "Phường Cát Linh"),
]


def sector_file(classes, per_class: int, rng: random.Random) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH HỌC SINH"])
    sheet.append(HEADER)
    n = 0
    for classroom in classes:
        for _ in range(per_class):
            n += 1
            female = rng.random() < 0.5
            name = " ".join(
                (
                    rng.choice([f for f, _w in D.FAMILY_NAMES]),
                    rng.choice(D.FEMALE_MIDDLE if female else D.MALE_MIDDLE),
                    rng.choice(D.FEMALE_GIVEN if female else D.MALE_GIVEN),
                )
            )
            born = 2026 - classroom.grade - 5
            sheet.append(
                [n, classroom.name, f"0199{n:06d}", name, f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{born}",
                 "Nữ" if female else "Nam", "Kinh", "Việt Nam", *rng.choice(PLACES), "Nguyễn Văn Cha", born - 30,
                 "Trần Thị Mẹ", born - 28, f"0019{born % 100:02d}{n:06d}"]
            )  # fmt: skip
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class Rollback(Exception):
    pass


timings = {}
try:
    with transaction.atomic():
        school, admin, _password = create_school(
            province=("01", "Thành phố Hà Nội"), commune=("00166", "Phường Cầu Giấy"), code="BENCH-ONBOARD",
            name="Trường THCS Nhập Liệu", level="THCS", admin=("bench.onboard", "Người Nhập"),
        )  # fmt: skip
        year, _ = year_setup.set_up_year(admin, school, 2026, classes="6A1-6A10,7A1-7A10,8A1-8A10,9A1-9A10")
        classes = list(Classroom.objects.filter(school_year=year).order_by("grade", "name"))
        data = sector_file(classes, 40, random.Random(2026))
        started = time.perf_counter()
        batch, preview = roster.upload(admin, year, "csdl.xlsx", data)
        timings["preview"] = time.perf_counter() - started
        assert preview.counts["new"] == 1600, preview.counts
        started = time.perf_counter()
        roster.apply(admin, batch)
        timings["write"] = time.perf_counter() - started
        assert Student.objects.filter(school=school).count() == 1600
        assert Enrolment.objects.filter(classroom__school_year=year).count() == 1600
        assert Guardian.objects.filter(student__school=school).count() == 3200
        started = time.perf_counter()
        again, second = roster.upload(admin, year, "csdl.xlsx", data)
        roster.apply(admin, again)
        timings["again"] = time.perf_counter() - started
        assert second.counts["unchanged"] == 1600, second.counts
        assert Student.objects.filter(school=school).count() == 1600
        raise Rollback
except Rollback:
    pass

report("roster import", round(timings["preview"] + timings["write"], 1), "s for 1600 students", "≤ 10")
report("roster import preview", round(timings["preview"], 1), "s", "part of the above")
report("roster import write", round(timings["write"], 1), "s", "part of the above")
report("roster re-import, nothing to write", round(timings["again"], 1), "s", "≤ 10")
