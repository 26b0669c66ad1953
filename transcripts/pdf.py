"""Rendering the printed forms: server-side HTML → A4 PDF with WeasyPrint.

Templates carry their CSS inline, so the renderer needs no network: the URL fetcher refuses everything
but `data:` URLs and the forms' font files (WeasyPrint would otherwise follow any URL a template or a
value put in front of it). Every PDF handed out is recorded in the audit trail.

The renderer's own user-agent stylesheet (WeasyPrint's html5_ua.css) gives every element of the page
six pseudo-elements to style — ::marker, ::footnote-call, ::footnote-marker and the three ::note-
ones — whatever the element: a class book's 30,000 table cells cost 200,000 computed styles, a tenth
of its layout time. The forms use no footnotes or notes, and list markers only on list items: the
documents are laid out with that stylesheet less those rules (`user_agent_css`), the pages the same.
"""

from __future__ import annotations

import atexit
import re
import threading
from datetime import date
from types import SimpleNamespace

from django.http import FileResponse, HttpResponse
from django.template.loader import render_to_string

from audit.models import AuditEvent
from audit.services import record
from sodiem.domain import Actor
from sodiem.text import file_name
from transcripts import fonts

_worker = threading.local()


def renderer() -> SimpleNamespace:
    """What every render of this worker thread shares: one URL fetcher (each costs an SSL context),
    one FontConfiguration (the forms' fonts loaded once) and the documents' stylesheet parsed once
    (transcripts/document.css). Per thread: Pango's objects are not to be shared between threads."""
    if not hasattr(_worker, "renderer"):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        fetcher = data_only_fetcher()
        font_config = FontConfiguration()
        stylesheet = CSS(
            string=render_to_string("transcripts/document.css"),
            base_url="about:blank",
            url_fetcher=fetcher,
            font_config=font_config,
        )
        # the pages kept for a closed year (transcripts/kept_pages.py): the same pages, no furniture
        bare = CSS(
            string="@page { @top-center { content: none } @bottom-left { content: none } "
            "@bottom-right { content: none } @right-middle { content: none; border: none } }",
            base_url="about:blank",
            url_fetcher=fetcher,
            font_config=font_config,
        )
        _worker.renderer = SimpleNamespace(
            fetcher=fetcher, font_config=font_config, stylesheet=stylesheet, bare=bare, html=_form_html()
        )
        if threading.current_thread() is threading.main_thread():
            # released before the interpreter tears Pango down (its finaliser would fail then)
            atexit.register(lambda: _worker.__dict__.pop("renderer", None))
    return _worker.renderer


# the user-agent rules that style a pseudo-element of every element: none of them is used by a form
_EVERY_ELEMENT_NOTES = re.compile(r"^::(?:footnote|note)-[a-z]+ \{[^}]*\}\n", re.MULTILINE)
_EVERY_ELEMENT_MARKER = "\n::marker {"
_LIST_ITEM_MARKER = "\nli::marker, summary::marker {"


def user_agent_css() -> str:
    """WeasyPrint's html5_ua.css without the footnote and note pseudo-elements, list markers on list
    items only. Fails loudly if a WeasyPrint upgrade moved what it trims (tests/test_pdf_fonts.py)."""
    from importlib.resources import files

    from weasyprint import css

    stock = (files(css) / "html5_ua.css").read_text("utf-8")
    trimmed, notes = _EVERY_ELEMENT_NOTES.subn("", stock)
    if notes != 5 or stock.count(_EVERY_ELEMENT_MARKER) != 1:
        raise RuntimeError("WeasyPrint's user-agent stylesheet changed: review transcripts/pdf.py")
    return trimmed.replace(_EVERY_ELEMENT_MARKER, _LIST_ITEM_MARKER)


def _form_html():
    """WeasyPrint's HTML document laid out with user_agent_css() (one parse per worker thread)."""
    from weasyprint import CSS, HTML
    from weasyprint.css.counters import CounterStyle

    # the stock sheet's @counter-style rules are already in the counter styles every render copies;
    # parsed against a throwaway set here, not registered twice
    user_agent = CSS(string=user_agent_css(), counter_style=CounterStyle())

    class FormHTML(HTML):
        def _ua_stylesheets(self, forms=False):
            return [user_agent]

    return FormHTML


def data_only_fetcher():
    # WeasyPrint is imported when a PDF is made, not when the URLs load (it takes a while to import)
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    allowed = fonts.allowed_urls()

    class DataOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            # data: URLs, and the forms' own font files by their exact address (transcripts/fonts.py)
            if not url.startswith("data:") and url not in allowed:
                raise FatalURLFetchingError(f"Refused to fetch {url[:80]} while rendering a PDF")
            return super().fetch(url, headers)

    return DataOnlyFetcher()


def layout(html: str, *, document: bool = False, furniture: bool = True):
    """WeasyPrint's laid-out document (pages counted, not yet written), fetching nothing but `data:`;
    an issued document (transcripts/document.html) with the documents' stylesheet, and without the
    page furniture for pages kept to be drawn into other documents."""
    shared = renderer()
    sheets = [shared.stylesheet] + ([] if furniture else [shared.bare]) if document else None
    return shared.html(string=html, base_url="about:blank", url_fetcher=shared.fetcher).render(
        stylesheets=sheets, font_config=shared.font_config
    )


def render_pdf(template: str, context: dict) -> bytes:
    return layout(render_to_string(template, context)).write_pdf()


def pdf_response(
    request, template: str, context: dict, *, filename: str, school, obj=None, form: str
) -> HttpResponse:
    """Render, record who printed which form of what, and send it inline (the browser's viewer)."""
    pdf = render_pdf(template, context)
    record(AuditEvent.Action.PDF, actor=Actor.of(request), school=school, obj=obj, form=form, bytes=len(pdf))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{file_name(filename) or "so-diem"}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def stored_pdf_response(request, document) -> FileResponse:
    """A stored document's file as it stands (with its signatures), inline; who opened it is recorded."""
    record(
        AuditEvent.Action.PDF,
        actor=Actor.of(request),
        school=document.school,
        obj=document,
        form=document.kind,
        sha256=document.pdf_sha256,
    )
    response = FileResponse(document.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{file_name(document.title) or "so-diem"}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def long_date(day: date | None) -> str:
    """`ngày 05 tháng 01 năm 2026` (docs/forms.md §1.6: days < 10 and months 1–2 take a 0); blank form
    wording when there is no day."""
    if day is None:
        return "ngày … tháng … năm 20…"
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def date_line(place: str, day: date | None) -> str:
    """The place-and-date line above the signatures: `Cầu Giấy, ngày 05 tháng 01 năm 2026`."""
    return f"{place}, {long_date(day)}"


def signer(*lines: str | tuple[str, str], name: str = "") -> dict:
    """One signature column (docs/forms.md §1.7). A plain string is a title line (bold capitals); a tuple
    (style, text) is another line: "italic" (the instruction) or "plain". Then room for the signature
    and the seal, then the full name."""
    return {
        "lines": [("title", line) if isinstance(line, str) else line for line in lines],
        "name": name,
    }


SIGN = ("italic", "(Ký và ghi rõ họ tên)")
SIGN_AND_SEAL = ("italic", "(Ký, ghi rõ họ tên và đóng dấu)")
