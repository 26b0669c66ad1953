"""Settings from the environment fail loudly; the demo school is realistic and deterministic."""

import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_check(**env):
    full = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
    }
    full.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], capture_output=True, text=True, cwd=ROOT, env=full
    )


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DEBUG": "false"}, "SECRET_KEY must be set"),
        ({"DEBUG": "false", "SECRET_KEY": "short"}, "at least 50 characters"),
        ({"DEBUG": "false", "SECRET_KEY": "k" * 30 + "z" * 30}, "ALLOWED_HOSTS must be set"),
        (
            {"DB_CONN_MAX_AGE": "forever", "DATABASE_URL": "postgres://x@localhost/y"},
            "DB_CONN_MAX_AGE='forever' is not an integer",
        ),
        ({"DATABASE_URL": "nosuchdb://what"}, "DATABASE_URL is malformed"),
    ],
)
def test_malformed_settings_fail_loudly(env, message):
    result = run_check(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_development_defaults_work_without_environment():
    result = run_check()
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_demo_school_is_realistic_and_deterministic():
    from django.core.management import call_command

    from accounts.models import School
    from gradebook.models import Classroom, Enrolment, Guardian, Score, Student

    call_command("seed_demo", school_code="DEMO-A", verbosity=0)
    school = School.objects.get(code="DEMO-A")
    classes = Classroom.objects.filter(school_year__school=school)
    assert classes.count() == 16
    assert sorted({c.grade for c in classes}) == [6, 7, 8, 9]
    sizes = [c.enrolments.count() for c in classes]
    assert min(sizes) >= 38 and max(sizes) <= 45
    assert all(c.homeroom_teacher_id for c in classes)
    assert all(a.teacher_id for c in classes for a in c.assignments.all())
    assert {c.regulation for c in classes} == {"TT22"}
    students = Student.objects.filter(school=school)
    assert all(len(s.personal_id) == 12 and s.personal_id.isdigit() for s in students)
    assert Guardian.objects.filter(student__school=school).count() == 2 * students.count()
    assert Score.objects.filter(enrolment__classroom__school_year__school=school).exists()
    _demo_tells_the_truth(school)
    first = [(s.full_name, s.date_of_birth) for s in students.order_by("pk")[:20]]
    # same seed → same data (a second school with the same seed gets the same names)
    call_command("seed_demo", school_code="DEMO-B", no_accounts=True, verbosity=0)
    again = [
        (s.full_name, s.date_of_birth)
        for s in Student.objects.filter(school__code="DEMO-B").order_by("pk")[:20]
    ]
    assert first == again
    assert Enrolment.objects.filter(classroom__school_year__school__code="DEMO-B").count() == students.count()
    _demo_documents_print(school)


@pytest.mark.django_db
def test_the_demo_school_with_its_earlier_years():
    """`seed_demo --years 4`: 9A1's students were in 8A1, 7A1 and 6A1 the years before, with the
    teachers of today's classes of those names, every score entered, the year approved; their học bạ
    has four years."""
    import subprocess

    from django.core.management import call_command

    from accounts.models import School
    from audit.models import IntegrityCheck
    from gradebook.models import Classroom, Enrolment, ResultsApproval, SchoolYear
    from gradebook.selectors.results import compute_results
    from transcripts.documents import Kind, Target, issue

    call_command("seed_demo", school_code="DEMO-Y", size=200, years=4, verbosity=0)
    school = School.objects.get(code="DEMO-Y")
    years = list(SchoolYear.objects.filter(school=school).order_by("start_year"))
    assert [(y.start_year, y.is_current) for y in years] == [
        (2023, False),
        (2024, False),
        (2025, False),
        (2026, True),
    ]
    assert [sorted(c.name for c in y.classrooms.all()) for y in years[:3]] == [
        ["6A1"],
        ["6A1", "7A1"],
        ["6A1", "7A1", "8A1"],
    ]
    today = Classroom.objects.get(school_year=years[3], name="9A1")
    student = today.enrolments.order_by("student__sort_key").first().student
    course = Enrolment.objects.filter(student=student).order_by("classroom__school_year__start_year")
    assert [e.classroom.name for e in course] == ["6A1", "7A1", "8A1", "9A1"]
    earlier = Classroom.objects.get(school_year=years[2], name="8A1")
    same = Classroom.objects.get(school_year=years[3], name="8A1")
    assert earlier.homeroom_teacher == same.homeroom_teacher
    assert dict(earlier.assignments.values_list("subject__code", "teacher_id")) == dict(
        same.assignments.values_list("subject__code", "teacher_id")
    )
    assert ResultsApproval.objects.filter(classroom=earlier, status="approved").count() == 3
    results = compute_results(years[2], [earlier])
    assert all(r.decision for r in results.values())  # every score there: every student decided
    assert IntegrityCheck.objects.filter(chain=school.pk).latest("at").ok
    document = issue(Target(Kind.TRANSCRIPT, school, years[3], student=student), user=None)
    with document.file.open("rb") as f:
        text = " ".join(
            subprocess.run(["pdftotext", "-", "-"], input=f.read(), capture_output=True, check=True)
            .stdout.decode()
            .split()
        )
    assert document.pages == 11  # cover, guide, page 1, two pages a year
    for name, label in (("6A1", "2023 - 2024"), ("7A1", "2024 - 2025"), ("8A1", "2025 - 2026")):
        assert f"Lớp: {name} Năm học: {label}" in text
    assert "ngày 28 tháng 5 năm 2026" in text  # 8A1's year approved by the principal at its end
    # opened in 2023, under Quận Cầu Giấy's education office (the commune's committee since 1/7/2025)
    assert "phòng giáo dục và đào tạo cầu giấy" in text.lower()
    assert "Sở Giáo dục" not in text


def _demo_tells_the_truth(school):
    """The October lock was carried out on the morning it took effect, and no homeroom teacher is asked
    to confirm a month it closed; the cover names the commune, as since 1/7/2025."""
    from datetime import date

    from accounts import authz
    from gradebook.models import Classroom, PeriodLock
    from gradebook.selectors.inbox import inbox
    from gradebook.selectors.structure import current_year
    from transcripts.selectors import school_lines

    year = current_year(school)
    lock = PeriodLock.objects.get(school_year=year, term="month")
    assert lock.carried_out_at == lock.locked_at
    # told with its history: the seed's own integrity check finds every row as its trail says
    from audit.models import IntegrityCheck

    check = IntegrityCheck.objects.filter(chain=school.pk).latest("at")
    assert check.ok, check.problems
    homeroom = Classroom.objects.get(school_year=year, name="6A1").homeroom_teacher
    today = date(year.start_year, 12, 10)  # November is due, September and October are locked
    keys = {i.key for i in inbox(homeroom, school, year, authz.roles_in(homeroom, school), today)}
    assert f"attendance-{year.start_year}-11" in keys
    assert not keys & {f"attendance-{year.start_year}-09", f"attendance-{year.start_year}-10"}
    lines = school_lines(school, year)
    assert (lines["unit_label"], lines["unit"]) == ("Xã/Phường/Đặc khu", "Phường Cầu Giấy")
    # every demo role's home page lists what waits on them, and every line opens its page
    from django.test import Client

    from accounts.models import User

    # (late November: term I's columns are behind, the accounts were never used)
    expected = {
        "hieutruong": "entries-overdue",
        "bqt": "accounts-never-used",
        "gvcn": "scores-due",
    }
    for username, key in expected.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        page = client.get("/").content.decode()
        assert f'data-key="{key}"' in page, username
        links = re.findall(r'<li class="inbox-[^"]*" data-key="[^"]*"><a href="([^"]+)"', page)
        assert links, username
        for href in links:
            assert client.get(unescape(href)).status_code == 200, (username, href)


def _demo_documents_print(school):
    """On the demo school: the homeroom class's results summary and a teacher's filled book,
    read back with pdftotext (names with diacritics, scores as entered, print time, page count); the
    demo's signing certificate is in place."""
    import subprocess

    from django.utils import timezone

    from gradebook.models import Classroom, Score
    from gradebook.selectors.structure import current_year
    from transcripts.documents import Kind, Target, issue
    from transcripts.signing import active_certificate

    year = current_year(school)
    classroom = Classroom.objects.get(school_year=year, name="6A1")
    document = issue(Target(Kind.RESULTS_SUMMARY, school, year, classroom=classroom, period="HK1"), user=None)
    with document.file.open("rb") as f:
        pdf = f.read()
    text = " ".join(
        subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
        .stdout.decode()
        .split()
    )
    first = classroom.enrolments.order_by("student__sort_key").first().student
    assert (
        first.full_name in text
        and f"Lớp: 6A1 - Học kì I - Năm học {year.start_year} - {year.start_year + 1}" in text
    )
    assert f"In lúc {timezone.localtime(document.printed_at):%H:%M}" in text and f"/ {document.pages}" in text
    score = (
        Score.objects.filter(assignment__classroom=classroom, value__isnull=False)
        .select_related("assignment__teacher")
        .first()
    )
    book = issue(Target(Kind.TEACHER_BOOK, school, year, teacher=score.assignment.teacher), user=None)
    with book.file.open("rb") as f:
        book_text = subprocess.run(
            ["pdftotext", "-", "-"], input=f.read(), capture_output=True, check=True
        ).stdout.decode()
    assert score.assignment.teacher.full_name in book_text
    assert f"{score.value:.1f}".replace(".", ",") in book_text
    assert active_certificate(school) is not None
