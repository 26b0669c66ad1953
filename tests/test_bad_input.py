"""Malformed identifiers and values sent by hand never give a 500 (a 400/403/404 or a message)."""

import pytest
from django.urls import reverse

from tests.factories import print_paper

pytestmark = pytest.mark.django_db

GARBAGE = ["not-a-uuid", "", "' OR 1=1 --", "\x00", "9" * 200]


@pytest.mark.parametrize("junk", GARBAGE)
def test_garbage_identifiers_are_refused_cleanly(world, login, junk):
    gvcn, principal, math = world.literature_teacher, world.principal, world.math_teacher
    discipline = reverse("discipline", args=[world.classroom.uuid])
    cases = [
        (gvcn, "post", discipline, {"action": "note", "enrolment": junk, "date": "01/10/2026", "text": "x"}),
        (
            gvcn,
            "post",
            discipline,
            {
                "action": "propose",
                "enrolment": junk,
                "kind": junk,
                "title": junk,
                "reason": junk,
                "date": junk,
            },
        ),
        (
            gvcn,
            "post",
            reverse("attendance", args=[world.classroom.uuid, "2026-10"]),
            {f"a:{junk}:{junk}": junk},
        ),
        (gvcn, "post", reverse("conduct", args=[world.classroom.uuid, "HK1"]), {f"level:{junk}": junk}),
        (
            gvcn,
            "post",
            reverse("summer", args=[world.classroom.uuid]),
            {f"retest:{junk}:{junk}": junk, f"conduct:{junk}": junk},
        ),
        (gvcn, "get", reverse("attendance", args=[world.classroom.uuid, junk or "x"]), {}),
        (gvcn, "post", reverse("accounts:switch_school"), {"school": junk}),
    ]
    cases += [
        (principal, "post", discipline, {"action": "approve", "award": junk, "decision_number": junk}),
        (principal, "get", reverse("correction_log_pdf"), {"teacher": junk, "month": junk}),
        (principal, "get", reverse("progress"), {"date": junk}),
        (principal, "get", reverse("statistics"), {"period": junk}),
        (principal, "get", reverse("audit_trail"), {"teacher": junk, "date_from": junk, "tab": junk}),
    ]
    cases += [
        (
            math,
            "post",
            reverse("correction_new", args=[world.math.uuid, "HK1"]),
            {f"cell:{junk}": junk, "reason": junk},
        ),
    ]
    for user, method, url, data in cases:
        client = login(user)
        response = getattr(client, method)(url, data)
        assert response.status_code < 500, (user, url, data, response.status_code)


def test_a_nul_character_is_refused_before_any_view(world, login):
    client = login(world.literature_teacher)
    url = reverse("discipline", args=[world.classroom.uuid])
    note = {
        "action": "note",
        "enrolment": str(world.enrolment.uuid),
        "date": "01/10/2026",
        "text": "đi muộn\x00",
    }
    assert client.post(url, note).status_code == 400
    grid = login(world.math_teacher).post(
        reverse("grid_save", args=[world.math.uuid, "HK1"]),
        {
            "changes": [
                {
                    "enrolment": str(world.enrolment.uuid),
                    "column": "comment",
                    "value": "Tốt\u0000",
                    "version": 0,
                }
            ]
        },
        content_type="application/json",
    )
    assert grid.status_code == 400
    from gradebook.models import DisciplineNote, SubjectComment

    assert not DisciplineNote.objects.exists() and not SubjectComment.objects.exists()
    note["text"] = "đi muộn"
    assert login(world.literature_teacher).post(url, note).status_code == 302


def test_stored_markup_is_shown_as_text_in_pages_and_pdfs(world, login):
    from gradebook.services import corrections, locks
    from gradebook.services.scores import CellChange, save_grid
    from tests.test_correction_pages import pdf_text
    from tests.test_corrections import file_request, lock_term

    payload = "<script>alert(1)</script>"
    world.student.given_name = "Bình" + payload
    world.student.save()
    save_grid(world.math_teacher, world.math, "HK1", [CellChange(str(world.enrolment.uuid), "tx1", "7")])
    login(world.literature_teacher).post(
        reverse("discipline", args=[world.classroom.uuid]),
        {"action": "note", "enrolment": str(world.enrolment.uuid), "date": "01/10/2026", "text": payload},
    )
    pages = [
        login(world.math_teacher).get(reverse("grid", args=[world.math.uuid, "HK1"])),
        login(world.literature_teacher).get(reverse("discipline", args=[world.classroom.uuid])),
        login(world.literature_teacher).get(reverse("class_results", args=[world.classroom.uuid, "HK1"])),
        login(world.admin_board).get(reverse("audit_trail")),
    ]
    for page in pages:
        html = page.content.decode()
        assert payload not in html and "&lt;script&gt;" in html, page.request["PATH_INFO"]
    lock_term(world)
    correction = file_request(world, tx1="8")
    corrections.decide_correction(world.principal, correction, approve=True)
    text = pdf_text(
        print_paper(login(world.principal), reverse("correction_request_pdf", args=[correction.uuid]))
    )
    assert "<script>" in text  # printed as the characters typed, not interpreted
    assert locks.active_lock(world.classroom, "HK1") is not None
