"""Input a probe sends that the forms never would: each is refused with a Vietnamese message naming what
is wrong, before anything is written, and never as a server error. Text typed in decomposed Unicode is
kept in NFC whichever way it comes in."""

from __future__ import annotations

import copy
import json
import unicodedata
from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from openpyxl import Workbook

from accounts.models import User
from accounts.services import IMPORT_HEADERS, AccountError, create_account
from gradebook.models import DisciplineNote, Enrolment, ExternalYearRecord, Score, Student, SubjectComment
from sodiem.text import nfc as nfc_all
from transcripts import xml_hocba

pytestmark = pytest.mark.django_db
NFD = unicodedata.normalize("NFD", "Nguyễn Thị Hường")
NS = {"h": xml_hocba.NS}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def xlsx(rows, formulas: dict | None = None) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cell, formula in (formulas or {}).items():
        sheet[cell] = formula  # openpyxl keeps the formula without a computed result
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("file.xlsx", buffer.getvalue())


# --- the staff import ------------------------------------------------------------------------------


def test_a_value_longer_than_its_column_is_refused_in_the_preview(world, client):
    client.force_login(world.admin_board)
    rows = [
        IMPORT_HEADERS,
        ["gv.dai", "Phạm Văn Dài", "", "0" * 31, "Giáo viên bộ môn", ""],
        ["gv.mail", "Lê Thị Thư", "a" * 250 + "@x.vn", "", "Giáo viên bộ môn", ""],
        ["gv.ngan", "Hồ Văn Ngắn", "", "0912345678", "Giáo viên bộ môn", ""],
    ]
    response = client.post(reverse("accounts:staff_import"), {"file": xlsx(rows)})
    report = response.context["report"]
    refused = {r.number: " ".join(r.errors) for r in report.refused_rows}
    assert "Số điện thoại quá dài" in refused[2] and "30" in refused[2]
    assert 3 in refused
    assert [r.number for r in report.valid_rows] == [4]
    assert client.post(reverse("accounts:staff_import_confirm")).status_code == 200
    assert set(User.objects.filter(username__startswith="gv.").values_list("username", flat=True)) == {
        "gv.ngan"
    }
    # and the service itself refuses it, whatever calls it
    with pytest.raises(AccountError):
        create_account(world.admin_board, world.school, username="gv.x", full_name="X Y", phone="1" * 31)


def test_a_formula_without_its_result_is_refused_not_read_as_blank(world, client):
    client.force_login(world.admin_board)
    rows = [IMPORT_HEADERS, ["gv.cong", "Phạm Văn Công", "", "", "Giáo viên bộ môn", ""]]
    response = client.post(
        reverse("accounts:staff_import"), {"file": xlsx(rows, formulas={"B2": '=CONCAT("Phạm ", "Văn")'})}
    )
    page = response.content.decode()
    assert "B2" in page and "công thức" in page
    assert response.context["report"] is None and not User.objects.filter(username="gv.cong").exists()


def test_staff_import_names_are_kept_in_nfc(world, client):
    client.force_login(world.admin_board)
    client.post(
        reverse("accounts:staff_import"),
        {"file": xlsx([IMPORT_HEADERS, ["gv.huong", NFD, "", "", "Giáo viên bộ môn", ""]])},
    )
    client.post(reverse("accounts:staff_import_confirm"))
    assert User.objects.get(username="gv.huong").full_name == nfc(NFD)


# --- the grid's Excel import -----------------------------------------------------------------------


def grid_file(client, world, assignment, term="HK1") -> bytes:
    return client.get(reverse("grid_excel", args=[assignment.uuid, term])).content


def upload(client, world, content, term="HK1"):
    return client.post(
        reverse("grid_import", args=[world.math.uuid, term]), {"file": SimpleUploadedFile("d.xlsx", content)}
    )


def test_the_template_of_another_class_subject_or_term_is_refused_whole(world, client):
    client.force_login(world.head)  # teaches Toán in 6A2
    other = grid_file(client, world, world.other_math)
    client.force_login(world.math_teacher)
    page = upload(client, world, other).content.decode()
    assert "6A2" in page and "Toán" in page and "HK1" in page and "không phải của trang này" in page
    own_hk2 = grid_file(client, world, world.math, "HK2")
    page = upload(client, world, own_hk2).content.decode()
    assert "HK2" in page and "không phải của trang này" in page
    assert Score.objects.count() == 0


