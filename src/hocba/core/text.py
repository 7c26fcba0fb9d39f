"""Vietnamese text: NFC normalisation, accent-free search keys, Vietnamese sort keys and numbers.

SQLite folds ASCII case only and PostgreSQL here runs a C collation, so neither can
search or sort Vietnamese by itself. Every searchable name therefore stores two derived
columns: a *search key* (NFC → casefold → accents removed, đ → d) and a *sort key* that
orders by the Vietnamese alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y)
with tones as a secondary difference. Both are plain ASCII, so they compare the same on
every database and collation.
"""

from __future__ import annotations

import unicodedata

from django.utils import numberformat

ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_EXTRA = "fjwz"  # letters of foreign names sort after y
_TONE_MARKS = {"\u0300": 2, "\u0301": 4, "\u0303": 3, "\u0309": 1, "\u0323": 5}  # huyền sắc ngã hỏi nặng
# Traditional order of tones: ngang, huyền, hỏi, ngã, sắc, nặng (dictionary order).
_TONE_RANK = {0: 0, 2: 1, 1: 2, 3: 3, 4: 4, 5: 5}


def nfc(value: str) -> str:
    """Return ``value`` in Unicode NFC with surrounding and repeated spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def search_key(value: str) -> str:
    """Accent- and case-free key: "Đặng Thị Ánh" → "dang thi anh"."""
    decomposed = unicodedata.normalize("NFD", nfc(value).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d")


def _letter_and_tone(ch: str) -> tuple[str, int]:
    """Split one lowercase NFC character into its base Vietnamese letter and tone number."""
    decomposed = unicodedata.normalize("NFD", ch)
    tone = 0
    kept = []
    for part in decomposed:
        if part in _TONE_MARKS:
            tone = _TONE_MARKS[part]
        else:
            kept.append(part)
    return unicodedata.normalize("NFC", "".join(kept)), _TONE_RANK[tone]


def _word_key(word: str) -> tuple[str, str]:
    """(letters in alphabet order, the word's tone): one tone per syllable, wherever the mark sits
    ("hoà" and "hòa" are the same word)."""
    primary, word_tone = [], 0
    for ch in word.casefold():
        letter, tone = _letter_and_tone(ch)
        if letter in ALPHABET:
            primary.append(chr(ord("A") + ALPHABET.index(letter)))
        elif letter in _EXTRA:
            primary.append(chr(ord("A") + len(ALPHABET) + _EXTRA.index(letter)))
        elif letter.isdigit():
            primary.append(letter)
        else:
            continue
        word_tone = max(word_tone, tone)
    return "".join(primary), str(word_tone)


def sort_key(value: str) -> str:
    """ASCII key that sorts Vietnamese words in dictionary order, words compared left to right.

    Primary: letters in the Vietnamese alphabet order, words joined by "#"; secondary (after "!",
    which sorts before "#", digits and letters, so a shorter name comes before a longer one that
    starts with it: "Ba" < "Ba Anh"): tones, so "Ba" < "Bà" < "Bả" but "Bà" < "Bác".
    """
    words = [_word_key(w) for w in nfc(value).split(" ") if w]
    primary = "#".join(p for p, _ in words)
    secondary = "".join(s for _, s in words)
    return f"{primary}!{secondary}"


def person_sort_key(full_name: str) -> str:
    """Vietnamese class-list order: given name (last word) first, then the whole name."""
    name = nfc(full_name)
    given = name.rsplit(" ", 1)[-1] if name else ""
    return f"{sort_key(given)}|{sort_key(name)}"


def vn_number(value: float, decimals: int = 0) -> str:
    """A number as Vietnamese readers write it: thousands dot, decimal comma (``1.789``, ``0,11``)."""
    return numberformat.format(value, ",", decimals, grouping=3, thousand_sep=".", force_grouping=True)
