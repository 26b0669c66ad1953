"""Pages speak Vietnamese, Django's own defaults included; downloaded files keep their Vietnamese
names readable in ASCII (đ as d)."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse

from gradebook.services import corrections
from sodiem.text import file_name
from tests.factories import print_paper
from tests.test_corrections import file_request, lock_term

pytestmark = pytest.mark.django_db


def test_file_names_write_d_for_dj():
    assert file_name("Sổ đăng bộ — Đỗ Đình Đức, lớp 6A1") == "so-dang-bo-do-dinh-duc-lop-6a1"
    assert file_name("Học bạ — Nguyễn Văn An") == "hoc-ba-nguyen-van-an"
    assert file_name("x" * 300, limit=10) == "x" * 10
    assert file_name("—") == ""


def test_the_empty_choice_of_a_select_is_vietnamese(world, login):
    lock_term(world)
    correction = file_request(world, tx1="8")
    corrections.decide_correction(world.principal, correction, approve=True)
    page = login(world.admin_board).get(reverse("correction_detail", args=[correction.uuid])).content.decode()
    assert 'id="id_witness_board"' in page
    assert "Select an option" not in page and "- Chọn -" in page


def test_a_downloaded_paper_is_named_with_d(world, login):
    lock_term(world)
    correction = file_request(world, tx1="8")
    response = print_paper(login(world.principal), reverse("correction_request_pdf", args=[correction.uuid]))
    disposition = response["Content-Disposition"]
    assert disposition.startswith('inline; filename="giay-de-nghi-thay-doi-thong-tin-')
    assert disposition.isascii()


# -- no English on any page of any role ----------------------------------------------------------------

from tests.test_access_matrix import _NOT_PAGES, people  # noqa: E402, F401 — the roles and their objects

# what Django says when a text of its own is not translated, and what a raw value looks like on a page
DJANGO_DEFAULTS = (
    "Select an option",
    "This field is required",
    "Enter a valid",
    "Ensure this value",
    "Page not found",
    "Server Error",
    "Currently:",
    "Change:",
    "Clear",
)
RAW_VALUES = re.compile(r"\b(True|False|None)\b|\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def english_of_the_portal() -> re.Pattern:
    """The English texts of the portal (the msgids of the catalogue, whose Vietnamese differs): one of
    them on a page is a text that reached the page untranslated. Placeholders split a text into its
    literal parts; only parts of two words or more are looked for."""
    import polib

    parts = set(DJANGO_DEFAULTS)
    for entry in polib.pofile(str(settings.BASE_DIR / "locale" / "vi" / "LC_MESSAGES" / "django.po")):
        if entry.obsolete or entry.msgstr == entry.msgid:
            continue
        for part in re.split(r"%\(\w+\)[sd]|%[sd]|\{\{[^}]*\}\}", entry.msgid):
            part = part.strip(" .,:;—-()…")
            if len(part) >= 10 and " " in part and part.isascii() and re.search("[a-z]{3}", part):
                parts.add(part)
    return re.compile("|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True)))


def visible_text(html: str) -> str:
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    shown = re.findall(r'(?:placeholder|title|aria-label|alt)="([^"]*)"', html)
    text = re.sub(r"(?s)<[^>]+>", " ", html)
    return unescape(" ".join([text, *shown]))


@pytest.mark.parametrize(
    "who",
    ["student", "parent", "teacher", "homeroom", "head", "clerk", "admin_board", "principal", "district"],
)
def test_no_english_on_any_page_a_role_reaches(people, client, who, world):  # noqa: F811
    """Every page a role reaches from its home (five clicks deep), with the trail's events, the inbox
    and the approvals among them: no English text of the portal or of Django, no raw True/None/ISO date."""
    users, _kwargs = people
    lock_term(world)
    correction = file_request(world, tx1="8")
    corrections.decide_correction(world.principal, correction, approve=True)
    english = english_of_the_portal()
    client.force_login(users[who])
    seen, frontier, found = {"/"}, ["/", "/audit/?tab=events", "/no-such-page/"], []
    for _depth in range(5):
        following = []
        for url in frontier:
            response = client.get(url)
            if "text/html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode()
            text = visible_text(html)
            for match in english.finditer(text):
                found.append((url, match.group(0)))
            for match in RAW_VALUES.finditer(text):
                found.append((url, match.group(0)))
            if response.status_code != 200:
                continue
            for href in re.findall(r'href="(/[^"#]*)', html):
                href = unescape(href)
                if href not in seen and not _NOT_PAGES.search(href) and "/django-admin/" not in href:
                    seen.add(href)
                    following.append(href)
        frontier = following[:80]
    assert len(seen) >= (3 if who in ("student", "parent", "district") else 10)
    assert found == []


def test_the_english_detector_finds_what_was_left_untranslated():
    english = english_of_the_portal()
    page = '<p title="Tick every class">Nguyễn Thị Hiệu</p><button>Approve the ticked classes</button>'
    assert {m.group(0) for m in english.finditer(visible_text(page))} == {
        "Tick every class",
        "Approve the ticked classes",
    }
    assert not english.search(
        visible_text("<p>Phê duyệt các lớp đã chọn</p><script>var a = 'Select an option';</script>")
    )
    assert RAW_VALUES.search("sổ vẫn khóa: True") and RAW_VALUES.search("2026-11-01T07:00")


def test_the_demo_shows_the_portals_own_404_and_500_with_debug_on(settings, world):
    from django.test import Client
    from django.urls import path

    settings.DEBUG = True
    settings.FRIENDLY_ERROR_PAGES = True
    client = Client(raise_request_exception=False)
    client.force_login(world.principal)
    page = client.get("/khong-co-trang-nay/")
    assert page.status_code == 404
    text = page.content.decode()
    assert "Không tìm thấy" in text and "URLconf" not in text and "Using the URLconf" not in text

    def broken(request):
        raise RuntimeError("boom")

    from sodiem import urls

    settings.ROOT_URLCONF = type("Conf", (), {"urlpatterns": [path("boom/", broken), *urls.urlpatterns]})
    page = client.get("/boom/")
    assert page.status_code == 500
    assert "Đã có lỗi" in page.content.decode() and "Traceback" not in page.content.decode()


def test_an_audit_event_reads_as_vietnamese_with_names(world):
    from audit.describe import describe
    from audit.models import AuditEvent
    from audit.services import record

    record(
        AuditEvent.Action.CORRECTION_APPLIED,
        actor=world.admin_board,
        school=world.school,
        obj=world.classroom,
        witnesses=[world.principal.username, world.math_teacher.username],
        still_locked=True,
        locked_at="2026-11-01T00:00:00+00:00",
        period="HK1",
        internal_only="not shown",
    )
    record(AuditEvent.Action.CERTIFICATE_UPLOADED, actor=world.principal, school=world.school, subject="CN=X")
    applied, uploaded = describe(AuditEvent.objects.order_by("id"))
    assert applied["who"] == "Lê Văn Quản" and applied["on"] == "lớp"
    assert dict(applied["details"]) == {
        "người chứng kiến": "Nguyễn Thị Hiệu, Vũ Văn Toán",
        "sổ vẫn khóa": "có",
        "khóa từ": "07:00 01/11/2026",  # Asia/Ho_Chi_Minh
        "giai đoạn": "Học kì I",
    }
    assert dict(uploaded["details"]) == {"chủ thể chứng thư": "CN=X"}
