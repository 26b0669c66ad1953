"""The printed forms use named font files only (transcripts/fonts.py): Liberation Serif 2 for the text,
DejaVu Sans for a few symbols; no font chosen by fontconfig, every font embedded, the same pages on every
run; and the renderer fetches no other file."""

import re
import subprocess

import pytest
from django.test import override_settings

from tests.factories import print_paper
from tests.test_printed_books import page_count, printed
from transcripts import fonts
from transcripts.documents import Kind

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("pdf_fonts")]

# WeasyPrint names an embedded font after its @font-face family: only ours, whose files are named
ALLOWED = re.compile(r"^[A-Z]{6}\+SoDiem-(Serif(-Bold|-Italic|-BoldItalic)?|Symbols(-Bold)?)$")


def fonts_of(pdf: bytes) -> list[tuple[str, str]]:
    """(name, embedded) of every font pdffonts lists."""
    out = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type [encoding…] emb sub uni object ID: emb is the 5th field from the end
        rows.append((parts[0], parts[-5]))
    return rows


@pytest.mark.parametrize(
    "kind", [Kind.CLASS_BOOK, Kind.TRANSCRIPT, Kind.RESULTS_SUMMARY, Kind.TEACHER_BOOK, Kind.REGISTER]
)
def test_every_form_embeds_only_its_named_fonts(klass, kind):
    world = klass
    target = {
        Kind.TRANSCRIPT: {"student": world.student},
        Kind.TEACHER_BOOK: {"teacher": world.math_teacher},
        Kind.RESULTS_SUMMARY: {"classroom": world.classroom, "period": "year"},
    }.get(kind, {"classroom": world.classroom})
    _document, pdf = printed(world, kind, **target)
    found = fonts_of(pdf)
    assert found, "no font in the PDF"
    assert all(ALLOWED.match(name) for name, _emb in found), found
    assert all(emb == "yes" for _name, emb in found), found
    assert any(name.endswith("+SoDiem-Serif") for name, _emb in found)
    _again, second = printed(world, kind, **target)
    assert page_count(second) == page_count(pdf)


def test_the_fonts_are_the_files_named_and_nothing_else_is_fetched(settings):
    assert all(path.is_file() for path in fonts.font_files())
    css = fonts.css()
    assert css.count("@font-face") == 6 and "LiberationSerif-Regular.ttf" in css and "fontconfig" not in css
    from transcripts.pdf import data_only_fetcher

    fetcher = data_only_fetcher()
    from weasyprint.urls import FatalURLFetchingError

    for url in (
        "file:///etc/passwd",
        "file:///usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
        "http://example.com/x.ttf",
    ):
        with pytest.raises(FatalURLFetchingError):
            fetcher.fetch(url)
    assert fetcher.fetch(sorted(fonts.allowed_urls())[0])


@override_settings(PDF_FONT_DIR="/nonexistent")
def test_a_machine_without_the_fonts_fails_its_checks():
    from transcripts.checks import pdf_fonts_are_installed

    errors = pdf_fonts_are_installed(None)
    assert errors and errors[0].id == "transcripts.E002" and "fonts-liberation2" in errors[0].hint


def test_the_papers_on_the_plain_base_embed_only_the_named_fonts(world, client):
    """The correction log, the quality report and the records share pdf_base.html."""
    from django.urls import reverse

    client.force_login(world.principal)
    for name in ("correction_log_pdf", "quality_report_pdf"):
        if name == "quality_report_pdf":
            response = print_paper(client, reverse(name))
        else:
            response = client.get(reverse(name))
        assert response.status_code == 200, name
        body = b"".join(response.streaming_content) if response.streaming else response.content
        found = fonts_of(body)
        assert found and all(ALLOWED.match(font) for font, _emb in found), (name, found)


