"""Score entry: validation, partial saves, versions, history, permissions, locks, mistake guard."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from gradebook.models import AssessmentColumn, Enrolment, Exemption, PeriodLock, Score, SubjectComment
from gradebook.services.scores import CellChange, GridError, check_grid, parse_cell, save_grid
from sodiem.domain import Actor
from tests.factories import make_student

pytestmark = pytest.mark.django_db


def change(world, column, value, version=0, enrolment=None):
    return CellChange(str((enrolment or world.enrolment).uuid), column, value, version)


def stored(world, column="tx1", enrolment=None):
    kind, index = {"gk": ("midterm", 1), "ck": ("final", 1)}.get(
        column, ("regular", int(column[2:]) if column.startswith("tx") else 1)
    )
    return Score.objects.get(
        assignment=world.math, enrolment=enrolment or world.enrolment, term="HK1", kind=kind, index=index
    )


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("8", (Decimal("8.0"), "")),
        ("8,5", (Decimal("8.5"), "")),
        ("8.5", (Decimal("8.5"), "")),
        (" 10 ", (Decimal("10.0"), "")),
        ("0", (Decimal("0.0"), "")),
        ("", (None, "")),
    ],
)
def test_parse_accepts_comma_and_point(raw, expected):
    assert parse_cell("score", raw) == expected


@pytest.mark.parametrize("raw", ["11", "8,55", "-1", "tám", "8,", "1e1", "10,5", "Đ"])
def test_parse_refuses_bad_scores_with_a_vietnamese_message(raw):
    with pytest.raises(ValueError, match="điểm|Điểm"):
        parse_cell("score", raw)


def test_parse_comment_levels():
    assert parse_cell("comment", "đ") == (None, "D")
    assert parse_cell("comment", "CĐ") == (None, "CD")
    with pytest.raises(ValueError, match="Đạt"):
        parse_cell("comment", "8")


def test_valid_cells_save_even_when_a_neighbour_is_invalid(world):
    report = save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [change(world, "tx1", "8,5"), change(world, "tx2", "12"), change(world, "gk", "7")],
    )
    statuses = {o.column: o.status for o in report.outcomes}
    assert statuses == {"tx1": "saved", "tx2": "refused", "gk": "saved"}
    assert next(o.message for o in report.outcomes if o.column == "tx2") == "Điểm không được lớn hơn 10."
    assert stored(world, "tx1").value == Decimal("8.5")
    assert not Score.objects.filter(kind="regular", index=2).exists()


def test_every_changed_cell_has_its_history_row_with_user_ip_and_reason(world):
    save_grid(
        Actor(world.math_teacher, "10.1.2.3"),
        world.math,
        "HK1",
        [change(world, "tx1", "7"), change(world, "tx2", "6")],
    )
    first = stored(world, "tx1")
    assert first.history.count() == 1
    assert first.history.first().history_user == world.math_teacher
    assert first.history.first().ip_address == "10.1.2.3"
    # changing a saved score needs a reason, kept in history
    report = save_grid(world.math_teacher, world.math, "HK1", [change(world, "tx1", "9", version=1)])
    assert report.outcomes[0].status == "refused" and "lý do" in report.outcomes[0].message
    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [change(world, "tx1", "9", version=1)],
        reason="Nhập nhầm bài của bạn khác",
    )
    rows = list(stored(world, "tx1").history.order_by("history_date"))
    assert [r.value for r in rows] == [Decimal("7.0"), Decimal("9.0")]
    assert rows[-1].history_change_reason == "Nhập nhầm bài của bạn khác"
    assert rows[-1].history_type == "~"
    assert stored(world, "tx2").history.count() == 1  # untouched cell: no new row


def test_stale_version_is_refused_cell_by_cell(world):
    save_grid(world.math_teacher, world.math, "HK1", [change(world, "tx1", "7"), change(world, "tx2", "6")])
    # another tab saved tx1 meanwhile
    save_grid(world.math_teacher, world.math, "HK1", [change(world, "tx1", "8", version=1)], reason="sửa")
    report = save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [
            change(world, "tx1", "5", version=1),
            change(world, "tx2", "6,5", version=1),
            change(world, "gk", "9"),
        ],
        reason="sửa",
    )
    outcome = {o.column: o for o in report.outcomes}
    assert outcome["tx1"].status == "conflict"
    assert outcome["tx1"].value == "8" and outcome["tx1"].changed_by == world.math_teacher.full_name
    assert outcome["tx2"].status == "saved" and outcome["gk"].status == "saved"
    assert stored(world, "tx1").value == Decimal("8.0")


def test_same_value_from_a_stale_tab_is_not_a_conflict(world):
    save_grid(world.math_teacher, world.math, "HK1", [change(world, "tx1", "7")])
    report = save_grid(world.math_teacher, world.math, "HK1", [change(world, "tx1", "7,0", version=0)])
    assert report.outcomes[0].status == "unchanged"


def test_clearing_a_cell_keeps_a_trace(world):
    save_grid(world.math_teacher, world.math, "HK1", [change(world, "tx1", "7")])
    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [change(world, "tx1", "", version=1)],
        reason="Học sinh vắng, chưa kiểm tra",
    )
    score = stored(world, "tx1")
    assert score.value is None and score.version == 2
    assert [h.value for h in score.history.order_by("history_date")] == [Decimal("7.0"), None]


@pytest.mark.parametrize("who", ["literature_teacher", "principal", "clerk", "head", "parent"])
def test_only_the_assigned_teacher_writes(world, who):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        save_grid(getattr(world, who), world.math, "HK1", [change(world, "tx1", "7")])
    assert not Score.objects.exists()


def test_other_school_gets_404(world, other_world):
    from django.http import Http404

    with pytest.raises(Http404):
        save_grid(other_world.math_teacher, world.math, "HK1", [change(world, "tx1", "7")])


def in_force(world, **fields):
    fields.setdefault("locked_at", timezone.now() - timedelta(hours=1))
    return PeriodLock.objects.create(school_year=world.year, carried_out_at=timezone.now(), **fields)


def test_locked_period_refuses_every_cell(world):
    lock = in_force(world, term="HK1")
    with pytest.raises(GridError, match="khóa"):
        save_grid(world.math_teacher, world.math, "HK1", [change(world, "tx1", "7")])
    save_grid(world.math_teacher, world.math, "HK2", [change(world, "tx1", "7")])  # HK2 stays open
    lock.reopenings.create(
        purpose="Thi lại",
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=1),
        carried_out_at=timezone.now(),
    )
    save_grid(world.math_teacher, world.math, "HK1", [change(world, "tx1", "7")])
    assert Score.objects.count() == 2


def test_a_lock_of_another_class_or_grade_does_not_apply(world):
    in_force(world, classroom=world.other_classroom, term="year")
    in_force(world, grade=7, term="HK1")
    save_grid(world.math_teacher, world.math, "HK1", [change(world, "tx1", "7")])
    assert Score.objects.count() == 1


def test_tt58_exempt_student_takes_no_score_but_tt22_does(world):
    gdtc = world.classroom.assignments.get(subject__code="gdtc")
    from gradebook.services.structure import assign_teacher

    assign_teacher(None, gdtc, world.math_teacher)
    Exemption.objects.create(enrolment=world.enrolment, subject=gdtc.subject, scope="year", reason="Bệnh án")
    # TT22 Điều 10: only the practical part is exempted, the student is assessed on theory
    report = save_grid(world.math_teacher, gdtc, "HK1", [CellChange(str(world.enrolment.uuid), "tx1", "Đ")])
    assert report.outcomes[0].status == "saved"
    world.classroom.regulation = "TT58+TT26"
    world.classroom.save()
    gdtc.refresh_from_db()
    report = save_grid(world.math_teacher, gdtc, "HK1", [CellChange(str(world.enrolment.uuid), "tx2", "Đ")])
    assert report.outcomes[0].status == "refused" and "miễn" in report.outcomes[0].message


def test_student_who_left_takes_no_new_score(world):
    Enrolment.objects.filter(pk=world.enrolment.pk).update(status="transferred_out")
    report = save_grid(world.math_teacher, world.math, "HK1", [change(world, "tx1", "7")])
    assert report.outcomes[0].status == "refused"


def test_comments_are_saved_with_versions(world):
    save_grid(world.math_teacher, world.math, "HK1", [change(world, "comment", "Chăm chỉ, tiến bộ rõ")])
    comment = SubjectComment.objects.get()
    assert comment.text == "Chăm chỉ, tiến bộ rõ" and comment.history.count() == 1
    report = save_grid(
        world.math_teacher, world.math, "HK1", [change(world, "comment", "x" * 501, version=1)]
    )
    assert report.outcomes[0].status == "refused"


def test_late_entries_are_flagged(world):
    world.school.regular_entry_days = 7
    world.school.save()
    today = timezone.localdate()
    AssessmentColumn.objects.create(
        assignment=world.math, term="HK1", kind="regular", index=1, held_on=today - timedelta(days=10)
    )
    AssessmentColumn.objects.create(
        assignment=world.math, term="HK1", kind="regular", index=2, held_on=today - timedelta(days=3)
    )
    AssessmentColumn.objects.create(
        assignment=world.math, term="HK1", kind="midterm", index=1, held_on=today - timedelta(days=10)
    )
    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [change(world, "tx1", "7"), change(world, "tx2", "7"), change(world, "gk", "7")],
    )
    assert stored(world, "tx1").late is True
    assert stored(world, "tx2").late is False
    assert stored(world, "gk").late is False  # periodic: 14 days


def test_column_dates_are_saved(world):
    save_grid(world.math_teacher, world.math, "HK1", [], dates={"tx1": date(2026, 10, 5)})
    assert AssessmentColumn.objects.get(kind="regular", index=1).held_on == date(2026, 10, 5)


def roster(world, n):
    enrolments = [world.enrolment]
    for i in range(n - 1):
        student = make_student(world.school, f"Phạm Văn Học{chr(65 + i)}", born=date(2015, 1, 1 + i))
        enrolments.append(
            Enrolment.objects.create(
                student=student, classroom=world.classroom, start_date=world.year.start_date
            )
        )
    return sorted(enrolments, key=lambda e: e.student.sort_key)


@pytest.mark.parametrize("path", ["postgresql", "orm"])
def test_both_write_paths_keep_the_same_rows_and_history(world, monkeypatch, path):
    """PostgreSQL takes the set-based statement, SQLite (the demo) the ORM path: same result."""
    from gradebook.services import bulk_history

    if path == "orm":
        monkeypatch.setattr(bulk_history.connection, "vendor", "sqlite")
    save_grid(
        Actor(world.math_teacher, "10.0.0.9"),
        world.math,
        "HK1",
        [change(world, "tx1", "7"), change(world, "gk", "6,5")],
    )
    long_reason = "Sửa vì " + "nhập nhầm " * 20
    save_grid(
        Actor(world.math_teacher, "10.0.0.9"),
        world.math,
        "HK1",
        [change(world, "tx1", "8", 1)],
        reason=long_reason,
    )
    tx1, gk = stored(world, "tx1"), stored(world, "gk")
    assert (tx1.value, tx1.version, gk.value, gk.version) == (Decimal("8.0"), 2, Decimal("6.5"), 1)
    assert tx1.first_entered_at is not None and tx1.updated_by == world.math_teacher
    history = list(tx1.history.order_by("history_id"))
    assert [(h.history_type, h.value, h.version) for h in history] == [
        ("+", Decimal("7.0"), 1),
        ("~", Decimal("8.0"), 2),
    ]
    assert {h.history_user for h in history} == {world.math_teacher} and {h.ip_address for h in history} == {
        "10.0.0.9"
    }
    assert history[1].history_change_reason == long_reason[:100].strip() and history[
        0
    ].history_change_reason in ("", None)
    assert history[1].uuid == tx1.uuid and history[1].enrolment_id == world.enrolment.pk
    assert gk.history.count() == 1


def test_check_shows_the_diff_and_asks_for_a_reason(world):
    save_grid(world.math_teacher, world.math, "HK1", [change(world, "tx1", "7")])
    report = check_grid(
        world.math_teacher, world.math, "HK1", [change(world, "tx1", "8", 1), change(world, "tx2", "6")]
    )
    assert [(d.column, d.old, d.new) for d in report.diff] == [("ĐĐGtx 1", "7", "8"), ("ĐĐGtx 2", "∅", "6")]
    assert report.needs_reason


def test_check_flags_a_cell_saved_by_someone_else_since_loading(world):
    save_grid(world.math_teacher, world.math, "HK1", [change(world, "tx1", "8")])  # the other tab
    report = check_grid(
        world.math_teacher, world.math, "HK1", [change(world, "tx1", "5", 0), change(world, "tx2", "6")]
    )
    stale, fresh = report.diff
    assert (stale.column, stale.old, stale.new) == ("ĐĐGtx 1", "8", "5")
    assert world.math_teacher.get_full_name() in stale.conflict and not fresh.conflict
    assert not report.needs_reason  # no reason asked for a change that will be refused


def test_check_warns_about_a_column_shifted_by_one_row(world):
    enrolments = roster(world, 8)
    values = ["5", "6", "7", "8", "9", "4", "3", "10"]
    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [change(world, "tx1", v, enrolment=e) for e, v in zip(enrolments, values, strict=True)],
    )
    # the same column typed again, one row too low
    shifted = [
        change(world, "tx1", v, version=1, enrolment=e)
        for e, v in zip(enrolments[1:], values[:-1], strict=True)
    ]
    report = check_grid(world.math_teacher, world.math, "HK1", shifted)
    assert any("lệch một dòng" in w for w in report.warnings), report.warnings


def test_check_warns_about_values_of_the_wrong_column(world):
    enrolments = roster(world, 6)
    values = ["5", "6", "7", "8", "9", "4"]
    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [change(world, "tx1", v, enrolment=e) for e, v in zip(enrolments, values, strict=True)],
    )
    report = check_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [change(world, "tx2", v, enrolment=e) for e, v in zip(enrolments, values, strict=True)],
    )
    assert any("ĐĐGtx 1" in w and "nhầm cột" in w for w in report.warnings), report.warnings


def test_check_warns_about_a_block_copied_from_another_class(world):
    from gradebook.services.structure import assign_teacher

    enrolments = roster(world, 6)
    values = ["5", "6,5", "7", "8", "9", "4"]
    other = []
    for i in range(6):
        student = make_student(world.school, f"Lý Thị Khác{chr(65 + i)}")
        other.append(
            Enrolment.objects.create(
                student=student, classroom=world.other_classroom, start_date=world.year.start_date
            )
        )
    other.sort(key=lambda e: e.student.sort_key)
    assign_teacher(None, world.other_math, world.math_teacher)
    save_grid(
        world.math_teacher,
        world.other_math,
        "HK1",
        [CellChange(str(e.uuid), "gk", v) for e, v in zip(other, values, strict=True)],
    )
    report = check_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [change(world, "gk", v, enrolment=e) for e, v in zip(enrolments, values, strict=True)],
    )
    assert any("6A2" in w for w in report.warnings), report.warnings


def test_check_warns_about_a_score_far_from_the_others(world):
    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [change(world, "tx1", "8"), change(world, "tx2", "9"), change(world, "tx3", "8,5")],
    )
    report = check_grid(world.math_teacher, world.math, "HK1", [change(world, "gk", "2")])
    assert any("Trần Thị Bình" in w and "2" in w for w in report.warnings)


# -- the HTTP side ---------------------------------------------------------------------------------


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json", HTTP_ACCEPT="application/json")


def test_grid_page_shows_the_roster_in_order_and_required_columns(world, client):
    roster(world, 3)
    client.force_login(world.math_teacher)
    response = client.get(reverse("grid", args=[world.math.uuid, "HK1"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert [c.key for c in response.context["columns"]] == [
        "tx1",
        "tx2",
        "tx3",
        "tx4",
        "gk",
        "ck",
    ]  # Toán 140 tiết → 4 ĐĐGtx
    names = [r.enrolment.student.full_name for r in response.context["rows"]]
    assert names == sorted(
        names, key=lambda n: __import__("accounts.vietnamese", fromlist=["x"]).person_sort_key(n)
    )
    assert 'data-editable="1"' in page


def test_homeroom_teacher_sees_the_grid_read_only_and_others_get_403(world, client):
    client.force_login(world.literature_teacher)  # homeroom teacher of 6A1
    response = client.get(reverse("grid", args=[world.math.uuid, "HK1"]))
    assert response.status_code == 200 and 'data-editable="0"' in response.content.decode()
    assert (
        post_json(client, reverse("grid_save", args=[world.math.uuid, "HK1"]), {"changes": []}).status_code
        == 403
    )
    client.force_login(world.math_teacher)
    assert client.get(reverse("grid", args=[world.literature.uuid, "HK1"])).status_code == 403
    client.force_login(world.parent)
    assert client.get(reverse("grid", args=[world.math.uuid, "HK1"])).status_code == 403


def test_save_endpoint(world, client):
    client.force_login(world.math_teacher)
    url = reverse("grid_save", args=[world.math.uuid, "HK1"])
    body = {
        "changes": [{"enrolment": str(world.enrolment.uuid), "column": "tx1", "value": "8,5", "version": 0}],
        "dates": {"tx1": "05/10/2026"},
    }
    data = post_json(client, url, body).json()
    assert data["saved"] == 1 and data["cells"][0]["value"] == "8,5"
    assert AssessmentColumn.objects.get().held_on == date(2026, 10, 5)


@pytest.mark.parametrize(
    "body", ["not json", "[]", '{"changes": "x"}', '{"changes": [{"version": "1"}]}', '{"changes": [1]}']
)
def test_save_endpoint_refuses_malformed_requests_without_500(world, client, body):
    client.force_login(world.math_teacher)
    response = client.post(
        reverse("grid_save", args=[world.math.uuid, "HK1"]), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "không đọc được" in response.json()["error"]


def test_expired_session_answers_401_json_not_a_login_page(world, client):
    response = post_json(client, reverse("grid_save", args=[world.math.uuid, "HK1"]), {"changes": []})
    assert response.status_code == 401
    assert "giữ" in response.json()["error"]


def test_preview_uses_the_server_engine(world, client):
    client.force_login(world.math_teacher)
    data = post_json(
        client,
        reverse("grid_preview", args=[world.math.uuid, "HK1"]),
        {"values": {"tx1": "8", "tx2": "7", "tx3": "9", "tx4": "6", "gk": "7,5", "ck": "8"}},
    ).json()
    # (8+7+9+6 + 2×7,5 + 3×8)/9 = 69/9 = 7,67 → 7,7
    assert data["average"] == "7,7"
    assert "69/9" in data["explanation"] and "Điều 9" in data["explanation"]
    data = post_json(
        client, reverse("grid_preview", args=[world.math.uuid, "HK1"]), {"values": {"tx1": "12"}}
    ).json()
    assert data["average"] == "" and "tx1" in data["errors"]


def test_bad_term_is_404(world, client):
    client.force_login(world.math_teacher)
    assert client.get(f"/grid/{world.math.uuid}/HK3/").status_code == 404


def test_comment_bank(world, client):
    client.force_login(world.math_teacher)
    client.post(reverse("comment_bank"), {"text": "Cần cố gắng hơn ở phần hình học"})
    response = client.get(reverse("grid", args=[world.math.uuid, "HK1"]))
    assert "Cần cố gắng hơn ở phần hình học" in response.content.decode()
    assert "Nhập nhận xét cần lưu." in client.post(reverse("comment_bank"), {"text": "   "}).content.decode()
    client.force_login(world.literature_teacher)
    assert "Cần cố gắng hơn" not in client.get(reverse("comment_bank")).content.decode()


@pytest.mark.parametrize("path", ["postgresql", "orm"])
def test_one_save_mixing_new_and_changed_cells_gives_each_its_own_history(world, monkeypatch, path):
    """New cells ('+', no reason) and changed ones ('~', the reason) in one statement; a changed
    row keeps its uuid; the other cells of the grid get no history row."""
    from gradebook.services import bulk_history

    if path == "orm":
        monkeypatch.setattr(bulk_history.connection, "vendor", "sqlite")
    students = roster(world, 3)
    first = [change(world, "tx1", "5", enrolment=e) for e in students] + [
        change(world, "tx2", "9", enrolment=students[0])
    ]
    save_grid(world.math_teacher, world.math, "HK1", first)
    before = {e.pk: stored(world, "tx1", e).uuid for e in students}
    mixed = [change(world, "tx1", "6", 1, enrolment=e) for e in students[:2]] + [
        change(world, "gk", "7,5", enrolment=e) for e in students
    ]
    report = save_grid(world.math_teacher, world.math, "HK1", mixed, reason="Chấm lại bài")
    assert len(report.by_status("saved")) == 5
    for e in students[:2]:
        score = stored(world, "tx1", e)
        assert (score.value, score.version, score.uuid) == (Decimal("6.0"), 2, before[e.pk])
        last = score.history.order_by("-history_id").first()
        assert (last.history_type, last.history_change_reason, last.value) == (
            "~",
            "Chấm lại bài",
            Decimal("6.0"),
        )
    for e in students:
        (entered,) = stored(world, "gk", e).history.all()
        assert (entered.history_type, entered.history_change_reason or "") == ("+", "")
        assert entered.value == Decimal("7.5") and entered.history_user_id == world.math_teacher.pk
    untouched = stored(world, "tx1", students[2])
    assert untouched.version == 1 and untouched.history.count() == 1
    assert stored(world, "tx2", students[0]).history.count() == 1


def test_read_together_gives_what_the_querysets_give(world):
    """One round trip on PostgreSQL, the same rows and Python values as the ORM's values_list."""
    from gradebook.services.bulk_history import read_together
    from gradebook.services.locks import lock_state, lock_state_query

    save_grid(world.math_teacher, world.math, "HK1", [change(world, "tx1", "8,5"), change(world, "gk", "")])
    scores = Score.objects.filter(assignment=world.math).order_by("pk")
    fields = ("uuid", "value", "level", "first_entered_at", "late", "held_on", "version")
    in_force(world, term="month", month_end=date(2026, 9, 30))
    in_force(world, term="month", month_end=date(2026, 10, 31))
    year_lock = in_force(world, term="year")
    query = lock_state_query(world.classroom, "HK1")
    rows, lock_rows, empty = read_together(
        scores.values_list(*fields), query, Score.objects.filter(pk=-1).values_list("pk")
    )
    assert rows == list(scores.values_list(*fields)) and len(rows) == 1 and empty == []
    state = query.state(lock_rows)
    assert (state.lock, state.month_until, state.approved) == (year_lock, date(2026, 10, 31), None)
    assert state == lock_state(world.classroom, "HK1")


