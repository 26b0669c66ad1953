"""The fonts of every printed form, named by file (docs/forms.md §1): Liberation Serif 2 — Times New
Roman's metrics, every precomposed Vietnamese letter — and DejaVu Sans for the few symbols it lacks
(☐ ☒ ✓ ✗). Never left to fontconfig: a family name of our own ("SoDiem Serif") that only these files
answer, so a machine with another Times-like font installed prints the same pages as any other.

The files come from Debian's fonts-liberation2 and fonts-dejavu-core (installed by `make install` and
the Dockerfile); PDF_FONT_DIR and PDF_SYMBOL_FONT_DIR point elsewhere when a system keeps them there.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings

FAMILY = "SoDiem Serif"
SYMBOLS = "SoDiem Symbols"
STACK = f'"{FAMILY}", "{SYMBOLS}"'  # the only font-family the forms name

FACES = {  # (weight, style) → file
    ("normal", "normal"): "LiberationSerif-Regular.ttf",
    ("bold", "normal"): "LiberationSerif-Bold.ttf",
    ("normal", "italic"): "LiberationSerif-Italic.ttf",
    ("bold", "italic"): "LiberationSerif-BoldItalic.ttf",
}
SYMBOL_FACES = {("normal", "normal"): "DejaVuSans.ttf", ("bold", "normal"): "DejaVuSans-Bold.ttf"}
# what Liberation Serif lacks and the forms print: ballot boxes, check marks, arrows
SYMBOL_RANGE = "U+2190-21FF, U+2500-25FF, U+2610-2612, U+2713-2718"


def font_files() -> list[Path]:
    serif = Path(settings.PDF_FONT_DIR)
    symbols = Path(settings.PDF_SYMBOL_FONT_DIR)
    return [serif / name for name in FACES.values()] + [symbols / name for name in SYMBOL_FACES.values()]


@cache
def allowed_urls() -> frozenset[str]:
    """The only file URLs the renderer may read."""
    return frozenset(path.resolve().as_uri() for path in font_files())


@cache
def css() -> str:
    """The @font-face rules every form's stylesheet starts with."""
    serif, symbols = Path(settings.PDF_FONT_DIR), Path(settings.PDF_SYMBOL_FONT_DIR)
    rules = [
        f'@font-face {{ font-family: "{FAMILY}"; src: url("{(serif / name).resolve().as_uri()}"); '
        f"font-weight: {weight}; font-style: {style}; }}"
        for (weight, style), name in FACES.items()
    ]
    rules += [
        f'@font-face {{ font-family: "{SYMBOLS}"; src: url("{(symbols / name).resolve().as_uri()}"); '
        f"font-weight: {weight}; font-style: normal; unicode-range: {SYMBOL_RANGE}; }}"
        for (weight, _style), name in SYMBOL_FACES.items()
    ]
    return "\n".join(rules)
