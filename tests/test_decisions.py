"""The per-cell decisions of a grid save and of corrections, without a database (gradebook/decisions.py).

The services load, these functions decide, one step writes; the services' own tests (test_score_entry,
test_corrections) show the same rules through the database and the pages.
"""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from gradebook.decisions import (
    ApprovedCell,
    CellChange,
    GridLoad,
    Pupil,
    RequestedCell,
    RequestedChange,
    SavedComment,
    SavedScore,
    ScoreRow,
    decide_applied_cell,
    decide_grid,
    decide_requested_cell,
    is_late,
)
from gradebook.models import AssessmentKind, Subject

NOW = datetime(2026, 10, 20, 3, 0, tzinfo=UTC)
TODAY = date(2026, 10, 20)
AN, BINH, CHI = (
    "11111111-1111-1111-1111-111111111111",
    "22222222-2222-2222-2222-222222222222",
    "33333333-3333-3333-3333-333333333333",
)
NAMES = {1: "Nguyễn Văn An", 2: "Trần Thị Bình", 3: "Lê Minh Chí"}


def saved(enrolment_id, key, value, version=1, level="", first=NOW, late=False):
    kind = {"gk": AssessmentKind.MIDTERM, "ck": AssessmentKind.FINAL}.get(key, AssessmentKind.REGULAR)
    index = 1 if key in ("gk", "ck") else int(key[2:])
    return SavedScore(enrolment_id, kind, index, uuid4(), value, level, version, first, late)


def load(*scores, reason="", exempt=(), month_until=None, held=None, comments=None, kind=Subject.Kind.SCORE):
    return GridLoad(
        term="HK1",
        subject_kind=kind,
        columns={
            "tx1": (AssessmentKind.REGULAR, 1),
            "tx2": (AssessmentKind.REGULAR, 2),
            "gk": (AssessmentKind.MIDTERM, 1),
            "ck": (AssessmentKind.FINAL, 1),
        },
        roster={AN: Pupil(1, True), BINH: Pupil(2, True), CHI: Pupil(3, False)},
        scores={(s.enrolment_id, key): s for key, s in scores},
        comments=comments or {},
        held=held or {},
        exempt=frozenset(exempt),
        month_until=month_until,
        entry_days=(7, 14),
        reason=reason,
        name_of=NAMES.__getitem__,
    )


def decide(changes, grid_load):
    return decide_grid(changes, grid_load, assignment_id=9, author_id=5, now=NOW, today=TODAY)


def test_a_bad_cell_never_blocks_the_good_ones():
    decided = decide(
        [
            CellChange(AN, "tx1", "8,5"),
            CellChange(AN, "tx2", "11"),  # not a score on the 10-point scale
            CellChange(BINH, "tx9", "7"),  # not a column of this grid
            CellChange("not-an-enrolment", "tx1", "7"),
            CellChange(BINH, "gk", "7.25"),  # one decimal at most
            CellChange(BINH, "ck", "9"),
        ],
        load(),
    )
    assert [o.status for o in decided.outcomes] == [
        "saved",
        "refused",
        "refused",
        "refused",
        "refused",
        "saved",
    ]
    assert [(r.enrolment_id, r.kind, r.index, r.value) for r in decided.scores] == [
        (1, AssessmentKind.REGULAR, 1, Decimal("8.5")),
        (2, AssessmentKind.FINAL, 1, Decimal("9")),
    ]
    assert decided.outcomes[0].value == "8,5" and decided.outcomes[0].version == 1


def test_the_same_cell_twice_and_a_student_who_left_are_refused():
    decided = decide(
        [CellChange(AN, "tx1", "8"), CellChange(AN, "tx1", "9"), CellChange(CHI, "tx1", "7")], load()
    )
    assert [o.status for o in decided.outcomes] == ["saved", "refused", "refused"]
    assert "Lê Minh Chí" in decided.outcomes[2].message
    assert [r.value for r in decided.scores] == [Decimal("8")]


def test_an_exempted_student_gets_no_score_but_a_cell_may_be_cleared():
    decided = decide(
        [CellChange(AN, "tx1", "8"), CellChange(AN, "tx2", "", version=1)],
        load(("tx2", saved(1, "tx2", Decimal("6"))), exempt={1}, reason="miễn học"),
    )
    assert decided.outcomes[0].status == "refused" and "Nguyễn Văn An" in decided.outcomes[0].message
    assert decided.outcomes[1].status == "saved"
    assert (decided.scores[0].value, decided.scores[0].level, decided.scores[0].version) == (None, "", 2)


def test_a_stale_version_is_a_conflict_unless_the_value_is_the_same():
    grid = load(("tx1", saved(1, "tx1", Decimal("7"), version=3)), reason="nhập nhầm")
    decided = decide([CellChange(AN, "tx1", "8", version=2)], grid)
    assert decided.outcomes[0].status == "conflict" and decided.scores == []
    assert (decided.outcomes[0].value, decided.outcomes[0].version) == ("7", 3)  # what is saved now
    same = decide([CellChange(AN, "tx1", "7,0", version=2)], grid)
    assert same.outcomes[0].status == "unchanged" and same.scores == []


def test_changing_a_saved_score_needs_a_reason_the_first_entry_does_not():
    old = ("tx1", saved(1, "tx1", Decimal("7"), version=1))
    refused = decide([CellChange(AN, "tx1", "8", version=1), CellChange(BINH, "tx1", "6")], load(old))
    assert [o.status for o in refused.outcomes] == ["refused", "saved"]
    assert refused.scores[0]._reason == "" and refused.scores[0]._created
    done = decide([CellChange(AN, "tx1", "8", version=1)], load(old, reason="chấm phúc khảo"))
    row = done.scores[0]
    assert (row.version, row._reason, row._created) == (2, "chấm phúc khảo", False)
    assert row.uuid == old[1].uuid  # the same row, written whole