def test_print_document_command_issues_the_same_document(klass, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from transcripts.models import PrintedDocument

    world = klass
    out = tmp_path / "6A1.pdf"
    call_command(
        "print_document", "--school", world.school.code, "--kind", "class_book", "--class", world.classroom.name,
        "--output", str(out), stdout=StringIO(),
    )  # fmt: skip
    document = PrintedDocument.objects.get(kind="class_book")
    assert out.read_bytes().startswith(b"%PDF-") and page_count(out.read_bytes()) == document.pages
    assert document.printed_by == world.clerk and document.versions.get().number == 0
    summary = tmp_path / "hk1.pdf"
    call_command(
        "print_document", "--school", world.school.code, "--kind", "results_summary", "--class",
        world.classroom.name, "--term", "HK1", "--output", str(summary), stdout=StringIO(),
    )  # fmt: skip
    assert summary.read_bytes().startswith(b"%PDF-")
    with pytest.raises(CommandError, match="--class"):
        call_command(
            "print_document", "--school", world.school.code, "--kind", "class_book", "--output", str(out)
        )
    with pytest.raises(CommandError, match="may not print"):
        call_command(
            "print_document", "--school", world.school.code, "--kind", "register", "--user",
            world.math_teacher.username, "--output", str(out),
        )  # fmt: skip


def _thin_pages(pdf: bytes) -> list[tuple[int, str]]:
    """Pages with fewer than 10 lines of text (page number, first words), from pdftotext."""
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        thin = []
        for number in range(1, page_count(pdf) + 1):
            text = subprocess.run(
                ["pdftotext", "-f", str(number), "-l", str(number), "-layout", f.name, "-"],
                capture_output=True,
                check=True,
            ).stdout.decode()
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            if len(lines) < 10:
                thin.append((number, " ".join(lines[1:3])))
        return thin


def test_a_45_student_class_book_has_no_near_empty_page(world):
    """An attendance month, a subject-term and each summary fit one page with their signatures; only
    the covers and the dividers are short pages (docs/forms.md §2)."""
    from datetime import date, timedelta

    from gradebook.models import Enrolment
    from tests.factories import make_student

    for n in range(45 - world.classroom.enrolments.count()):
        student = make_student(
            world.school, f"Nguyễn Văn Học Sinh {n:02d}", born=date(2015, 1, 1) + timedelta(days=n)
        )
        Enrolment.objects.create(student=student, classroom=world.classroom, start_date=world.year.start_date)
    _document, pdf = printed(world, Kind.CLASS_BOOK, classroom=world.classroom)
    thin = [(n, words) for n, words in _thin_pages(pdf) if "PHẦN GHI ĐIỂM" not in words and n > 3]
    assert thin == [], thin
    _again, second = printed(world, Kind.CLASS_BOOK, classroom=world.classroom)
    assert page_count(second) == page_count(pdf)


def pdf_metadata(pdf: bytes) -> dict:
    """The Info dictionary's producer and the XMP packet's producer and PDF/A part."""
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    info = reader.trailer_view["/Info"].get_object()
    xmp = reader.root["/Metadata"].get_object().data.decode()
    producer = re.search(r"<pdf:Producer>([^<]*)<", xmp) or re.search(r'pdf:Producer="([^"]*)"', xmp)
    part = re.search(r"<pdfaid:part>([^<]*)<", xmp) or re.search(r'pdfaid:part="([^"]*)"', xmp)
    return {
        "info_producer": str(info.get("/Producer")),
        "xmp_producer": producer.group(1) if producer else None,
        "pdfa_part": part.group(1) if part else None,
    }


def test_pdfa_metadata_stays_consistent_through_three_signatures(klass):
    from transcripts import signing
    from transcripts.selfsigned import self_signed_p12

    world = klass
    signing.store_certificate(world.school, self_signed_p12(world.school.name, b"mk"), "mk", world.principal)
    certificate = signing.active_certificate(world.school)
    _document, pdf = printed(world, Kind.TRANSCRIPT, student=world.student)
    before = pdf_metadata(pdf)
    assert before["pdfa_part"] == "3" and before["info_producer"] == before["xmp_producer"]
    for n, who in enumerate(("Giáo viên chủ nhiệm", "Hiệu trưởng", "Văn thư"), start=1):
        pdf = signing.sign_pdf(
            pdf, certificate, field_name=f"Sig{n}", name=who, reason="ký", location="Hà Nội"
        )
    after = pdf_metadata(pdf)
    assert after == before
    result = signing.verify_pdf(pdf)
    assert len(result.signatures) == 3 and all(s.intact and s.valid for s in result.signatures)


def test_the_qr_code_reads_at_150_dpi_and_opens_the_paper_check(klass, client, settings):
    """The QR code carries a token of its own (docs/forms.md §9b); its page shows the student, the year
    and the pages as images to compare with the paper, and refuses to be tried in bulk."""
    import shutil
    import tempfile

    from django.core.cache import cache
    from django.urls import reverse

    from transcripts.views_books import PAPER_CHECKS_PER_MINUTE

    assert shutil.which("zbarimg"), "zbar not found: run `make install` (it installs zbar-tools)"
    world = klass
    document, pdf = printed(world, Kind.TRANSCRIPT, student=world.student)
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-", f"{folder}/p"], input=pdf, check=True
        )
        page = next(__import__("pathlib").Path(folder).glob("p*.png"))
        found = subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(page)], capture_output=True, text=True
        ).stdout.strip()
    assert found.endswith(reverse("verify_paper", args=[document.verify_token])), found
    assert str(document.uuid) not in found and len(document.verify_token) >= 24
    cache.clear()
    response = client.get(reverse("verify_paper", args=[document.verify_token]))
    body = response.content.decode()
    assert response.status_code == 200 and world.student.full_name in body
    assert world.student.date_of_birth.strftime("%d/%m/%Y") in body
    image = client.get(reverse("verify_paper_page", args=[document.verify_token, 1]))
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert (
        client.get(reverse("verify_paper_page", args=[document.verify_token, document.pages + 1])).status_code
        == 404
    )
    assert client.get(reverse("verify_paper", args=["x" * 24])).status_code == 404
    for _ in range(PAPER_CHECKS_PER_MINUTE):
        last = client.get(reverse("verify_paper", args=["y" * 24]))
    assert last.status_code == 429 and "Quá nhiều" in last.content.decode()


