"""Vietnamese alphabetical order (docs/rules.md: Vietnamese order)."""

import pytest

from accounts.vietnamese import collation_key, encode_key, person_sort_key, split_full_name


@pytest.mark.parametrize(
    "first, second",
    [
        ("Anh", "Ảnh"),  # ngang < hỏi
        ("Ảnh", "Ánh"),  # hỏi < sắc
        ("Ánh", "Ạnh"),  # sắc < nặng
        ("Hà", "Hai"),  # letters before tones
        ("Anh", "Ân"),  # a < â
        ("Dũng", "Đức"),  # d < đ
        ("Ông", "Ơn"),  # ô < ơ
        ("Chi", "Cúc"),  # standard (not traditional) order: c-h-i < c-ú-c
        ("Uyên", "Ư"),
        ("Ý", "Yến"),  # a prefix first
        ("An", "An Bình"),
    ],
)
def test_pairs_in_order(first, second):
    assert collation_key(first) < collation_key(second)
    assert encode_key(first) < encode_key(second)


def test_roster_sorts_by_given_name_then_the_rest():
    names = ["Nguyễn Văn Bình", "Trần Thị An", "Lê Văn An", "Đỗ Minh Đức", "Phạm Thị Dung", "Nguyễn Thị Ánh"]
    ordered = sorted(names, key=person_sort_key)
    assert ordered == [
        "Lê Văn An",
        "Trần Thị An",
        "Nguyễn Thị Ánh",
        "Nguyễn Văn Bình",
        "Phạm Thị Dung",
        "Đỗ Minh Đức",
    ]


def test_decomposed_input_sorts_like_composed():
    import unicodedata

    assert encode_key(unicodedata.normalize("NFD", "Nguyễn Đức Thắng")) == encode_key("Nguyễn Đức Thắng")


def test_split_full_name():
    assert split_full_name("  Nguyễn  Thị Minh   Anh ") == ("Nguyễn", "Thị Minh", "Anh")
    assert split_full_name("Anh") == ("", "", "Anh")
