"""Vietnamese alphabetical order (CLDR/ICU `vi`, standard variant), without PyICU.

Rules (docs/rules.md: Vietnamese order):
- letters a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y (f j w z at their Latin places)
  are compared first (primary); ă â đ ê ô ơ ư are letters of their own;
- tone marks are compared only when the letters are equal over the whole string (secondary), in the
  order ngang < huyền < hỏi < ngã < sắc < nặng;
- case last (tertiary).
Rosters sort by given name (the last word), then the full name from the start, then date of birth.
"""

import unicodedata

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {ch: 12 + i for i, ch in enumerate(_ALPHABET)}  # 1 = space, 2..11 = digits
_MODIFIERS = {"\u0306": "ă", "\u0302": "^", "\u031b": "+"}  # breve, circumflex, horn
_WITH_MODIFIER = {
    ("a", "ă"): "ă",
    ("a", "^"): "â",
    ("e", "^"): "ê",
    ("o", "^"): "ô",
    ("o", "+"): "ơ",
    ("u", "+"): "ư",
}
# ngang (none) 0 < huyền 1 < hỏi 2 < ngã 3 < sắc 4 < nặng 5
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _letters(text: str):
    """Yield (letter, tone, is_upper) for each base character of text."""
    decomposed = unicodedata.normalize("NFD", text)
    current = None
    tone = 0
    upper = False
    for ch in decomposed:
        if unicodedata.combining(ch):
            if current is None:
                continue
            if ch in _MODIFIERS:
                current = _WITH_MODIFIER.get((current, _MODIFIERS[ch]), current)
            elif ch in _TONES:
                tone = _TONES[ch]
            continue
        if current is not None:
            yield current, tone, upper
        upper = ch != ch.lower()
        current = ch.lower()
        tone = 0
    if current is not None:
        yield current, tone, upper


def _primary(letter: str) -> int:
    if letter in _LETTER_RANK:
        return _LETTER_RANK[letter]
    if letter.isdigit():
        return 2 + int(letter) if letter in "0123456789" else 2
    if letter.isspace() or letter in "-'.":
        return 1
    return 99


def collation_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """A key that orders strings as ICU's Vietnamese collation does (for the names we meet)."""
    parts = list(_letters(" ".join(text.split())))
    return (
        tuple(_primary(letter) for letter, _, _ in parts),
        tuple(tone for _, tone, _ in parts),
        tuple(int(upper) for _, _, upper in parts),
    )


def encode_key(text: str) -> str:
    """collation_key as a string of digits, so any database orders it the same way.

    Fixed-width fields with terminators lower than any value make string order equal tuple order.
    """
    primary, secondary, tertiary = collation_key(text)
    return (
        "".join(f"{p:02d}" for p in primary)
        + "00"
        + "".join(str(s + 1) for s in secondary)
        + "0"
        + "".join(str(t + 1) for t in tertiary)
        + "0"
    )


def split_full_name(full_name: str) -> tuple[str, str, str]:
    """'Nguyễn Thị Minh Anh' → ('Nguyễn', 'Thị Minh', 'Anh')."""
    words = " ".join(unicodedata.normalize("NFC", full_name).split()).split(" ")
    if len(words) == 1:
        return "", "", words[0]
    return words[0], " ".join(words[1:-1]), words[-1]


def roster_key(family_name: str, middle_name: str, given_name: str, birth: str = "") -> str:
    """Sort key of a roster: given name, then the full name from the start, then date of birth."""
    full = " ".join(p for p in (family_name, middle_name, given_name) if p)
    return encode_key(given_name) + encode_key(full) + birth


def person_sort_key(full_name: str) -> str:
    family, middle, given = split_full_name(full_name)
    return roster_key(family, middle, given)