def test_a_score_held_in_a_locked_month_waits_for_a_correction():
    grid = load(held={"tx1": date(2026, 9, 30), "tx2": date(2026, 10, 1)}, month_until=date(2026, 9, 30))
    decided = decide([CellChange(AN, "tx1", "8"), CellChange(AN, "tx2", "8")], grid)
    assert [o.status for o in decided.outcomes] == ["refused", "saved"]
    assert "30/09/2026" in decided.outcomes[0].message


@pytest.mark.parametrize(
    ("kind", "held_on", "late"),
    [
        (AssessmentKind.REGULAR, date(2026, 10, 13), False),  # 7 days after: still on time
        (AssessmentKind.REGULAR, date(2026, 10, 12), True),
        (AssessmentKind.MIDTERM, date(2026, 10, 6), False),  # a periodic score has 14 days
        (AssessmentKind.FINAL, date(2026, 10, 5), True),
        (AssessmentKind.FINAL, None, False),  # no date, never late
    ],
)
def test_late_first_entries(kind, held_on, late):
    assert is_late(held_on, kind, (7, 14), TODAY) is late


def test_the_first_entry_is_stamped_and_a_later_change_keeps_it():
    decided = decide([CellChange(AN, "tx1", "8")], load(held={"tx1": date(2026, 10, 1)}))
    assert (decided.scores[0].first_entered_at, decided.scores[0].late) == (NOW, True)
    first = datetime(2026, 10, 2, tzinfo=UTC)
    old = ("tx1", saved(1, "tx1", Decimal("8"), first=first, late=False))
    again = decide(
        [CellChange(AN, "tx1", "9", version=1)], load(old, reason="x", held={"tx1": date(2026, 10, 1)})
    )
    assert (again.scores[0].first_entered_at, again.scores[0].late) == (first, False)


def test_comment_subjects_take_levels_only():
    decided = decide(
        [CellChange(AN, "tx1", "đạt"), CellChange(BINH, "tx1", "8")], load(kind=Subject.Kind.COMMENT)
    )
    assert [o.status for o in decided.outcomes] == ["saved", "refused"]
    assert (decided.scores[0].value, decided.scores[0].level) == (None, "D")


def test_subject_comments():
    grid = load(comments={2: SavedComment("Chăm chỉ", 2)})
    decided = decide(
        [
            CellChange(AN, "comment", "Tiến bộ  rõ"),
            CellChange(BINH, "comment", "Cần cố gắng", version=1),  # stale
            CellChange(CHI, "comment", "x"),
            CellChange(AN, "comment", "again"),
        ],
        grid,
    )
    assert [o.status for o in decided.outcomes] == ["saved", "conflict", "refused", "refused"]
    assert [(c.enrolment_id, c.text, c.version, c.created) for c in decided.comments] == [
        (1, "Tiến bộ rõ", 1, True)
    ]
    too_long = decide([CellChange(AN, "comment", "a" * 501)], load())
    assert too_long.outcomes[0].status == "refused" and too_long.comments == []


# -- corrections -------------------------------------------------------------------------------------


def request(column, value, *, enrolment_id=1, locked=("tx1", "gk"), pending=(), score=None):
    return decide_requested_cell(
        RequestedCell(AN, column, value),
        enrolment_id=enrolment_id,
        subject_kind=Subject.Kind.SCORE,
        locked=set(locked),
        pending=set(pending),
        saved=score,
    )


def test_a_correction_names_locked_cells_only():
    score = saved(1, "tx1", Decimal("6"), version=4)
    change = request("tx1", "7,5", score=score)
    assert change == RequestedChange(
        1, AssessmentKind.REGULAR, 1, (Decimal("6"), ""), 4, (Decimal("7.5"), "")
    )
    assert "chưa khóa" in request("tx2", "7")  # changed in the grid instead
    assert "không thuộc bảng điểm" in request("tx99", "7")
    assert "không thuộc bảng điểm" in request("tx1", "7", enrolment_id=None)
    assert "đang chờ xử lý" in request("tx1", "7", pending={(1, "tx1")})
    assert "trùng với giá trị đã nhập" in request("tx1", "6,0", score=score)
    assert isinstance(request("gk", "abc"), str)
    assert request("gk", "", score=saved(1, "gk", Decimal("5"))).new == (None, "")  # clearing is a correction


def test_an_approved_cell_is_written_only_over_the_version_the_request_saw():
    score = saved(1, "tx1", Decimal("6"), version=4, first=datetime(2026, 9, 1, tzinfo=UTC))
    cell = ApprovedCell(1, AssessmentKind.REGULAR, 1, 4, (Decimal("7.5"), ""), "Nguyễn Văn An")

    def apply(approved, current):
        return decide_applied_cell(
            approved, current, assignment_id=9, term="HK1", held_on=None, author_id=5, now=NOW, reason="BB 01"
        )

    row = apply(cell, score)
    assert isinstance(row, ScoreRow)
    assert (row.uuid, row.value, row.version, row._reason, row._created) == (
        score.uuid,
        Decimal("7.5"),
        5,
        "BB 01",
        False,
    )
    assert row.first_entered_at == score.first_entered_at
    moved_on = apply(cell, replace(score, version=5))
    assert isinstance(moved_on, str) and "Nguyễn Văn An" in moved_on and "ĐĐGtx 1" in moved_on
    new = apply(replace(cell, old_version=0), None)
    assert isinstance(new, ScoreRow) and new._created and new.version == 1 and new.first_entered_at == NOW
