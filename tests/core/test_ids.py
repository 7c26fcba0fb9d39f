"""Personal ID (số định danh cá nhân) checks, as a school clerk typing one would meet them."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hocba.core.ids import FEMALE, MALE, check_personal_id, make_personal_id

BORN_2012 = dt.date(2012, 3, 14)


@pytest.mark.parametrize(("birth", "sex", "digit"), [
    (dt.date(2012, 3, 14), MALE, "2"),
    (dt.date(2012, 3, 14), FEMALE, "3"),
    (dt.date(1985, 7, 1), MALE, "0"),
    (dt.date(1985, 7, 1), FEMALE, "1"),
    (dt.date(2000, 1, 1), MALE, "2"),  # 2000 is in the 21st century for the ID
    (dt.date(1999, 12, 31), FEMALE, "1"),
    (dt.date(2100, 5, 5), FEMALE, "5"),
])
def test_century_sex_digit_must_match(birth, sex, digit):
    good = f"031{digit}{birth.year % 100:02d}123456"
    assert check_personal_id(good, birth_date=birth, sex=sex).ok
    for wrong in "0123456789":
        if wrong == digit:
            continue
        bad = f"031{wrong}{birth.year % 100:02d}123456"
        result = check_personal_id(bad, birth_date=birth, sex=sex)
        assert not result.ok
        assert "Chữ số thứ 4" in result.errors[0]
        assert f"cần {digit}" in result.errors[0]


def test_birth_year_digits_must_match():
    result = check_personal_id("031213123456", birth_date=BORN_2012, sex=MALE)
    assert not result.ok
    assert any("không khớp năm sinh 2012" in e for e in result.errors)


@pytest.mark.parametrize("value", ["", "03121212345", "0312121234567", "03121212345a", "031 21212345",
                                   "０３１２１２１２３４５６", "-31212123456"])
def test_only_twelve_ascii_digits(value):
    result = check_personal_id(value)
    assert not result.ok
    assert result.errors == ["Số định danh cá nhân phải gồm đúng 12 chữ số."]


def test_unknown_province_is_only_a_warning():
    result = check_personal_id("999212123456", birth_date=BORN_2012, sex=MALE)
    assert result.ok
    assert result.errors == []
    assert "Mã tỉnh '999'" in result.warnings[0]


def test_known_province_has_no_warning():
    result = check_personal_id("031212123456", birth_date=BORN_2012, sex=MALE)
    assert result.ok and result.warnings == []


def test_without_birth_date_only_the_form_is_checked():
    assert check_personal_id("031912123456").ok


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)),
       st.sampled_from([MALE, FEMALE]),
       st.integers(min_value=0, max_value=999_999))
def test_made_ids_pass_the_check_and_fail_for_the_other_sex(birth, sex, serial):
    pid = make_personal_id("031", birth, sex, serial)
    assert len(pid) == 12 and pid.isdigit()
    assert check_personal_id(pid, birth_date=birth, sex=sex).ok
    other = FEMALE if sex == MALE else MALE
    assert not check_personal_id(pid, birth_date=birth, sex=other).ok
