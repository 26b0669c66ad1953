"""The 54 ethnic groups of Vietnam as the sector database lists them (Danh mục các dân tộc Việt Nam,
Quyết định 121-TCTK/PPCĐ of the General Statistics Office), with the spellings files carry."""

from __future__ import annotations

from sodiem.text import fold

ETHNIC_GROUPS = (
    "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "Mông", "Dao", "Gia Rai", "Ngái", "Ê Đê",
    "Ba Na", "Xơ Đăng", "Sán Chay", "Cơ Ho", "Chăm", "Sán Dìu", "Hrê", "Mnông", "Raglay", "Xtiêng",
    "Bru Vân Kiều", "Thổ", "Giáy", "Cơ Tu", "Gié Triêng", "Mạ", "Khơ Mú", "Co", "Tà Ôi", "Chơ Ro",
    "Kháng", "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "La Chí", "La Ha", "Phù Lá", "La Hủ", "Lự", "Lô Lô",
    "Chứt", "Mảng", "Pà Thẻn", "Cơ Lao", "Cống", "Bố Y", "Si La", "Pu Péo", "Brâu", "Ơ Đu", "Rơ Măm",
)  # fmt: skip

_ALIASES = {
    "hmong": "Mông", "h mong": "Mông", "mong": "Mông", "meo": "Mông", "kho me": "Khmer", "khome": "Khmer",
    "khmer": "Khmer", "ede": "Ê Đê", "bana": "Ba Na", "giarai": "Gia Rai", "xodang": "Xơ Đăng",
    "bru van kieu": "Bru Vân Kiều", "van kieu": "Bru Vân Kiều", "co ho": "Cơ Ho", "k ho": "Cơ Ho",
    "s tieng": "Xtiêng", "m nong": "Mnông", "ra glai": "Raglay", "gie trieng": "Gié Triêng",
    "kho mu": "Khơ Mú", "ta oi": "Tà Ôi", "cho ro": "Chơ Ro", "co lao": "Cơ Lao", "pa then": "Pà Thẻn",
}  # fmt: skip


def _plain(text: str) -> str:
    return fold(str(text).replace("-", " ").replace("'", " "))


_INDEX = {_plain(name): name for name in ETHNIC_GROUPS}
_INDEX.update({_plain(name).replace(" ", ""): name for name in ETHNIC_GROUPS})
_INDEX.update({k: v for k, v in _ALIASES.items()})
_INDEX.update({k.replace(" ", ""): v for k, v in _ALIASES.items()})


def ethnic_group(text: str) -> str | None:
    """The list's name of an ethnic group as a file spells it ("Ê-đê", "H'Mông", "dân tộc Tày"), or None."""
    key = _plain(text)
    if key.startswith("dan toc "):
        key = key[len("dan toc ") :]
    return _INDEX.get(key) or _INDEX.get(key.replace(" ", ""))
