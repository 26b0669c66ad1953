"""The inbox of every home page (what waits on the person, with counts and links), the class list's
states, and the principal's approval of several classes' results in one step."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import authz
from gradebook.models import (
    AttendanceMonth,
    ConductResult,
    CorrectionRequest,
    Enrolment,
    ResultsApproval,
    Score,
)
from gradebook.selectors.inbox import inbox
from gradebook.services import locks
from gradebook.services import results as results_service
from gradebook.services.corrections import decide_correction
from gradebook.services.structure import set_homeroom_teacher
from tests.factories import fill_scores, sign_subject_turns
from tests.test_corrections import file_request, lock_term

pytestmark = pytest.mark.django_db


def items(user, world, today):
    found = inbox(user, world.school, world.year, authz.roles_in(user, world.school), today)
    return {item.key: item for item in found}


def complete(classroom, term="HK1", conduct="Tốt", value="8"):
    """Every required score of every subject and the conduct of the class's students for `term`."""
    for enrolment in classroom.enrolments.filter(status=Enrolment.Status.STUDYING):
        fill_scores(enrolment, terms=(term,), value=lambda _a: value)
        ConductResult.objects.update_or_create(enrolment=enrolment, period=term, defaults={"level": conduct})


@pytest.fixture
def two_classes(world):
    """6A1 (homeroom: Đỗ Thị Văn) and 6A2 (homeroom: Hồ Văn Tổ), both complete for term I."""
    set_homeroom_teacher(None, world.other_classroom, world.head)
    complete(world.classroom)
    complete(world.other_classroom)
    return world


def test_homeroom_inbox_links_the_months_and_the_conduct_and_skips_locked_months(world, login):
    today = date(2027, 1, 25)  # term I ended on 17/01
    found = items(world.literature_teacher, world, today)
    assert {"attendance-2026-09", "attendance-2026-12", "conduct-HK1", "results-HK1"} <= set(found)
    september = found["attendance-2026-09"]
    assert september.url == reverse("attendance", args=[world.classroom.uuid, "2026-09"])
    assert found["conduct-HK1"].count == 1  # Bình has no conduct
    assert found["conduct-HK1"].url == reverse("conduct", args=[world.classroom.uuid, "HK1"])
    # the principal locks September–October (a month lock): they leave the list; November stays
    lock = locks.decide_lock(
        world.principal,
        world.year,
        term="month",
        month_end=date(2026, 10, 31),
        locked_at=timezone.now() - timedelta(minutes=1),
        decision_number="3/QĐ",
        decision_date=date(2026, 11, 1),
    )
    found = items(world.literature_teacher, world, today)
    assert "attendance-2026-09" in found  # decided, not carried out yet: still open
    locks.carry_out_lock(world.admin_board, lock)
    found = items(world.literature_teacher, world, today)
    assert "attendance-2026-09" not in found and "attendance-2026-10" not in found
    assert "attendance-2026-11" in found
    # a confirmed month leaves the list too
    AttendanceMonth.objects.create(
        classroom=world.classroom,
        month=date(2026, 11, 1),
        confirmed_by=world.literature_teacher,
        confirmed_at=timezone.now(),
    )
    assert "attendance-2026-11" not in items(world.literature_teacher, world, today)
    # the term's lock closes the months inside the term
    lock_term(world)
    found = items(world.literature_teacher, world, today)
    assert "attendance-2026-12" not in found


def test_results_returned_to_the_homeroom_teacher_are_urgent(two_classes):
    world = two_classes
    results_service.submit_results(world.literature_teacher, world.classroom, "HK1")
    today = date(2027, 1, 25)
    assert "results-HK1" not in items(world.literature_teacher, world, today)
    results_service.decide_results(
        world.principal, world.classroom, "HK1", approve=False, note="Xem lại Toán"
    )
    returned = items(world.literature_teacher, world, today)["results-returned-HK1"]
    assert returned.urgent and returned.url == reverse("class_results", args=[world.classroom.uuid, "HK1"])


def test_principal_inbox_counts_submitted_results_and_corrections(two_classes, login):
    world = two_classes
    results_service.submit_results(world.literature_teacher, world.classroom, "HK1")
    results_service.submit_results(world.head, world.other_classroom, "HK1")
    page = login(world.principal).get(reverse("home")).content.decode()
    assert 'data-key="results-submitted"' in page
    assert "2 lớp đã nộp kết quả, chờ thầy cô phê duyệt" in page
    assert reverse("results_approvals") in page
    # the teachers do not see the principal's work
    page = login(world.math_teacher).get(reverse("home")).content.decode()
    assert "results-submitted" not in page


