"""What a digital signature looks like on the page (docs/forms.md §9b).

Each signature is drawn in its signer's block of the form, measured when the document was rendered:
the signer's name, their role and the signing time, in the forms' own font; the seal signature draws the
school's seal in red, over the left third of the principal's block, as Decree 30/2020/NĐ-CP (Appendix I)
places the seal on an electronic document.

pyHanko writes the glyph widths of an OpenType font in the font's own units, which PDF readers take as
thousandths of an em; Liberation Serif has 2,048 units to the em, so its letters came out twice as far
apart. The font is therefore rescaled to 1,000 units once per process before pyHanko sees it.
"""

from __future__ import annotations

import io
import math
from functools import cache
from pathlib import Path

from django.conf import settings

from transcripts.fonts import FACES

PT_PER_MM = 72 / 25.4
SEAL_MM = 34  # a school's round seal is 34–36 mm across
SEAL_RED = (200, 16, 30)


# what a signature's text can hold: Latin with every Vietnamese letter, digits, punctuation
REPERTOIRE = [*range(0x20, 0x7F), *range(0xA0, 0x250), *range(0x1E00, 0x1F00), *range(0x2010, 0x2040), 0x20AB]


@cache
def _font_bytes(weight: str = "normal") -> bytes:
    """The forms' font cut down once per process to what a signature writes, without hinting or
    layout tables (Vietnamese is written with precomposed letters, NFC): pyHanko subsets the font again
    for every signature, and on the whole font that took a third of the signature's time."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    font = TTFont(Path(settings.PDF_FONT_DIR) / FACES[(weight, "normal")])
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.drop_tables += ["FFTM", "GSUB", "GPOS", "GDEF", "kern"]
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=REPERTOIRE)
    subsetter.subset(font)
    scale_upem(font, 1000)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _font_factory(size: float):
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

    data = _font_bytes()

    class InMemory(GlyphAccumulatorFactory):
        def create_font_engine(self, writer, obj_stream=None):
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return GlyphAccumulator(
                writer=writer, font_handle=io.BytesIO(data), font_size=self.font_size, obj_stream=obj_stream
            )

    return InMemory(font_file="", font_size=size)


def signature_style(lines: list[str]):
    """The text of one person's signature, centred in its block."""
    from pyhanko.pdf_utils.layout import AxisAlignment, SimpleBoxLayoutRule
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    return TextStampStyle(
        stamp_text="\n".join(line.replace("%", "%%") for line in lines),
        text_box_style=TextBoxStyle(font=_font_factory(8), leading=10),
        inner_content_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MID
        ),
        border_width=0,
    )


def seal_style(image_png: bytes):
    from PIL import Image
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.stamp import StaticStampStyle

    return StaticStampStyle(
        background=PdfImage(Image.open(io.BytesIO(image_png))), background_opacity=1, border_width=0
    )


def seal_box(principal_box: list[float]) -> list[float]:
    """The seal over the left third of the principal's signature block: a 34 mm square centred on the
    block's left third, vertically on its middle."""
    x0, y0, x1, y1 = principal_box
    side = SEAL_MM * PT_PER_MM
    cx, cy = x0 + (x1 - x0) / 3, (y0 + y1) / 2
    return [cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2]


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


@cache
def seal_png(school_name: str, ring_text: str) -> bytes:
    """A round seal drawn from the school's name (the centre) and its managing body (the ring), red on a
    transparent background — used when the school has not uploaded the image of its own seal."""
    from PIL import Image, ImageDraw, ImageFont

    size = 480
    scale = 2  # drawn large, then reduced: smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre = big / 2
    outer = big / 2 - 6 * scale
    inner = outer - 62 * scale
    draw.ellipse(
        [centre - outer, centre - outer, centre + outer, centre + outer], outline=SEAL_RED, width=9 * scale
    )
    draw.ellipse(
        [centre - inner, centre - inner, centre + inner, centre + inner], outline=SEAL_RED, width=4 * scale
    )
    bold = Path(settings.PDF_FONT_DIR) / FACES[("bold", "normal")]
    ring_font = ImageFont.truetype(str(bold), 34 * scale)
    # the ring: letters stood on the circle between the two rings, spread over the whole turn
    text = f"{ring_text.upper()} ★ "
    symbols = ImageFont.truetype(str(Path(settings.PDF_SYMBOL_FONT_DIR) / "DejaVuSans-Bold.ttf"), 30 * scale)
    radius = (outer + inner) / 2
    step = 360 / max(len(text), 1)
    for index, char in enumerate(text):
        if char == " ":
            continue
        font = symbols if char == "★" else ring_font
        angle = -90 + index * step  # from the top, clockwise
        glyph = Image.new("RGBA", (60 * scale, 60 * scale), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((30 * scale, 30 * scale), char, font=font, fill=SEAL_RED, anchor="mm")
        glyph = glyph.rotate(-(angle + 90), resample=Image.BICUBIC)
        x = centre + radius * math.cos(math.radians(angle)) - glyph.width / 2
        y = centre + radius * math.sin(math.radians(angle)) - glyph.height / 2
        image.alpha_composite(glyph, (round(x), round(y)))
    # the centre: the school's name on up to four lines, a star above
    lines = _wrap(school_name.upper(), 13)[:4]
    centre_font = ImageFont.truetype(str(bold), 31 * scale)
    line_height = 38 * scale
    top = centre - line_height * len(lines) / 2 + 14 * scale
    draw.text((centre, top - 34 * scale), "★", font=symbols, fill=SEAL_RED, anchor="mm")
    for number, line in enumerate(lines):
        draw.text((centre, top + number * line_height), line, font=centre_font, fill=SEAL_RED, anchor="mm")
    image = image.resize((size, size), Image.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
