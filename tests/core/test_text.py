"""Vietnamese text keys (core/text.py): what a person searching or reading a sorted list notices."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from hocba.core.text import nfc, person_sort_key, search_key, sort_key

ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
#: ngang huyền hỏi ngã sắc nặng (dictionary order)
TONES = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]
VOWELS = set("aăâeêioôơuưy")


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# --- search key ----------------------------------------------------------------------------

def test_search_key_drops_case_accents_and_stroke():
    assert search_key("Đặng Thị Ánh") == "dang thi anh"
    assert search_key("NGUYỄN VĂN ƯỚC") == "nguyen van uoc"
    assert search_key("nguyen") == search_key("Nguyễn") == search_key("NGUYỄN")


def test_search_key_same_for_nfc_and_nfd_input():
    assert search_key(nfd("Phạm Thị Hường")) == search_key("Phạm Thị Hường") == "pham thi huong"


def test_search_key_collapses_spaces():
    assert search_key("  Lê   Văn\tAn ") == "le van an"


vietnamese_text = st.text(
    alphabet=st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBĐEÊOÔƠUƯY áàảãạấầẩẫậếềểễệóòỏõọúùủũụíìỉĩị")
                             + list("fjwz0123456789-'")),
    max_size=40,
)


@given(vietnamese_text)
def test_search_key_is_idempotent_and_ascii(text):
    key = search_key(text)
    assert key.isascii()
    assert search_key(key) == key
    assert key == key.lower()


@given(st.text(max_size=30))
def test_search_key_is_idempotent_for_any_text(text):
    assert search_key(search_key(text)) == search_key(text)


@given(vietnamese_text)
def test_search_key_ignores_normal_form(text):
    assert search_key(nfd(text)) == search_key(text)


# --- NFC -----------------------------------------------------------------------------------

def test_nfc_composes_decomposed_input():
    decomposed = nfd("Nguyễn Thị Ánh")
    assert decomposed != "Nguyễn Thị Ánh"
    assert nfc(decomposed) == "Nguyễn Thị Ánh"
    assert unicodedata.is_normalized("NFC", nfc(decomposed))


# --- sort key -------------------------------------------------------------------------------

def sorted_names(names):
    return sorted(names, key=sort_key)


def test_alphabet_order_of_first_letters():
    assert sorted_names(["Bình", "Ân", "An", "Ăn"]) == ["An", "Ăn", "Ân", "Bình"]
    assert sorted_names(["Giang", "Đặng", "Dương"]) == ["Dương", "Đặng", "Giang"]
    assert sorted_names(["Ước", "Uyên", "Vân"]) == ["Uyên", "Ước", "Vân"]
    assert sorted_names(["Ơn", "Ôn", "Oanh"]) == ["Oanh", "Ôn", "Ơn"]


def test_tones_are_secondary():
    assert sorted_names(["Bác", "Bà", "Ba"]) == ["Ba", "Bà", "Bác"]
    assert sorted_names(["Mạ", "Má", "Mã", "Mả", "Mà", "Ma"]) == ["Ma", "Mà", "Mả", "Mã", "Má", "Mạ"]


def test_shorter_name_before_longer_name_with_same_start():
    assert sorted_names(["Ba Anh", "Ba"]) == ["Ba", "Ba Anh"]
    assert sorted_names(["Bac", "Ba Anh"]) == ["Ba Anh", "Bac"]
    assert sorted_names(["Trường THCS Ngô Quyền số 2", "Trường THCS Ngô Quyền"]) == [
        "Trường THCS Ngô Quyền", "Trường THCS Ngô Quyền số 2"]


def test_tone_position_does_not_change_the_order():
    """Old and new tone placement (hoà / hòa) are the same word."""
    assert sort_key("Hoà") == sort_key("Hòa")
    assert sorted_names(["Hoá", "Hòa", "Hoa"]) == ["Hoa", "Hòa", "Hoá"]


def test_case_and_normal_form_do_not_change_the_order():
    assert sort_key("ĐẶNG") == sort_key("đặng") == sort_key(nfd("Đặng"))


def test_class_list_order_is_by_given_name_then_whole_name():
    names = ["Nguyễn Văn Bình", "Trần Thị Ân", "Lê Minh An", "Đặng Hữu Bình", "Dương Thị Bình"]
    assert sorted(names, key=person_sort_key) == [
        "Lê Minh An", "Trần Thị Ân", "Dương Thị Bình", "Đặng Hữu Bình", "Nguyễn Văn Bình"]


# A reference order written independently of the implementation: words compared one by one on their
# letters' positions in the Vietnamese alphabet; then, only for equal letters, the tones word by word.
def _split(word: str) -> tuple[tuple[int, ...], int]:
    letters, tone = [], 0
    for ch in nfd(word.lower()):
        if ch in TONES[1:]:
            tone = TONES.index(ch)
        else:
            letters.append(ch)
    plain = unicodedata.normalize("NFC", "".join(letters))
    return tuple(ALPHABET.index(c) for c in plain), tone


def reference_key(name: str):
    parts = [_split(w) for w in name.split(" ") if w]
    return tuple(p for p, _ in parts), tuple(t for _, t in parts)


syllable = st.builds(
    lambda start, vowel, tone, end: unicodedata.normalize("NFC", start + vowel + tone + end),
    st.sampled_from(["", "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "ng", "nh", "ph", "qu", "t", "th",
                     "tr"]),
    st.sampled_from([*sorted(VOWELS), "oa", "uy", "ươ", "iê"]),
    st.sampled_from(TONES),
    st.sampled_from(["", "c", "ch", "m", "n", "ng", "nh", "p", "t"]),
)
names = st.lists(syllable, min_size=1, max_size=4).map(" ".join)


def _cmp(a, b) -> int:
    return (a > b) - (a < b)


@given(names, names)
def test_sort_key_agrees_with_the_vietnamese_alphabet(a, b):
    assert _cmp(sort_key(a), sort_key(b)) == _cmp(reference_key(a), reference_key(b)), (a, b)


@given(names, names, names)
def test_sort_key_order_is_total_and_transitive(a, b, c):
    ka, kb, kc = sort_key(a), sort_key(b), sort_key(c)
    assert ka <= kb or kb <= ka
    if ka <= kb and kb <= kc:
        assert ka <= kc
    assert ka.isascii()


@given(names)
def test_sort_key_ignores_case_and_normal_form(a):
    assert sort_key(a.upper()) == sort_key(nfd(a)) == sort_key(a)


def test_a_refusal_lists_its_items_separated_as_a_reader_expects():
    from hocba.core.errors import DomainError

    refused = DomainError("Chưa đủ xác nhận của giáo viên bộ môn.", {"Môn chưa xác nhận": ["Công nghệ", "Tin học"]})
    assert str(refused) == "Chưa đủ xác nhận của giáo viên bộ môn. (Môn chưa xác nhận: Công nghệ, Tin học)"
