"""Starting points for a school year (docs/onboarding.md): the Ministry's year frame and the curriculum
of each programme. Plain data and arithmetic, no Django: the set-up service turns them into rows that
the school then edits per grade and per class.

Curriculum: Chương trình GDPT 2018 (Thông tư 32/2018/TT-BGDĐT, the periods per year of each subject) for
the classes under Thông tư 22/2021; the 2006 programme's subjects for the classes still under Thông tư
58/2011 (the periods are the usual ones of its distribution; the school corrects them). Which subjects
are assessed by comment: TT22 Điều 5 khoản 1 điểm a; TT58 Điều 5 khoản 3 (as amended by TT26/2020).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

SCORE, COMMENT = "score", "comment"


@dataclass(frozen=True)
class SubjectPreset:
    code: str
    name: str
    short_name: str
    kind: str  # SCORE or COMMENT
    department: str
    periods: dict[int, int]  # grade → periods per year
    elective: bool = False  # THPT: chosen per class (a combination of four)
    topic_clusters: bool = False  # THPT: has learning-topic clusters a class may choose


SOCIAL, NATURAL, ARTS = "Tổ Khoa học Xã hội", "Tổ Khoa học Tự nhiên", "Tổ Nghệ thuật - Thể chất"
FOREIGN = "Tổ Ngoại ngữ"


def _all(grades: range, periods: int) -> dict[int, int]:
    return dict.fromkeys(grades, periods)


THCS = range(6, 10)
THPT = range(10, 13)

# CT GDPT 2018, lower secondary (grades 6–9)
THCS_2018 = (
    SubjectPreset("ngu-van", "Ngữ văn", "Văn", SCORE, SOCIAL, _all(THCS, 140)),
    SubjectPreset("toan", "Toán", "Toán", SCORE, NATURAL, _all(THCS, 140)),
    SubjectPreset("tieng-anh", "Tiếng Anh", "Anh", SCORE, FOREIGN, _all(THCS, 105)),
    SubjectPreset("gdcd", "Giáo dục công dân", "GDCD", SCORE, SOCIAL, _all(THCS, 35)),
    SubjectPreset("ls-dl", "Lịch sử và Địa lí", "LS&ĐL", SCORE, SOCIAL, _all(THCS, 105)),
    SubjectPreset("khtn", "Khoa học tự nhiên", "KHTN", SCORE, NATURAL, _all(THCS, 140)),
    SubjectPreset("cong-nghe", "Công nghệ", "CN", SCORE, NATURAL, {6: 35, 7: 35, 8: 52, 9: 52}),
    SubjectPreset("tin-hoc", "Tin học", "Tin", SCORE, NATURAL, _all(THCS, 35)),
    SubjectPreset("gdtc", "Giáo dục thể chất", "GDTC", COMMENT, ARTS, _all(THCS, 70)),
    SubjectPreset("nghe-thuat", "Nghệ thuật", "NT", COMMENT, ARTS, _all(THCS, 70)),
    SubjectPreset("hdtn", "Hoạt động trải nghiệm, hướng nghiệp", "HĐTN", COMMENT, ARTS, _all(THCS, 105)),
    SubjectPreset("gddp", "Nội dung giáo dục của địa phương", "GDĐP", COMMENT, ARTS, _all(THCS, 35)),
)

# CT GDPT 2018, upper secondary (grades 10–12): compulsory subjects, then the electives a class chooses
# four of; each elective (and Toán, Ngữ văn) has learning-topic clusters of 35 periods a year.
THPT_2018 = (
    SubjectPreset("ngu-van", "Ngữ văn", "Văn", SCORE, SOCIAL, _all(THPT, 105), topic_clusters=True),
    SubjectPreset("toan", "Toán", "Toán", SCORE, NATURAL, _all(THPT, 105), topic_clusters=True),
    SubjectPreset("tieng-anh", "Tiếng Anh", "Anh", SCORE, FOREIGN, _all(THPT, 105)),
    SubjectPreset("lich-su", "Lịch sử", "Sử", SCORE, SOCIAL, _all(THPT, 52)),
    SubjectPreset("gdtc", "Giáo dục thể chất", "GDTC", COMMENT, ARTS, _all(THPT, 70)),
    SubjectPreset("gdqp", "Giáo dục quốc phòng và an ninh", "GDQP", SCORE, ARTS, _all(THPT, 35)),
    SubjectPreset("hdtn", "Hoạt động trải nghiệm, hướng nghiệp", "HĐTN", COMMENT, ARTS, _all(THPT, 105)),
    SubjectPreset("gddp", "Nội dung giáo dục của địa phương", "GDĐP", COMMENT, ARTS, _all(THPT, 35)),
    SubjectPreset("dia-li", "Địa lí", "Địa", SCORE, SOCIAL, _all(THPT, 70), True, True),
    SubjectPreset(
        "gdktpl", "Giáo dục kinh tế và pháp luật", "KTPL", SCORE, SOCIAL, _all(THPT, 70), True, True
    ),
    SubjectPreset("vat-li", "Vật lí", "Lí", SCORE, NATURAL, _all(THPT, 70), True, True),
    SubjectPreset("hoa-hoc", "Hóa học", "Hóa", SCORE, NATURAL, _all(THPT, 70), True, True),
    SubjectPreset("sinh-hoc", "Sinh học", "Sinh", SCORE, NATURAL, _all(THPT, 70), True, True),
    SubjectPreset("cong-nghe", "Công nghệ", "CN", SCORE, NATURAL, _all(THPT, 70), True, True),
    SubjectPreset("tin-hoc", "Tin học", "Tin", SCORE, NATURAL, _all(THPT, 70), True, True),
    SubjectPreset("am-nhac", "Âm nhạc", "Nhạc", COMMENT, ARTS, _all(THPT, 70), True, True),
    SubjectPreset("mi-thuat", "Mĩ thuật", "MT", COMMENT, ARTS, _all(THPT, 70), True, True),
)

# The 2006 programme (classes under TT58/TT26), a starting point
THCS_2006 = (
    SubjectPreset("ngu-van", "Ngữ văn", "Văn", SCORE, SOCIAL, {6: 140, 7: 140, 8: 140, 9: 175}),
    SubjectPreset("toan", "Toán", "Toán", SCORE, NATURAL, _all(THCS, 140)),
    SubjectPreset("tieng-anh", "Tiếng Anh", "Anh", SCORE, FOREIGN, {6: 105, 7: 105, 8: 105, 9: 70}),
    SubjectPreset("vat-li", "Vật lí", "Lí", SCORE, NATURAL, {6: 35, 7: 35, 8: 35, 9: 70}),
    SubjectPreset("hoa-hoc", "Hóa học", "Hóa", SCORE, NATURAL, {8: 70, 9: 70}),
    SubjectPreset("sinh-hoc", "Sinh học", "Sinh", SCORE, NATURAL, {6: 70, 7: 70, 8: 70, 9: 70}),
    SubjectPreset("lich-su", "Lịch sử", "Sử", SCORE, SOCIAL, {6: 35, 7: 70, 8: 52, 9: 52}),
    SubjectPreset("dia-li", "Địa lí", "Địa", SCORE, SOCIAL, {6: 35, 7: 70, 8: 52, 9: 52}),
    SubjectPreset("gdcd", "Giáo dục công dân", "GDCD", SCORE, SOCIAL, _all(THCS, 35)),
    SubjectPreset("cong-nghe", "Công nghệ", "CN", SCORE, NATURAL, {6: 70, 7: 52, 8: 52, 9: 35}),
    SubjectPreset("tin-hoc", "Tin học", "Tin", SCORE, NATURAL, _all(THCS, 70)),
    SubjectPreset("the-duc", "Thể dục", "TD", COMMENT, ARTS, _all(THCS, 70)),
    SubjectPreset("am-nhac", "Âm nhạc", "Nhạc", COMMENT, ARTS, {6: 35, 7: 35, 8: 35, 9: 18}),
    SubjectPreset("mi-thuat", "Mĩ thuật", "MT", COMMENT, ARTS, {6: 35, 7: 35, 8: 35, 9: 18}),
)

THPT_2006 = (
    SubjectPreset("ngu-van", "Ngữ văn", "Văn", SCORE, SOCIAL, {10: 105, 11: 122, 12: 105}),
    SubjectPreset("toan", "Toán", "Toán", SCORE, NATURAL, {10: 105, 11: 122, 12: 122}),
    SubjectPreset("tieng-anh", "Tiếng Anh", "Anh", SCORE, FOREIGN, _all(THPT, 105)),
    SubjectPreset("vat-li", "Vật lí", "Lí", SCORE, NATURAL, _all(THPT, 70)),
    SubjectPreset("hoa-hoc", "Hóa học", "Hóa", SCORE, NATURAL, _all(THPT, 70)),
    SubjectPreset("sinh-hoc", "Sinh học", "Sinh", SCORE, NATURAL, {10: 35, 11: 52, 12: 52}),
    SubjectPreset("lich-su", "Lịch sử", "Sử", SCORE, SOCIAL, {10: 52, 11: 35, 12: 52}),
    SubjectPreset("dia-li", "Địa lí", "Địa", SCORE, SOCIAL, {10: 52, 11: 35, 12: 52}),
    SubjectPreset("gdcd", "Giáo dục công dân", "GDCD", SCORE, SOCIAL, _all(THPT, 35)),
    SubjectPreset("cong-nghe", "Công nghệ", "CN", SCORE, NATURAL, {10: 52, 11: 52, 12: 35}),
    SubjectPreset("tin-hoc", "Tin học", "Tin", SCORE, NATURAL, _all(THPT, 52)),
    SubjectPreset("the-duc", "Thể dục", "TD", COMMENT, ARTS, _all(THPT, 70)),
    SubjectPreset("gdqp", "Giáo dục quốc phòng - an ninh", "GDQP", SCORE, ARTS, _all(THPT, 35)),
)

PRESETS = {"thcs": (THCS_2018, THCS_2006), "thpt": (THPT_2018, THPT_2006)}


def curriculum(preset: str, grade: int, under_tt22: bool) -> tuple[SubjectPreset, ...]:
    """The subjects of a grade by the preset: the 2018 programme for a class under TT22, the 2006 one
    for a class under TT58 (which regulation a (year, grade) is under: gradebook/regulations/registry)."""
    new, old = PRESETS[preset]
    return tuple(s for s in (new if under_tt22 else old) if grade in s.periods)


def preset_of_grade(grade: int) -> str:
    return "thcs" if grade <= 9 else "thpt"


# -- the year frame --------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearFrame:
    """The Ministry's frame for a school year (Quyết định khung kế hoạch thời gian năm học, as published
    every year; docs/onboarding.md): the year opens on 5 September, term I ends mid-January, teaching ends
    by 31 May; the provinces and schools fix the exact days."""

    start: date
    end: date
    term1_end: date
    term2_start: date
    term1_midterm: date
    term1_final: date
    term2_midterm: date
    term2_final: date
    data_deadline: date  # the year's data complete (20/9 as the schools' rules say)
    term1_entry_deadline: date
    term2_entry_deadline: date


def _saturday_on_or_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() - 5) % 7)


def _monday_on_or_after(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def national_holidays(start_year: int) -> list[list[str]]:
    """The public holidays with fixed solar dates inside a school year (Bộ luật Lao động 2019, Điều 112):
    1/1, 30/4–1/5; Tết Nguyên đán follows the lunar calendar and the province's decision, so the school
    adds it. [[first, last, name]] in ISO dates."""
    after = start_year + 1
    days = [
        [date(after, 1, 1).isoformat(), date(after, 1, 1).isoformat(), "Tết Dương lịch"],
        [
            date(after, 4, 30).isoformat(),
            date(after, 5, 1).isoformat(),
            "Ngày Giải phóng miền Nam, Quốc tế Lao động",
        ],
    ]
    new_year = LUNAR_NEW_YEAR.get(after)
    if new_year is not None:  # a usual span (28 Tết to mùng 6), which the school adjusts to the province's
        days.insert(
            1,
            [
                (new_year - timedelta(days=2)).isoformat(),
                (new_year + timedelta(days=5)).isoformat(),
                "Tết Nguyên đán",
            ],
        )
    return days


# the first day of the lunar year (mùng 1 Tết) in the years the portal's schools will meet
LUNAR_NEW_YEAR = {
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
}


def year_frame(start_year: int) -> YearFrame:
    term1_end = _saturday_on_or_before(date(start_year + 1, 1, 17))
    return YearFrame(
        start=date(start_year, 9, 5),
        end=date(start_year + 1, 5, 31),
        term1_end=term1_end,
        term2_start=_monday_on_or_after(term1_end + timedelta(days=1)),
        term1_midterm=_monday_on_or_after(date(start_year, 10, 27)),
        term1_final=_monday_on_or_after(date(start_year, 12, 20)),
        term2_midterm=_monday_on_or_after(date(start_year + 1, 3, 9)),
        term2_final=_monday_on_or_after(date(start_year + 1, 4, 27)),
        data_deadline=date(start_year, 9, 20),
        term1_entry_deadline=term1_end,
        term2_entry_deadline=date(start_year + 1, 5, 31),
    )


# -- classes in bulk ----------------------------------------------------------------------------------

_RANGE = re.compile(
    r"^(?P<grade>\d{1,2})(?P<stem>[^\d\s–-]*)(?P<first>\d+)-(?P<again>\d{1,2}[^\d\s]*)?(?P<last>\d+)$"
)
_ONE = re.compile(r"^(?P<grade>\d{1,2})(?P<stem>\D.*)$")


class ClassSpecError(ValueError):
    pass


def class_names(spec: str) -> list[tuple[int, str]]:
    """(grade, name) of every class a spec names: "6A1–6A8, 7A1-7A3, 10 Toán" → 6A1 … 6A8, 7A1 … 7A3.
    A range runs between two numbers of the same stem; the grade is the leading number."""
    found: list[tuple[int, str]] = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;\n]", spec or ""))):
        part = re.sub(r"\s*[-–]\s*", "-", part)
        if m := _RANGE.match(part):
            grade, stem = int(m["grade"]), m["stem"]
            first, last = int(m["first"]), int(m["last"])
            if m["again"] not in (None, f"{grade}{stem}") or last < first or last - first > 30:
                raise ClassSpecError(part)
            found += [(grade, f"{grade}{stem}{n}") for n in range(first, last + 1)]
        elif (m := _ONE.match(part)) and m["stem"]:
            found.append((int(m["grade"]), part))
        else:
            raise ClassSpecError(part)
    names = [name for _, name in found]
    if len(set(names)) != len(names):
        raise ClassSpecError(next(n for n in names if names.count(n) > 1))
    return found
