"""The demo's THPT school, set up the way a real school does it in the portal (docs/workflows.md §1): the
school created by IT staff, then by its admin board the year from the Ministry's frame, the curriculum
preset, the classes, each class's electives and learning-topic clusters, the teaching-assignment matrix
and the roster from a file in the sector database's layout — the same services as the pages."""

from __future__ import annotations

import random
from datetime import date
from io import BytesIO

from django.contrib.auth.hashers import make_password
from openpyxl import Workbook

from accounts.models import Department, Role, RoleAssignment, School, User
from accounts.services import create_school
from gradebook import demo_data as D
from gradebook.models import Classroom, SchoolYear, Subject
from gradebook.services import assignments, roster, setup
from gradebook.services.roster import SECTOR_COLUMNS

THPT_CODE = "THPT-NT"
THPT_CLASSES = "10A1-10A3, 11A1-11A2, 12A1-12A2"
# (combination name, four electives, three learning-topic clusters) by class
COMBINATIONS = [
    ("Khoa học tự nhiên 1", ["vat-li", "hoa-hoc", "sinh-hoc", "tin-hoc"], ["toan", "vat-li", "hoa-hoc"]),
    ("Khoa học tự nhiên 2", ["vat-li", "hoa-hoc", "cong-nghe", "tin-hoc"], ["toan", "vat-li", "tin-hoc"]),
    ("Khoa học xã hội", ["dia-li", "gdktpl", "vat-li", "am-nhac"], ["ngu-van", "dia-li", "gdktpl"]),
]
SECTOR_HEADER = SECTOR_COLUMNS
# old three-level addresses, as birth certificates still carry them
OLD_PLACES = [
    ("Thành phố Hà Nội", "Quận Ba Đình", "Phường Ngọc Hà"),
    ("Thành phố Hà Nội", "Quận Ba Đình", "Phường Kim Mã"),
    ("Thành phố Hà Nội", "Quận Cầu Giấy", "Phường Dịch Vọng"),
    ("Thành phố Hà Nội", "Quận Đống Đa", "Phường Cát Linh"),
]


def _name(rng: random.Random, female: bool) -> str:
    family = rng.choice([f for f, _w in D.FAMILY_NAMES])
    middle = rng.choice(D.FEMALE_MIDDLE if female else D.MALE_MIDDLE)
    given = rng.choice(D.FEMALE_GIVEN if female else D.MALE_GIVEN)
    return f"{family} {middle} {given}"


def roster_file(rng: random.Random, year: SchoolYear, per_class: int = 32) -> bytes:
    """A roster as the sector database exports it, for the demo's classes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sach hoc sinh"
    sheet.append(["DANH SÁCH HỌC SINH — TRƯỜNG THPT NGUYỄN TRÃI"])
    sheet.append(SECTOR_HEADER)
    number = 0
    for classroom in Classroom.objects.filter(school_year=year).order_by("grade", "name"):
        born_year = year.start_year - classroom.grade - 5
        for _ in range(per_class):
            number += 1
            female = rng.random() < 0.52
            born = date(born_year, rng.randint(1, 12), rng.randint(1, 28))
            province, district, commune = rng.choice(OLD_PLACES)
            sheet.append(
                [
                    number,
                    classroom.name,
                    f"01{number + 20000000:08d}",
                    _name(rng, female),
                    born.strftime("%d/%m/%Y"),
                    "Nữ" if female else "Nam",
                    rng.choice(["Kinh"] * 30 + ["Tày", "Mường", "Nùng"]),
                    "Việt Nam",
                    province,
                    district,
                    commune,
                    _name(rng, False),
                    born_year - rng.randint(25, 35),
                    _name(rng, True),
                    born_year - rng.randint(23, 33),
                    f"001{3 if female else 2}{born_year % 100:02d}{number:06d}",  # 12 digits
                ]
            )
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build(rng: random.Random, *, start_year: int, password: str) -> School:
    """The THPT school with its year set up and its roster imported; the demo accounts `bqt.thpt`
    (admin board) and `gv.thpt` (a Toán teacher, homeroom teacher of 10A1)."""
    school, admin, _temporary = create_school(
        province=("01", "Thành phố Hà Nội"),
        commune=("00004", "Phường Ba Đình"),
        code=THPT_CODE,
        name="Trường THPT Nguyễn Trãi",
        level=School.Level.THPT,
        admin=("bqt.thpt", "Đinh Văn Quản"),
        moet_code="01000456",
    )
    admin.set_password(password)
    admin.mark_password_changed()
    admin.must_change_password = False
    admin.save()
    year, _report = setup.set_up_year(admin, school, start_year, preset="thpt", classes=THPT_CLASSES)
    subjects = {s.code: s for s in Subject.objects.filter(school=school)}
    for index, classroom in enumerate(Classroom.objects.filter(school_year=year).order_by("grade", "name")):
        name, electives, clusters = COMBINATIONS[index % len(COMBINATIONS)]
        setup.choose_electives(
            admin,
            classroom,
            electives=[subjects[c] for c in electives],
            topic_clusters=[subjects[c] for c in clusters],
            combination=name,
        )
    # the staff: one teacher per subject (two for the big ones), accounts as the admin board makes them
    teachers: dict[str, list[User]] = {}
    counter = 0
    demo_hash = make_password(password)  # every demo teacher may sign in to sign their part
    for code in subjects:
        for _ in range(2 if code in ("toan", "ngu-van", "tieng-anh") else 1):
            counter += 1
            if code == "toan" and not teachers.get(code):
                user = User(username="gv.thpt", full_name="Trịnh Thu Trang")
            else:
                user = User(username=f"thpt-gv{counter:03d}", full_name=_name(rng, rng.random() < 0.7))
            user.password = demo_hash
            user.mark_password_changed()
            user.save()
            RoleAssignment.objects.create(
                user=user, role=Role.SUBJECT_TEACHER, school=school, granted_by=admin
            )
            teachers.setdefault(code, []).append(user)
    for department in Department.objects.filter(school=school):
        first = Subject.objects.filter(school=school, department=department).order_by("order").first()
        if first is not None:
            setup.save_department(admin, school, department.name, teachers[first.code][0])
    matrix = assignments.matrix(year)
    wanted = []
    free = [u for pool in teachers.values() for u in pool if u.username != "gv.thpt"]
    for index, classroom in enumerate(matrix.classes):
        for subject in matrix.subjects:
            if (classroom.pk, subject.pk) in matrix.cells:
                pool = teachers[subject.code]
                wanted.append(assignments.CellChange(classroom, subject, pool[index % len(pool)]))
        homeroom = teachers["toan"][0] if index == 0 else free.pop(0)
        wanted.append(assignments.CellChange(classroom, None, homeroom))
    assignments.save_matrix(admin, year, wanted, effective=year.start_date)
    batch, _preview = roster.upload(admin, year, "danh-sach-hoc-sinh-csdl-nganh.xlsx", roster_file(rng, year))
    roster.apply(admin, batch)
    return school
