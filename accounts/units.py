"""Vietnam's administrative units, from the maintained `vietnam-provinces` package.

Since 1 July 2025 the country has two levels of local government: 34 provinces and centrally-run
cities, and 3,321 communes, wards and special zones (xã, phường, đặc khu); the districts were abolished.
A school's address is a province and a commune; the package also keeps the 63 provinces, 696 districts
and their wards of before the reform, which birth certificates and exported files still name, and which
the years before 2025-2026 print. Codes are the General Statistics Office's: a province "01", a commune
"00004". Nothing here touches the database; `Province` and `Commune` rows are made from it on use.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sodiem.text import fold

REFORM_YEAR = 2025  # the school year 2025-2026 is the first under the two-level units


@dataclass(frozen=True)
class Unit:
    code: str
    name: str  # "Phường Ba Đình", "Thành phố Hà Nội"
    kind: str = ""  # "xã", "phường", "đặc khu" for a commune


_KINDS = (
    "thanh pho ",
    "tinh ",
    "xa ",
    "phuong ",
    "dac khu ",
    "thi tran ",
    "quan ",
    "huyen ",
    "thi xa ",
    "tp. ",
    "tp ",
)


def _plain(text: str) -> str:
    """Folded (sodiem/text.py), hyphens as spaces: "Phường  Cầu Giấy" → "phuong cau giay"."""
    return fold(str(text or "").replace("-", " "))


def _split(text: str) -> tuple[str, str]:
    """(kind, name) of a unit's name, both plain: "TP. Hà Nội" → ("thanh pho", "ha noi")."""
    text = _plain(text)
    for prefix in _KINDS:
        if text.startswith(prefix):
            kind = prefix.strip().rstrip(".")
            return ("thanh pho" if kind == "tp" else kind), text[len(prefix) :]
    return "", text


def _key(text: str) -> str:
    """A name compared without its kind, case, accents or spacing: "phường Ba  Đình" ~ "Ba Đình"."""
    return _split(text)[1]


def _same(text: str, name: str) -> bool:
    """Whether a typed name is the unit's, with or without its kind — but not with another kind:
    "Xa Dung" is "Xã Xa Dung", "Quận Cầu Giấy" is not "Phường Cầu Giấy"."""
    kind, key = _split(text)
    unit_kind, unit_key = _split(name)
    return (not kind and unit_key == _plain(text)) or (key == unit_key and kind in ("", unit_kind))


@cache
def provinces() -> tuple[Unit, ...]:
    from vietnam_provinces import Province as _Province  # the package's tables load on first use

    return tuple(Unit(f"{p.code.value:02d}", p.name) for p in _Province.iter_all())


@cache
def _communes_by_province() -> dict[str, tuple[Unit, ...]]:
    from vietnam_provinces import Ward as _Ward

    found: dict[str, list[Unit]] = {}
    for w in _Ward.iter_all():
        found.setdefault(f"{w.province_code.value:02d}", []).append(
            Unit(f"{w.code.value:05d}", w.name, w.division_type.value)
        )
    return {code: tuple(units) for code, units in found.items()}


def province(code: str) -> Unit | None:
    return next((p for p in provinces() if p.code == code), None)


def find_province(text: str) -> Unit | None:
    """A province of today by its code or its name ("Hà Nội", "Thành phố Hà Nội", "01")."""
    text = str(text or "").strip()
    return (
        province(text.zfill(2))
        if text.isdigit()
        else next((p for p in provinces() if _same(text, p.name)), None)
    )


def communes(province_code: str) -> tuple[Unit, ...]:
    return _communes_by_province().get(province_code, ())


def commune(province_code: str, code: str) -> Unit | None:
    return next((c for c in communes(province_code) if c.code == code), None)


def find_commune(province_code: str, text: str) -> Unit | None:
    """A commune of the province by its code or its name, with or without its kind."""
    text = str(text or "").strip()
    if text.isdigit():
        return commune(province_code, text.zfill(5))
    return next((c for c in communes(province_code) if _same(text, c.name)), None)


@cache
def _old_index() -> dict[str, dict[str, set[str]]]:
    """Before the reform: province name key → district name key → ward name keys."""
    from vietnam_provinces.legacy import District as _OldDistrict
    from vietnam_provinces.legacy import Province as _OldProvince
    from vietnam_provinces.legacy import Ward as _OldWard

    districts = {d.code: d for d in _OldDistrict.iter_all()}
    provinces_old = {p.code: p for p in _OldProvince.iter_all()}
    index: dict[str, dict[str, set[str]]] = {}
    for p in provinces_old.values():
        index.setdefault(_key(p.name), {})
    for d in districts.values():
        index.setdefault(_key(provinces_old[d.province_code].name), {}).setdefault(_key(d.name), set())
    for w in _OldWard.iter_all():
        d = districts.get(w.district_code)
        if d is not None:
            index[_key(provinces_old[d.province_code].name)].setdefault(_key(d.name), set()).add(_key(w.name))
    return index


def place_exists(province_name: str, commune_name: str, district_name: str = "") -> bool:
    """Whether an address names a real place: province + commune as they are since 1/7/2025, or (with a
    district) province + district + commune as they were before — the roster's old addresses."""
    if not commune_name:
        return True
    if district_name:
        districts = _old_index().get(_key(province_name))
        if districts is None:
            return False
        wards = districts.get(_key(district_name))
        return wards is not None and _key(commune_name) in wards
    found = find_province(province_name)
    return found is not None and find_commune(found.code, commune_name) is not None


def commune_line(kind: str) -> str:
    """The commune's kind as the covers name it since 2025: "Xã", "Phường", "Đặc khu"."""
    return {"xã": "Xã", "phường": "Phường", "đặc khu": "Đặc khu"}.get(kind, "Xã")