def test_students_missing_from_the_file_are_listed(world, client):
    from openpyxl import load_workbook

    second = Enrolment.objects.get(student=world.other_student)
    second.classroom = world.classroom
    second.save()
    client.force_login(world.math_teacher)
    workbook = load_workbook(BytesIO(grid_file(client, world, world.math)))
    sheet = workbook.active
    for row in range(7, sheet.max_row + 1):
        if sheet.cell(row, 4).value == "Lê Văn An":
            sheet.delete_rows(row)
            break
    sheet.protection.sheet = False
    buffer = BytesIO()
    workbook.save(buffer)
    response = upload(client, world, buffer.getvalue())
    assert response.context["preview"].missing == ["Lê Văn An"]
    assert "Lê Văn An" in response.content.decode()


def test_a_grid_cell_holding_a_formula_without_its_result_is_refused(world, client):
    from openpyxl import load_workbook

    client.force_login(world.math_teacher)
    workbook = load_workbook(BytesIO(grid_file(client, world, world.math)))
    workbook.active["F7"] = "=7+1"
    buffer = BytesIO()
    workbook.save(buffer)
    page = upload(client, world, buffer.getvalue()).content.decode()
    assert "F7" in page and "công thức" in page
    assert Score.objects.count() == 0


# --- the XML học bạ --------------------------------------------------------------------------------


def exported(world) -> etree._Element:
    return etree.fromstring(xml_hocba.export_student(world.student))


def earlier_year(root, start_year: int, grade: int, mark: str = "8,0"):
    year = copy.deepcopy(root.find("h:transcript/h:year", NS))
    year.set("startYear", str(start_year))
    year.set("grade", str(grade))
    year.find("h:subject/h:term1", NS).text = mark
    root.find("h:transcript", NS).append(year)
    return year


def post_xml(client, world, root):
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    assert xml_hocba.schema().validate(etree.fromstring(data))  # each case passes the schema…
    return client.post(
        reverse("transfer_in"),
        {"classroom": world.classroom.pk, "on": "02/11/2026", "xml": SimpleUploadedFile("hb.xml", data)},
    )


@pytest.fixture
def newcomer(world):
    """The export of a student, renamed: the file of a newcomer from another school."""
    root = exported(world)
    student = root.find("h:transcript/h:student", NS)
    student.find("h:familyName", NS).text = "Đặng"
    student.find("h:givenName", NS).text = "Khoa"
    return root


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda root: [earlier_year(root, 2025, 6), earlier_year(root, 2025, 6)],
            "năm học 2025-2026 có hai lần",
        ),
        (lambda root: earlier_year(root, 2025, 6, mark="10,5"), "10,5"),
        (lambda root: setattr(root.find(".//h:dateOfBirth", NS), "text", "2031-01-01"), "ở tương lai"),
        (
            lambda root: setattr(root.find(".//h:dateOfBirth", NS), "text", "1990-01-01"),
            "không hợp với lớp 6",
        ),
        (lambda root: setattr(root.find(".//h:middleName", NS), "text", "Văn " * 25), "tối đa 80"),
        (lambda root: setattr(earlier_year(root, 2025, 6).find("h:className", NS), "text", "6A" * 11), "lớp"),
    ],
    ids=["same-year-twice", "mark-above-10", "born-in-the-future", "implausible-birth", "too-long", "class"],
)
def test_an_xml_file_that_cannot_be_kept_is_refused_with_its_reason(world, client, newcomer, change, message):
    client.force_login(world.admin_board)
    change(newcomer)
    response = post_xml(client, world, newcomer)
    page = response.content.decode()
    assert response.status_code == 400 and message in page and "Đặng" in page
    assert not Student.objects.filter(given_name="Khoa").exists()


def test_a_personal_id_already_in_the_system_is_refused(world, client, newcomer):
    Student.objects.filter(pk=world.other_student.pk).update(personal_id="001215099999")
    newcomer.find(".//h:personalId", NS).text = "001215099999"
    client.force_login(world.admin_board)
    response = post_xml(client, world, newcomer)
    assert response.status_code == 400 and "trong hệ thống" in response.content.decode()


def test_an_xml_transfer_in_is_shown_before_it_is_written(world, client, newcomer):
    newcomer.find(".//h:givenName", NS).text = unicodedata.normalize("NFD", "Hường")  # decomposed
    earlier_year(newcomer, 2025, 6, mark="7,5")
    client.force_login(world.admin_board)
    response = post_xml(client, world, newcomer)
    page = response.content.decode()
    assert response.status_code == 200 and "Đặng" in page and "2025-2026" in page
    assert not Student.objects.filter(family_name="Đặng").exists()  # nothing written yet
    response = client.post(reverse("transfer_in"), {"step": "confirm"})
    assert response.status_code == 302
    student = Student.objects.get(family_name="Đặng")
    assert student.given_name == nfc(student.given_name) and student.given_name == "Hường"
    assert ExternalYearRecord.objects.get(student=student).start_year == 2025
    assert student.enrolments.get().classroom == world.classroom
    # the confirmation cannot be replayed
    client.post(reverse("transfer_in"), {"step": "confirm"})
    assert Student.objects.filter(family_name="Đặng").count() == 1


