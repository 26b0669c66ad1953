"""Statistics of a school year compared with counts made here, their Excel export and who may see them."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import District, Role, RoleAssignment
from audit.models import AuditEvent
from gradebook.selectors.quality_report import quality_report
from gradebook.selectors.statistics import school_statistics
from gradebook.services import summer as summer_service
from gradebook.services.scores import CellChange, save_grid
from tests.factories import make_user, print_paper
from tests.test_class_results import klass  # noqa: F401 — the fixture
from tests.test_correction_pages import pdf_text

pytestmark = pytest.mark.django_db


def test_year_statistics_match_the_students_results(klass):  # noqa: F811
    world = klass
    data = school_statistics(world.year, "year")
    school = data["school"]
    # 6A1: Bình all 9, Dũng and Cúc all 8: Tốt; An (Toán, Ngữ văn 3,0): Chưa đạt (TT22 Điều 9);
    # 6A2's one student has no result yet ("—")
    assert school.students == 5
    assert dict(school.academic) == {"Tốt": 3, "Chưa đạt": 1, "—": 1}
    assert dict(school.conduct) == {"Tốt": 3, "Chưa đạt": 1, "—": 1}
    assert dict(school.decisions) == {
        "Được lên lớp": 1,
        "Không được lên lớp": 1,
        "Kiểm tra, đánh giá lại": 1,
        "Rèn luyện trong hè": 1,
        "—": 1,
    }
    assert dict(school.honours) == {"Học sinh Xuất sắc": 1, "Học sinh Giỏi": 1}
    assert dict(school.bands["Toán"]) == {"8,0–10": 3, "0–3,4": 1, "—": 1}
    assert dict(school.bands["Giáo dục thể chất"]) == {"Đ": 4, "—": 1}
    assert school.percent(3) == 60
    (grade,) = data["grades"]
    assert grade.label == "Khối 6" and grade.students == 5
    assert [(g.label, g.students) for _grade, g in data["classes"]] == [("6A1", 4), ("6A2", 1)]


def test_statistics_follow_a_change_at_once(klass, django_capture_on_commit_callbacks):  # noqa: F811
    world = klass
    before = school_statistics(world.year, "HK1")["school"].bands["Toán"]
    assert before["0–3,4"] == 1
    changes = [
        CellChange(str(world.an.uuid), key, "6", 1) for key in ("tx1", "tx2", "tx3", "tx4", "gk", "ck")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        save_grid(world.math_teacher, world.math, "HK1", changes, reason="chấm lại")
    after = school_statistics(world.year, "HK1")["school"].bands["Toán"]
    assert after["0–3,4"] == 0 and after["5,0–6,4"] == 1


def test_the_page_the_export_and_who_may_see_them(klass, login):  # noqa: F811
    world = klass
    url = reverse("statistics") + "?period=year"
    page = login(world.principal).get(url).content.decode()
    assert 'id="academic"' in page and "Khối 6" in page and "Học sinh Xuất sắc" in page
    # the bars' numbers are SVG numbers, never written with the Vietnamese decimal comma
    assert re.search(r'<rect x="[0-9.]+" width="[0-9.]+"', page) and not re.search(
        r'width="[0-9]+,[0-9]', page
    )
    export = login(world.principal).get(reverse("statistics_export") + "?period=year")
    workbook = load_workbook(io.BytesIO(export.content))
    assert workbook.sheetnames == [
        "Kết quả học tập",
        "Rèn luyện",
        "Điểm trung bình môn",
        "Lên lớp, danh hiệu",
    ]
    academic = list(workbook["Kết quả học tập"].iter_rows(values_only=True))
    school_row = academic[-1]
    assert school_row[:4] == ("Toàn trường", 5, 3, 60.0)
    assert AuditEvent.objects.filter(action="export", details__what="statistics").count() == 1
    vice = make_user("pht_s", "Phan Văn Phó", school=world.school, roles=[Role.VICE_PRINCIPAL])
    assert login(vice).get(url).status_code == 200
    assert login(vice).get(reverse("statistics_export")).status_code == 403  # not delegated
    login(world.principal).post(reverse("results_delegation"), {"extract": [str(vice.uuid)]})
    assert RoleAssignment.objects.get(user=vice).may_extract_data
    assert login(type(vice).objects.get(pk=vice.pk)).get(reverse("statistics_export")).status_code == 200
    for user in (world.math_teacher, world.literature_teacher, world.parent, world.clerk):
        assert login(user).get(url).status_code == 403


def test_offices_see_their_schools_aggregated_and_nothing_else(klass, other_world, login):  # noqa: F811
    world = klass
    province = world.school.district.province
    own = make_user("phonggd_a", "Đỗ Văn Hải")
    RoleAssignment.objects.create(user=own, role=Role.DISTRICT_OFFICE, district=world.school.district)
    other_district = District.objects.create(province=province, code="999", name="Huyện Khác")
    stranger = make_user("phonggd_b", "Lê Thị Khác")
    RoleAssignment.objects.create(user=stranger, role=Role.DISTRICT_OFFICE, district=other_district)
    page = login(own).get(reverse("office_overview") + "?period=year").content.decode()
    assert world.school.name in page and "Tất cả trường" in page
    detail = login(own).get(reverse("office_school", args=[world.school.uuid]) + "?period=year")
    assert detail.status_code == 200 and "Khối 6" in detail.content.decode()
    assert "Trần Thị Bình" not in detail.content.decode()  # no student is named
    assert login(stranger).get(reverse("office_school", args=[world.school.uuid])).status_code == 404
    assert world.school.name not in login(stranger).get(reverse("office_overview")).content.decode()
    for user in (world.principal, world.math_teacher):
        assert login(user).get(reverse("office_overview")).status_code == 403
        assert login(user).get(reverse("office_school", args=[world.school.uuid])).status_code == 404
    # an office is no member of the school: its staff pages stay closed
    assert login(own).get(reverse("statistics")).status_code in (403, 404)


def test_the_public_quality_report(klass, login):  # noqa: F811
    world = klass
    report = quality_report(world.year)
    lines = {line["label"]: line for _n, _t, section in report["sections"] for line in section}
    assert report["grades"] == [6] and report["total_students"] == 5
    assert (lines["Tốt"]["total"]["n"], str(lines["Tốt"]["total"]["pct"])) == (3, "60.0")  # conduct first
    assert lines["Được lên lớp (hoàn thành chương trình)"]["total"]["n"] == 1
    assert lines["Không được lên lớp"]["total"]["n"] == 1
    assert lines["Chưa xong kiểm tra lại, rèn luyện hè"]["total"]["n"] == 2
    assert lines["Học sinh Xuất sắc"]["total"]["n"] == 1 and lines["Học sinh Giỏi"]["total"]["n"] == 1
    # after the summer: An's retests and Cúc's re-assessed conduct lift both to promoted
    summer_service.save_summer(
        world.literature_teacher,
        world.classroom,
        {
            str(world.an.uuid): {
                "retest": {str(world.math.subject_id): "6", str(world.literature.subject_id): "6"}
            },
            str(world.cuc.uuid): {"conduct": "Đạt"},
        },
    )
    lines = {
        line["label"]: line for _n, _t, section in quality_report(world.year)["sections"] for line in section
    }
    assert lines["Được lên lớp (hoàn thành chương trình)"]["total"]["n"] == 3
    assert lines["trong đó: sau kiểm tra, đánh giá lại, rèn luyện hè"]["total"]["n"] == 2
    response = print_paper(login(world.principal), reverse("quality_report_pdf"))
    text = pdf_text(response)
    assert "THÔNG BÁO" in text and "Công khai thông tin chất lượng giáo dục thực tế" in text
    assert "Được lên lớp" in text and "THỦ TRƯỞNG ĐƠN VỊ" in text and "Nguyễn Thị Hiệu" in text
    assert login(world.math_teacher).get(reverse("quality_report_pdf")).status_code == 403
    assert login(world.math_teacher).post(reverse("quality_report_pdf")).status_code == 403


def test_another_schools_principal_sees_only_their_own_school(klass, other_world, login):  # noqa: F811
    world = klass
    other = login(other_world.principal)
    page = other.get(reverse("statistics") + "?period=year").content.decode()
    assert "Học sinh Xuất sắc" not in page  # klass's honours are not theirs
    text = pdf_text(print_paper(other, reverse("quality_report_pdf")))
    assert other_world.school.name.upper() in text and world.school.name.upper() not in text
    export = other.get(reverse("statistics_export") + "?period=year")
    rows = list(load_workbook(io.BytesIO(export.content))["Kết quả học tập"].iter_rows(values_only=True))
    assert rows[-1][:2] == ("Toàn trường", 2)  # their two students, none of ours
    assert other.get(reverse("office_school", args=[world.school.uuid])).status_code == 404


def test_the_midterm_marks_are_counted_before_any_term_result(world, login):
    from datetime import date

    from gradebook.models import Enrolment
    from gradebook.selectors.statistics import midterm_distribution
    from gradebook.services.structure import assign_teacher
    from tests.factories import make_student

    for i, name in enumerate(("Nguyễn Văn An", "Phạm Thị Cúc")):
        Enrolment.objects.create(
            student=make_student(world.school, name, born=date(2015, 2, i + 1)),
            classroom=world.classroom,
            start_date=world.year.start_date,
        )
    enrolments = list(world.classroom.enrolments.order_by("student__sort_key"))  # An, Bình, Cúc
    marks = ["7,5", "9", "4"]
    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [CellChange(str(e.uuid), "gk", m) for e, m in zip(enrolments, marks, strict=True)],
    )
    pe = world.classroom.assignments.get(subject__code="gdtc")
    assign_teacher(None, pe, world.math_teacher)
    save_grid(world.math_teacher, pe, "HK1", [CellChange(str(enrolments[0].uuid), "gk", "Đ")])
    rows = {(r.subject, r.label): r for r in midterm_distribution(world.year, "HK1")}
    math = rows[("Toán", "Khối 6")]
    # 6A1's three students, and 6A2's one (nobody marked there yet)
    assert (math.entered, math.students) == (3, 4)
    assert math.band_counts == [0, 1, 0, 1, 1]  # 4 → 3,5–4,9; 7,5 → 6,5–7,9; 9 → 8,0–10
    assert math.average == "6,83"  # (7,5 + 9 + 4) / 3
    pe_row = rows[("Giáo dục thể chất", "Toàn trường")]
    assert pe_row.comment and pe_row.comment_counts == [1, 0] and pe_row.average == ""
    assert rows[("Ngữ văn", "Toàn trường")].entered == 0
    page = login(world.principal).get(reverse("statistics") + "?period=HK1").content.decode()
    assert 'id="midterm"' in page and "3/4" in page and "6,83" in page
    assert (
        'id="midterm"'
        not in login(world.principal).get(reverse("statistics") + "?period=year").content.decode()
    )


# The template the statistics tables were written with before gradebook/templatetags/stats_tables.py.
_STATS_TABLE_TEMPLATE = (
    '{% load i18n l10n %}<table class="data stats" id="{{ table_id }}"><thead><tr><th>{% translate "Class / grade" %}'
    '</th><th class="num">{% translate "Students" %}</th>{% for level in levels %}<th class="num">{{ level }}</th>'
    '{% endfor %}<th>{% translate "Chart" %}</th></tr></thead>\n'
    '<tbody>{% for row in rows %}<tr class="{% if row.total %}total{% endif %}"><td>{{ row.label }}</td>'
    '<td class="num">{{ row.students }}</td>{% for n, pct in row.cells %}<td class="num">{{ n }}{% if n %} '
    '<small class="muted">({{ pct }}%)</small>{% endif %}</td>{% endfor %}\n'
    '<td class="chart"><svg width="160" height="12" role="img" aria-label="{{ row.label }}">{% for part in row.bar %}'
    '<rect x="{{ part.x|unlocalize }}" width="{{ part.w|unlocalize }}" height="12" class="lvl{{ part.i }}"><title>'
    "{{ part.label }}: {{ part.n }}</title></rect>{% endfor %}</svg></td></tr>{% endfor %}</tbody></table>\n"
)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_statistics_tables_written_in_python_are_the_templates_markup(language):
    """The same markup and numbers as the template: counts and percentages localised (8,3 in
    Vietnamese), the bar's coordinates not, hostile class names and levels escaped."""
    from collections import Counter

    from django.template import Context, Template
    from django.utils import translation

    from gradebook.selectors.statistics import Group, table

    a = Group("6A1", students=12, academic=Counter({"Tốt": 5, "Khá": 4, "Đạt": 2, "—": 1}))
    b = Group('<b>6"A2</b>', students=7, academic=Counter({"Khá": 7}))
    empty = Group("6A3")
    school = Group("Toàn trường")
    for group in (a, b, empty):
        school.add(group)
    levels = ["Tốt", "Khá", "Đạt", "<i>Chưa đạt</i>", "—"]
    rows = table([a, b, empty, school], "academic", levels, total_from=3)
    context = {"rows": rows, "levels": levels, "table_id": "academic"}
    with translation.override(language):
        expected = Template(_STATS_TABLE_TEMPLATE).render(Context(context))
        ours = Template("{% load stats_tables %}{% stats_table rows levels table_id %}").render(
            Context(context)
        )
    assert ours == expected
    assert "&lt;b&gt;6&quot;A2&lt;/b&gt;" in expected and "&lt;i&gt;Chưa đạt&lt;/i&gt;" in expected
    assert ("(41,7%)" if language == "vi" else "(41.7%)") in expected  # 5 of 12
    assert 'width="66.7"' in expected  # 160 px × 5 / 12, unlocalised