def test_a_replaced_teacher_loses_the_right_at_once(world):
    """The object rights are remembered on the user object (the view and the service ask the same
    question); handing the class-subject to someone else forgets them."""
    from django.core.exceptions import PermissionDenied

    from gradebook.services.structure import assign_teacher

    teacher = world.math_teacher
    save_grid(teacher, world.math, "HK1", [change(world, "tx1", "7")])
    assign_teacher(None, world.math, world.head)
    with pytest.raises(PermissionDenied):
        save_grid(teacher, world.math, "HK1", [change(world, "tx2", "7")])
    save_grid(world.head, world.math, "HK1", [change(world, "tx2", "7")])
    assign_teacher(None, world.math, teacher)
    save_grid(teacher, world.math, "HK1", [change(world, "tx3", "7")])
    assert Score.objects.filter(assignment=world.math).count() == 3


def test_history_keeps_its_author_even_if_the_account_is_removed(world):
    """Audit rows keep the author's id for good (no cascade, no constraint): removing an account,
    which the product never does (accounts are deactivated), must not rewrite the history."""
    teacher = world.math_teacher
    save_grid(teacher, world.math, "HK1", [change(world, "tx1", "7")])
    teacher_id = teacher.pk
    teacher.delete()
    (entered,) = stored(world).history.all()
    assert entered.history_user_id == teacher_id and entered.value == Decimal("7.0")
    assert stored(world).updated_by_id is None  # the score itself follows the model's SET_NULL
