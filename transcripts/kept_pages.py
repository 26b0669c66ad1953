"""The pages of a học bạ that read the same as at an earlier printing, rendered once and kept.

The cover, the guide, page 1 and a year the document is not signing (an earlier year, or one copied
from another school's record) read the same at every printing until something in them changes — a
correction, a new year's line in the course of study. Each part is laid out on its own,
without the page furniture, and kept in the file storage under the SHA-256 of what it says (its HTML,
the stylesheet, the renderer's version): a correction changes the HTML, so the next printing lays the
part out anew and the old pages are never used again. Only the year being signed (its signature places
are measured in the document) is laid out with the document each time. Each new document is laid out
with blank pages in their place — which carry its own furniture: page n / N, print time, QR code — and
the kept pages are drawn over them (pikepdf, as Form XObjects); the file stays PDF/A-3b, the content
hash is still taken over the whole body as rendered.
"""

from __future__ import annotations

import hashlib
import io
from functools import cache

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string

PREFIX = "kept-pages"


@cache
def _version() -> str:
    import weasyprint

    stylesheet = render_to_string("transcripts/document.css")
    return hashlib.sha256(f"{weasyprint.__version__}\n{stylesheet}".encode()).hexdigest()


def _name(key: str) -> str:
    return f"{PREFIX}/{key[:2]}/{key}.pdf"


PARTS = ("cover_page", "guide_page", "profile_page")  # transcript.html's partials before the years


def prepare(data: dict) -> dict:
    """Mark in the học bạ's data (a copy the caller lays out) the parts drawn from kept pages — the
    cover, the guide, page 1 and every year the document does not sign — laying out now those not kept
    yet: the template prints blank pages in their place. Returns {key: the kept pages, opened once},
    for stamp() to draw and close."""
    kept: dict = {}
    data["kept"] = {}
    for part in PARTS:
        data["kept"][part] = _kept(kept, render_to_string(f"transcripts/transcript.html#{part}", data))
    for year in data["years"]:
        if not year.get("signing"):
            html = render_to_string("transcripts/transcript.html#year_pages", {**data, "y": year})
            year["kept"] = _kept(kept, html)
    return kept


def _kept(kept: dict, html: str) -> dict:
    """The kept pages of this HTML (laid out and stored when missing), opened and added to `kept`."""
    import pikepdf

    from transcripts.pdf import layout

    key = hashlib.sha256(f"{_version()}\n{html}".encode()).hexdigest()
    name = _name(key)
    try:
        with default_storage.open(name, "rb") as f:
            pdf = f.read()
    except FileNotFoundError:  # never kept, or pruned (prune_kept_pages) since
        page = render_to_string("transcripts/kept_pages.html", {"body": html})
        pdf = layout(page, document=True, furniture=False).write_pdf(pdf_variant="pdf/a-3b")
        if not default_storage.exists(name):  # another worker may have kept it meanwhile
            default_storage.save(name, ContentFile(pdf))
    kept[key] = pikepdf.open(io.BytesIO(pdf))
    return {"key": key, "pages": range(len(kept[key].pages))}


def stamp(pdf: bytes, rendered, kept: dict) -> bytes:
    """Draw each kept page over the blank page laid out for it (found by its anchor `kept-<key>-<n>`);
    the kept pages are closed."""
    import pikepdf

    if not kept:
        return pdf
    places: dict[str, int] = {}
    for index, page in enumerate(rendered.pages):
        for anchor in page.anchors:
            if anchor.startswith("kept-"):
                places[anchor] = index
    output = io.BytesIO()
    try:
        with pikepdf.open(io.BytesIO(pdf)) as document:
            for key, source in kept.items():
                for n, page in enumerate(source.pages):
                    document.pages[places[f"kept-{key[:12]}-{n}"]].add_overlay(page)
            document.save(output)
    finally:
        for source in kept.values():
            source.close()
    return output.getvalue()
