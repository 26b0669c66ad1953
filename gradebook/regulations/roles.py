"""What a subject is for the rules, beyond its name (docs/rules.md, "Subject roles").

The product takes a subject's role from the school's curriculum (`Subject.role`); names are only read
to suggest a role for a new subject and by the worked-case runner, which has nothing but names.

- Toán, Ngữ văn and the foreign language are the key subjects of TT58 Điều 13 (as amended by TT26:
  "1 trong 3 môn Toán, Ngữ văn, Ngoại ngữ"; originally "1 trong 2 môn Toán, Ngữ văn").
- An ethnic-minority language (Tiếng Khmer, Tiếng Chăm, Tiếng Mông, Tiếng Thái …) is a subject like
  any other: it counts in the overall average, never as the foreign language.
"""

from __future__ import annotations

import re
import unicodedata

MATH = "math"
LITERATURE = "literature"
FOREIGN_LANGUAGE = "foreign_language"
ETHNIC_LANGUAGE = "ethnic_language"
ROLES = (MATH, LITERATURE, FOREIGN_LANGUAGE, ETHNIC_LANGUAGE)

_MATH = {"toán", "toán học"}
_LITERATURE = {"ngữ văn", "văn", "văn học"}
# languages taught as a foreign language in Vietnamese schools
_FOREIGN = {
    "anh", "pháp", "nga", "trung", "trung quốc", "nhật", "nhật bản", "hàn", "hàn quốc", "đức",
    "tây ban nha", "ý", "bồ đào nha", "lào", "ả rập",
}  # fmt: skip
# languages of Vietnam's ethnic minorities taught in schools
_ETHNIC = {
    "khmer", "chăm", "mông", "h'mông", "hmông", "thái", "jrai", "gia rai", "bahnar", "ba na", "ê-đê",
    "ê đê", "êđê", "tày", "nùng", "mường", "hoa", "dao", "xơ đăng", "k'ho", "cơ ho", "m'nông", "raglai",
    "chơ ro", "hrê", "ba-na", "gia-rai",
}  # fmt: skip


def _key(name: str) -> str:
    text = unicodedata.normalize("NFC", str(name)).lower()
    text = re.sub(r"\(.*?\)", " ", text)  # "Ngoại ngữ 1 (Tiếng Anh)" → "ngoại ngữ 1"
    return " ".join(text.replace("–", " ").split())


def role_from_name(name: str) -> str | None:
    """The role a subject of this name usually has; None for an ordinary subject."""
    key = _key(name)
    if key in _MATH:
        return MATH
    if key in _LITERATURE:
        return LITERATURE
    if key.startswith("ngoại ngữ"):
        return FOREIGN_LANGUAGE
    if key.startswith("tiếng "):
        language = key.removeprefix("tiếng ").strip()
        if language in _FOREIGN:
            return FOREIGN_LANGUAGE
        if language in _ETHNIC or language.startswith("dân tộc"):
            return ETHNIC_LANGUAGE
    return None


def roles_of(names, given=None) -> dict[str, str | None]:
    """Each subject's role: the one `given` (from the curriculum), else the one its name suggests."""
    given = given or {}
    return {name: given[name] if name in given else role_from_name(name) for name in names}