def test_the_blank_teachers_book_leaves_8_mm_per_mark(klass):
    """The regular-assessment columns 1 … 4 of the blank book: their numbers at least 8 mm apart."""
    world = klass
    _document, pdf = printed(world, Kind.TEACHER_BOOK, teacher=world.math_teacher, blank=True)
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        for page in range(1, page_count(pdf) + 1):
            boxes = subprocess.run(
                ["pdftotext", "-f", str(page), "-l", str(page), "-bbox", f.name, "-"],
                capture_output=True,
                check=True,
            ).stdout.decode()
            words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>(\d)</word>', boxes)
            rows: dict[str, list[float]] = {}
            for x, y, digit in words:
                rows.setdefault(y, []).append((float(x), digit))
            header = next(
                (sorted(r) for r in rows.values() if [d for _x, d in sorted(r)][:4] == ["1", "2", "3", "4"]),
                None,
            )
            if header:
                gaps = [b[0] - a[0] for a, b in zip(header, header[1:4], strict=False)]
                assert min(gaps) >= 8 / 25.4 * 72, gaps  # 8 mm in points
                return
    pytest.fail("no page with the regular assessments' columns 1–4")


# -- the user-agent stylesheet the forms are laid out with (transcripts/pdf.py) ------------------------

SAMPLE = (
    "<!doctype html><html><body><h1>Hướng dẫn</h1><ol class='guide'><li>Một</li><li>Hai</li></ol>"
    "<ul><li>Ba</li></ul><table class='grid'><thead><tr><th>Số TT</th><th>Họ và tên</th></tr></thead>"
    "<tbody>"
    + "".join(f"<tr><td>{n}</td><td class='name'>Nguyễn Văn {n}</td></tr>" for n in range(1, 61))
    + "</tbody></table><p>Ghi chú<br>dòng hai</p></body></html>"
)


def _pngs(pdf: bytes, tmp_path, name: str) -> list[bytes]:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / name)], check=True)
    return [p.read_bytes() for p in sorted(tmp_path.glob(f"{name}-*.png"))]


def test_the_forms_user_agent_sheet_drops_only_the_rules_of_every_elements_pseudo_elements():
    from importlib.resources import files

    from weasyprint import css

    from transcripts.pdf import user_agent_css

    stock = (files(css) / "html5_ua.css").read_text("utf-8")
    trimmed = user_agent_css()
    for rule in ("::footnote-call", "::footnote-marker", "::note-call", "::note-marker", "::note-callback"):
        assert f"\n{rule} {{" in stock and rule not in trimmed
    assert "\n::marker {" in stock and "\n::marker {" not in trimmed
    assert "\nli::marker, summary::marker { font-variant-numeric: tabular-nums" in trimmed
    # everything else is WeasyPrint's own sheet, line for line
    assert (
        len(stock) - len(trimmed) < 600
        and "@page {" in trimmed
        and "ol { list-style-type: decimal }" in trimmed
    )


def test_a_page_laid_out_with_the_forms_sheet_looks_as_with_weasyprints(tmp_path):
    """List numbers, bullets, table borders, line breaks: the same pixels as with the stock sheet."""
    from weasyprint import HTML

    from transcripts.pdf import layout, renderer

    shared = renderer()
    ours = layout(SAMPLE, document=True).write_pdf()
    stock = (
        HTML(string=SAMPLE, base_url="about:blank", url_fetcher=shared.fetcher)
        .render(stylesheets=[shared.stylesheet], font_config=shared.font_config)
        .write_pdf()
    )
    ours_pages, stock_pages = _pngs(ours, tmp_path, "ours"), _pngs(stock, tmp_path, "stock")
    assert len(ours_pages) == len(stock_pages) == 2
    assert ours_pages == stock_pages
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=ours, capture_output=True, check=True
    ).stdout.decode()
    assert "1. Một" in text and "2. Hai" in text and "• Ba" in text


def test_a_forms_table_cell_costs_one_computed_style_not_seven(monkeypatch):
    """WeasyPrint's own sheet styles six pseudo-elements of every element; a class book's 30,000
    cells paid for 200,000 computed styles. Counted: the styles computed to lay out 60 rows."""
    from weasyprint.css import StyleFor

    from transcripts.pdf import layout

    calls = []
    original = StyleFor.set_computed_styles

    def counting(self, element, *args, pseudo_type=None, **kwargs):
        calls.append(pseudo_type)
        return original(self, element, *args, pseudo_type=pseudo_type, **kwargs)

    monkeypatch.setattr(StyleFor, "set_computed_styles", counting)
    layout(SAMPLE, document=True)
    elements = SAMPLE.count("<") - SAMPLE.count("</") - 1  # the doctype is no element
    # of the elements' pseudo-elements (not the pages' margin boxes, "@top-center"…): the three list
    # items' markers and the <br>'s ::before — with WeasyPrint's sheet, six for each of 140 elements
    pseudo = sorted(p for p in calls if p and not p.startswith("@"))
    assert pseudo == ["before", "marker", "marker", "marker"], pseudo
    assert elements > 130 and len([p for p in calls if not p]) < elements