def test_admin_board_inbox_lists_locks_to_carry_out_and_accounts_never_used(world, login):
    locks.decide_lock(
        world.principal,
        world.year,
        term="HK1",
        locked_at=timezone.now(),
        decision_number="9/QĐ",
        decision_date=date(2026, 12, 1),
    )
    found = items(world.admin_board, world, date(2026, 12, 3))
    assert found["locks-to-carry-out"].count == 1 and found["locks-to-carry-out"].url == reverse("lock_list")
    never = found["accounts-never-used"]
    # every staff account of the world was made in the test and never signed in (parents and pupils aside)
    assert never.count == 6
    page = login(world.admin_board).get(never.url).content.decode()
    assert "Vũ Văn Toán" in page and "Trần Văn Cha" not in page
    # signing in once takes the account off the list: the admin board's own (above), the math teacher's
    world.math_teacher.last_login = timezone.now()
    world.math_teacher.save()
    assert items(world.admin_board, world, date(2026, 12, 3))["accounts-never-used"].count == 4
    assert "Vũ Văn Toán" not in login(world.admin_board).get(never.url).content.decode()
    assert "locks-to-carry-out" not in items(world.principal, world, date(2026, 12, 3))


def test_subject_teacher_inbox_has_their_columns_and_rejected_requests(locked):
    world = locked
    correction = file_request(world, tx1="8")
    decide_correction(world.principal, correction, approve=False, note="Không đủ minh chứng")
    found = items(world.math_teacher, world, date(2026, 12, 3))
    rejected = found["corrections-returned"]
    assert rejected.count == 1 and f"status={CorrectionRequest.Status.REJECTED}" in rejected.url
    assert "corrections-returned" not in items(world.literature_teacher, world, date(2026, 12, 3))


def test_class_list_shows_each_class_state(two_classes, login):
    world = two_classes
    AttendanceMonth.objects.create(
        classroom=world.classroom,
        month=date(2026, 10, 1),
        confirmed_by=world.literature_teacher,
        confirmed_at=timezone.now(),
    )
    results_service.submit_results(world.literature_teacher, world.classroom, "HK1")
    results_service.decide_results(world.principal, world.classroom, "HK1", approve=True)
    page = login(world.principal).get(reverse("classroom_list")).content.decode()
    row = page[page.index('data-class="6A1"') : page.index('data-class="6A2"')]
    assert "10/2026" in row and "Đã duyệt" in row and "1/1" in row
    other = page[page.index('data-class="6A2"') :]
    assert "Đã duyệt" not in other.split("</tr>")[0]


def test_principal_approves_the_submitted_classes_in_one_step(two_classes, login):
    world = two_classes
    results_service.submit_results(world.literature_teacher, world.classroom, "HK1")
    results_service.submit_results(world.head, world.other_classroom, "HK1")
    principal = login(world.principal)
    page = principal.get(reverse("results_approvals") + "?period=HK1").content.decode()
    assert 'data-class="6A1"' in page and 'data-class="6A2"' in page
    assert "Tốt: <strong>1</strong>" in page  # the class's summary, in the regulation's levels
    assert "GVCN chưa rà soát" in page  # neither homeroom teacher reviewed: not ticked
    response = principal.post(
        reverse("results_approvals"),
        {"period": "HK1", "classes": [str(world.classroom.uuid), str(world.other_classroom.uuid)]},
    )
    assert response.status_code == 302
    statuses = set(ResultsApproval.objects.values_list("status", flat=True))
    assert statuses == {ResultsApproval.Status.APPROVED}
    assert ResultsApproval.objects.get(classroom=world.classroom).decided_by == world.principal