# --- Unicode NFC on every input path ----------------------------------------------------------------


def test_form_fields_are_kept_in_nfc(world, client):
    client.force_login(world.literature_teacher)  # the homeroom teacher of 6A1
    response = client.post(
        reverse("discipline", args=[world.classroom.uuid]),
        {"action": "note", "enrolment": str(world.enrolment.uuid), "date": "03/11/2026", "text": NFD},
    )
    assert response.status_code in (200, 302)
    note = DisciplineNote.objects.get()
    assert note.text == nfc(NFD) and note.text != NFD


def test_grid_cells_sent_as_json_are_kept_in_nfc(world, client):
    client.force_login(world.math_teacher)
    response = client.post(
        reverse("grid_save", args=[world.math.uuid, "HK1"]),
        {
            "changes": [
                {"enrolment": str(world.enrolment.uuid), "column": "comment", "value": NFD, "version": 0}
            ]
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert SubjectComment.objects.get().text == nfc(NFD)


def test_grid_cells_escaped_in_json_are_kept_in_nfc_too(world, client):
    client.force_login(world.math_teacher)
    body = json.dumps(  # ensure_ascii: every letter an escape, the decomposed marks too
        {
            "changes": [
                {"enrolment": str(world.enrolment.uuid), "column": "comment", "value": NFD, "version": 0}
            ]
        }
    )
    assert "\\u0301" in body or "\\u0309" in body or "\\u0323" in body
    response = client.post(
        reverse("grid_save", args=[world.math.uuid, "HK1"]), body, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert SubjectComment.objects.get().text == nfc(NFD)


@given(
    st.recursive(
        st.text(
            # letters, marks, and what an escape ends in: quote, backslash, n r t b f, control characters
            alphabet=st.sampled_from(
                'aeiouyAEĐđ "\\\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b\u212b\n\r\t\b\f\x1e\x1b/'
            )
        ),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
        max_leaves=8,
    ),
    st.booleans(),
)
def test_a_json_body_normalised_whole_equals_every_string_normalised(value, escaped):
    from sodiem.text import json_nfc

    body = json.dumps(value, ensure_ascii=escaped).encode()
    assert json_nfc(body) == nfc_all(json.loads(body))


def test_query_strings_are_normalised_too(world, client):
    client.force_login(world.admin_board)
    response = client.get(reverse("student_list"), {"q": unicodedata.normalize("NFD", "Bình")})
    assert "Trần Thị Bình" in response.content.decode()


def test_dates_of_birth_outside_reason_are_named():
    from gradebook.validation import birth_problem

    assert birth_problem(date(2015, 3, 1), 6, 2026) == ""  # 11 in grade 6
    assert birth_problem(date(2009, 3, 1), 6, 2026) == ""  # 17: late starter, repeated years
    assert "không hợp với lớp 6" in birth_problem(date(2008, 12, 31), 6, 2026)  # 18
    assert "không hợp với lớp 10" in birth_problem(date(2015, 1, 1), 10, 2026)  # 11 in grade 10
    assert "ở tương lai" in birth_problem(date(2027, 1, 1), 6, 2026, today=date(2026, 12, 3))


# the grid's cells as the template wrote them before gradebook/templatetags/grid_cells.py
GRID_CELLS_TEMPLATE = (
    '{% for cell in row.cells %}<td data-col="{{ cell.key }}"><input class="cell'
    '{% if cell.late %} late" title="{% translate \'Entered late\' %}{% endif %}" data-col="{{ cell.key }}" '
    'data-label="{{ cell.label }}" data-version="{{ cell.version }}" data-saved="{{ cell.value }}" '
    'value="{{ cell.value }}" inputmode="decimal" autocomplete="off" aria-label="{{ name }} {{ cell.label }}"'
    '{% if row.readonly or cell.locked %} readonly{% endif %}{% if cell.locked %} title="{% translate '
    "'Locked month' %}\"{% endif %}></td>{% endfor %}"
)


def test_the_grids_cells_written_in_python_are_the_templates_markup_escaped_alike():
    """gradebook/templatetags/grid_cells.py replaced this template loop: the same markup for late,
    locked, read-only and hostile cells."""
    from types import SimpleNamespace

    from django.template import Context, Template

    from gradebook.templatetags.grid_cells import _cell_titles, _cells, _esc

    reference = Template("{% load i18n %}" + GRID_CELLS_TEMPLATE)
    cells = [
        SimpleNamespace(key="tx1", label="ĐĐGtx 1", value="8,5", version=3, late=True, locked=False),
        SimpleNamespace(
            key="gk", label="ĐĐGgk", value='"><script>alert(1)</script>', version=0, late=False, locked=True
        ),
        SimpleNamespace(key="ck", label="ĐĐGck", value="", version=1, late=False, locked=False),
    ]
    for readonly in (False, True):
        context = {"row": SimpleNamespace(cells=cells, readonly=readonly), "name": "Lê Thị <b>Hà</b>"}
        expected = reference.render(Context(context))
        assert _cells(context["row"], _esc(context["name"]), {}, *_cell_titles()) == expected
        assert "<script>" not in expected and "&lt;b&gt;" in expected


def test_the_grids_rows_written_in_python_are_the_templates_markup_escaped_alike():
    """gradebook/templatetags/grid_cells.py `grid_rows` replaced this template loop: the same markup,
    whitespace included, for a studying, an exempted and a departed student, read-only or not, with
    hostile names, explanations and comments."""
    from types import SimpleNamespace
    from uuid import uuid4

    from django.template import Context, Template

    reference = Template(
        "{% load i18n %}"
        "  {% for row in rows %}{% with name=row.enrolment.student.full_name %}\n"
        '    <tr data-enrolment="{{ row.enrolment.uuid }}" class="{% if not row.studying %}left{% endif %}'
        '{% if row.exempt %} exempt{% endif %}">\n'
        '      <td class="num">{% if row.studying %}{{ row.number }}{% endif %}</td>\n'
        '      <td class="name">{{ name }}{% if row.exempt %} <span class="tag">{% translate "exempt" %}</span>'
        '{% endif %}{% if not row.studying %} <span class="tag">{{ row.enrolment.get_status_display }}</span>'
        "{% endif %}</td>\n"
        '      <td class="dob">{{ row.enrolment.student.date_of_birth|date:"d/m/Y" }}</td>\n'
        "      " + GRID_CELLS_TEMPLATE + "\n"
        '      <td class="avg"><span class="avg-value">{{ row.average }}</span> <button type="button" '
        'class="why" title="{{ row.explanation }}" aria-label="{% translate \'Why?\' %}">?</button></td>\n'
        '      <td class="comment-col" data-col="comment"><input class="cell comment" list="comment-bank" '
        'data-col="comment" data-version="{{ row.comment.version }}" data-saved="{{ row.comment.value }}" '
        'value="{{ row.comment.value }}"\n'
        '        maxlength="500" autocomplete="off" aria-label="{{ name }} {% translate \'Comment\' %}"'
        "{% if row.readonly %} readonly{% endif %}></td>\n"
        "    </tr>\n"
        "  {% endwith %}{% endfor %}\n"
    )
    ours = Template("{% load grid_cells %}  {% grid_rows rows %}\n")

    def row(name, *, number, studying=True, exempt=False, readonly=False, born=date(2014, 2, 3), **values):
        cells = [
            SimpleNamespace(key="tx1", label="ĐĐGtx 1", value="8,5", version=3, late=True, locked=False),
            SimpleNamespace(
                key="ck", label="ĐĐGck", value='"><img src=x>', version=0, late=False, locked=True
            ),
        ]
        enrolment = SimpleNamespace(
            uuid=uuid4(),
            student=SimpleNamespace(full_name=name, date_of_birth=born),
            get_status_display=lambda: 'Chuyển đi "<i>"',
        )
        return SimpleNamespace(
            enrolment=enrolment,
            number=number,
            studying=studying,
            exempt=exempt,
            readonly=readonly,
            cells=cells,
            average=values.get("average", ""),
            explanation=values.get("explanation", ""),
            comment=SimpleNamespace(version=values.get("version", 0), value=values.get("comment", "")),
        )

    rows = [
        row("Lê Thị <b>Hà</b>", number=1, average="8,5", explanation='(TX + 2×GK + 3×CK) / 6 "TT22 Điều 9"'),
        row("Trần Văn An", number=2, exempt=True, comment="</textarea><script>x</script>", version=4),
        row("Phạm & Con", number=0, studying=False, readonly=True, born=None),
    ]
    for readonly in (False, True):
        for r in rows:
            r.readonly = r.readonly or readonly
        context = {"rows": rows}
        expected = reference.render(Context(context))
        assert ours.render(Context(context)) == expected
        assert "<script>" not in expected and "&lt;b&gt;" in expected and "&quot;&lt;i&gt;&quot;" in expected
