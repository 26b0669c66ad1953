"""Text as the portal keeps it: Unicode NFC. Vietnamese can be typed precomposed ("ệ") or decomposed
("e" + two combining marks, as some keyboards, macOS file names and copied PDFs give it); both look the
same but compare, sort and search differently. Every input path normalises to NFC: form fields and
query strings at the door (sodiem.middleware), JSON bodies, Excel cells and XML text where they are
read."""

from __future__ import annotations

import json
import unicodedata
from typing import Any


def nfc(value: Any) -> Any:
    """`value` with every string in it (nested in lists, tuples and dicts, keys too) in NFC."""
    if isinstance(value, str):
        return value if value.isascii() else unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [nfc(v) for v in value]
    if isinstance(value, tuple):
        return tuple(nfc(v) for v in value)
    if isinstance(value, dict):
        return {nfc(k): nfc(v) for k, v in value.items()}
    return value


def json_nfc(body: bytes):
    """A JSON body parsed with every string in NFC, at C speed: the text is normalised whole before
    parsing. NFC composes a mark with the character before it: inside a string that is the string's own
    letter, as normalising the string would; after an escape (`\\n`, `\\u001e`) it would turn the
    escape's last letter into one no escape ends in, so the text no longer parses — then each string is
    normalised after parsing. Outside strings a mark is invalid JSON either way. A body whose letters
    are escaped (`\\u1ec7`, as `json.dumps` writes them) is parsed and written back unescaped first."""
    text = body.decode()
    parsed = None
    if "\\u" in text:  # letters that exist only once parsed
        parsed = json.loads(text)
        text = json.dumps(parsed, ensure_ascii=False)
    if text.isascii():
        return parsed if parsed is not None else json.loads(text)
    try:
        return json.loads(unicodedata.normalize("NFC", text))
    except json.JSONDecodeError:  # a mark after an escape, or not JSON at all (raised here)
        return nfc(parsed if parsed is not None else json.loads(text))


def fold(value: Any) -> str:
    """Text compared as people mean it: lower case, no accents, đ as d, spaces collapsed —
    "Phường  Cầu Giấy" and "phuong cau giay" fold alike (headings, place names, teachers' names)."""
    text = " ".join(str(value if value is not None else "").split()).lower().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def file_name(value: Any, *, limit: int = 100) -> str:
    """A name for a downloaded file or an archive folder: ASCII, lower case, hyphens — with đ written
    as d ("Sổ đăng bộ — Đỗ Văn" → so-dang-bo-do-van), which a plain slug would drop (Đ has no
    decomposition into a letter and a mark)."""
    from django.utils.text import slugify

    text = str(value if value is not None else "").replace("đ", "d").replace("Đ", "D")
    return slugify(text)[:limit].strip("-")