def test_one_class_that_cannot_be_approved_stops_them_all(two_classes, login):
    world = two_classes
    results_service.submit_results(world.literature_teacher, world.classroom, "HK1")
    results_service.submit_results(world.head, world.other_classroom, "HK1")
    # a score of 6A2 disappears after the submission (the results are no longer complete)
    Score.objects.filter(enrolment__classroom=world.other_classroom, kind="final").delete()
    response = login(world.principal).post(
        reverse("results_approvals"),
        {"period": "HK1", "classes": [str(world.classroom.uuid), str(world.other_classroom.uuid)]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Chưa phê duyệt lớp nào" in page and "6A2:" in page
    assert set(ResultsApproval.objects.values_list("status", flat=True)) == {ResultsApproval.Status.SUBMITTED}
    # what the principal ticked stays ticked
    assert page.count("checked") >= 2


@pytest.mark.parametrize(
    "who", ["literature_teacher", "math_teacher", "admin_board", "clerk", "parent", "pupil"]
)
def test_only_the_approvers_reach_the_approval_table(two_classes, login, who):
    world = two_classes
    results_service.submit_results(world.literature_teacher, world.classroom, "HK1")
    client = login(getattr(world, who))
    assert client.get(reverse("results_approvals")).status_code == 403
    response = client.post(
        reverse("results_approvals"), {"period": "HK1", "classes": [str(world.classroom.uuid)]}
    )
    assert response.status_code == 403
    assert ResultsApproval.objects.get().status == ResultsApproval.Status.SUBMITTED


def test_the_principal_never_approves_their_own_class_in_bulk(two_classes, login):
    world = two_classes
    set_homeroom_teacher(None, world.other_classroom, world.principal)
    results_service.submit_results(world.principal, world.other_classroom, "HK1")
    page = login(world.principal).get(reverse("results_approvals") + "?period=HK1").content.decode()
    assert 'data-class="6A2"' not in page
    login(world.principal).post(
        reverse("results_approvals"), {"period": "HK1", "classes": [str(world.other_classroom.uuid)]}
    )
    assert ResultsApproval.objects.get().status == ResultsApproval.Status.SUBMITTED


def test_signers_and_the_clerk_see_the_documents_waiting_for_them(two_classes, login):
    from transcripts import signing
    from transcripts.documents import Target, issue
    from transcripts.inbox import inbox as documents_inbox
    from transcripts.models import PrintedDocument

    world = two_classes

    def keys(user):
        return {i.key: i for i in documents_inbox(user, world.school, world.year)}

    results_service.submit_results(world.literature_teacher, world.classroom, "HK1")
    results_service.decide_results(world.principal, world.classroom, "HK1", approve=True)
    # approved results not printed since: the clerk's to-do, nobody else's
    assert keys(world.clerk)["books-to-print"].count == 1
    assert "books-to-print" not in keys(world.principal)
    document = issue(
        Target(
            PrintedDocument.Kind.RESULTS_SUMMARY,
            world.school,
            world.year,
            classroom=world.classroom,
            period="HK1",
        ),
        user=world.clerk,
    )
    assert "books-to-print" not in keys(world.clerk)
    # the subject teachers first, then the homeroom teacher, the principal, the clerk's seal
    assert keys(world.math_teacher)["documents-to-sign"].count == 1
    assert "documents-to-sign" not in keys(world.principal)  # not their turn yet
    sign_subject_turns(document)
    assert keys(document.homeroom_teacher())["documents-to-sign"].count == 1
    signing.sign_document(document, document.homeroom_teacher())
    assert keys(world.principal)["documents-to-sign"].count == 1
    signing.sign_document(document, world.principal)
    to_seal = keys(world.clerk)["documents-to-seal"]
    assert to_seal.count == 1 and to_seal.url == reverse("sign_many")
    page = login(world.clerk).get(reverse("home")).content.decode()
    assert "1 văn bản đã ký, chờ đóng dấu" in page
    signing.sign_document(document, world.clerk)
    assert keys(world.clerk) == {}


def test_a_teacher_sees_the_true_size_of_their_classes(world, login):
    """The teacher of several subjects of a class (and its homeroom teacher) counts its students once."""
    from gradebook.services.structure import assign_teacher

    for assignment in world.classroom.assignments.all():
        assign_teacher(None, assignment, world.literature_teacher)
    page = login(world.literature_teacher).get(reverse("classroom_list")).content.decode()
    row = page[page.index('data-class="6A1"') :].split("</tr>")[0]
    assert '<td class="num">1</td>' in row and "0/1" in row


def test_the_clerk_is_reminded_of_an_ended_year_not_archived(world):
    from archive.inbox import inbox as archive_inbox
    from archive.models import YearArchive

    assert archive_inbox(world.clerk, world.school, date(2027, 5, 20)) == []  # the year goes on
    found = archive_inbox(world.clerk, world.school, date(2027, 6, 15))
    assert [(i.key, i.count, i.url) for i in found] == [("years-to-archive", 1, reverse("archive_home"))]
    assert archive_inbox(world.principal, world.school, date(2027, 6, 15)) == []
    YearArchive.objects.create(school=world.school, school_year=world.year, status="done")
    assert archive_inbox(world.clerk, world.school, date(2027, 6, 15)) == []


def test_a_vice_principal_sees_the_submitted_results_only_when_delegated(two_classes):
    from accounts import services as account_services
    from accounts.models import Role
    from tests.factories import make_user

    world = two_classes
    vice = make_user("pht_a", "Trần Văn Phó", school=world.school, roles=[Role.VICE_PRINCIPAL])
    results_service.submit_results(world.literature_teacher, world.classroom, "HK1")
    today = date(2027, 1, 25)
    assert "results-submitted" not in items(vice, world, today)
    account_services.delegate_results_approval(
        world.principal, world.school, vice, True, right="may_approve_results"
    )
    assert items(vice, world, today)["results-submitted"].count == 1


def test_only_the_decider_of_a_correction_sees_it_waiting(locked):
    from accounts.models import Role
    from tests.factories import make_user

    world = locked
    vice = make_user("pht_b", "Trần Văn Phó", school=world.school, roles=[Role.VICE_PRINCIPAL])
    file_request(world, tx1="8")
    today = date(2026, 12, 3)
    assert items(world.principal, world, today)["corrections-to-decide"].count == 1
    assert "corrections-to-decide" not in items(vice, world, today)  # the principal's to decide


def test_months_of_a_term_whose_results_are_approved_are_no_longer_owed(two_classes):
    """The rule of the writes (an approval freezes its term like a lock): September–December, inside
    term I, leave the list; January, half in term II, stays."""
    world = two_classes
    today = date(2027, 2, 10)
    assert "attendance-2026-10" in items(world.literature_teacher, world, today)
    results_service.submit_results(world.literature_teacher, world.classroom, "HK1")
    results_service.decide_results(world.principal, world.classroom, "HK1", approve=True)
    found = items(world.literature_teacher, world, today)
    assert not {"attendance-2026-09", "attendance-2026-10", "attendance-2026-12"} & set(found)
    assert "attendance-2027-01" in found


def test_the_documents_waiting_are_decided_on_plain_rows_as_on_each_document(two_classes):
    """The signers' lists and inbox counts are decided on plain rows (kind, signers, signatures made,
    homeroom teachers): for every person of the school the same documents as the rule asked of each
    document, at every turn — a class's summary, and học bạ whose homeroom teacher is found through the
    student's class; the counts read no document whole."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from transcripts import signing
    from transcripts.documents import Target, issue, may_sign, next_turn
    from transcripts.models import PrintedDocument
    from transcripts.signing_batches import waiting_counts, waiting_for

    world = two_classes
    Kind = PrintedDocument.Kind
    summary = issue(
        Target(Kind.RESULTS_SUMMARY, world.school, world.year, classroom=world.classroom, period="HK1"),
        user=world.clerk,
    )
    hocba = [
        issue(Target(Kind.TRANSCRIPT, world.school, world.year, student=s), user=world.clerk)
        for s in (world.student, world.other_student)
    ]
    sign_subject_turns(hocba[0])  # the homeroom teacher's turn, found through the student's class
    sign_subject_turns(hocba[1])
    signing.sign_document(hocba[1], hocba[1].homeroom_teacher())  # the principal's turn
    sign_subject_turns(summary)
    signing.sign_document(summary, summary.homeroom_teacher())
    signing.sign_document(summary, world.principal)  # the clerk's seal
    people = [
        world.math_teacher,
        world.literature_teacher,
        world.head,
        world.principal,
        world.clerk,
        world.admin_board,
    ]
    seen = set()
    for user in people:
        expected = [
            d.pk
            for d in PrintedDocument.objects.filter(school=world.school, complete=False).order_by(
                "printed_at"
            )
            if (turn := next_turn(d)) is not None and may_sign(user, d, turn)
        ]
        assert [d.pk for d in waiting_for(user, world.school)] == expected, user
        with CaptureQueriesContext(connection) as captured:
            to_sign, to_seal = waiting_counts(user, world.school)
        assert to_sign + to_seal == len(expected) and len(captured) <= 4
        assert not any("signature_places" in q["sql"] for q in captured.captured_queries)
        seen.update(expected)
        if user == world.clerk:
            assert (to_sign, to_seal) == (0, 1)
    assert seen == {summary.pk, *(d.pk for d in hocba)}  # each turn was someone's
