"""Scores, rounding and the formulas of Điều 6 and Điều 9 khoản 1."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hocba.assessment import (
    AssessmentInputError,
    format_score,
    parse_score,
    term_average,
    tx_count,
    year_average,
)

D = Decimal


@pytest.mark.parametrize(
    ("periods", "count"),
    [(1, 2), (35, 2), (36, 3), (52, 3), (70, 3), (71, 4), (105, 4), (140, 4)],
)
def test_regular_assessment_count_follows_periods_per_year(periods, count):
    assert tx_count(periods) == count


@pytest.mark.parametrize("value", ["8,5", "8.5", 8.5, D("8.5"), " 8,5 ", "8.50"])
def test_score_accepts_comma_point_number_and_decimal(value):
    assert parse_score(value) == D("8.5")


@pytest.mark.parametrize(("value", "expected"), [(8, "8.0"), ("10", "10.0"), (0, "0.0"), ("0,0", "0.0")])
def test_whole_scores_get_one_decimal(value, expected):
    result = parse_score(value)
    assert result == D(expected) and str(result) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("8,25", "quá một chữ số thập phân"),
        (8.25, "quá một chữ số thập phân"),
        (10.5, "ngoài thang điểm 0–10"),
        (-1, "ngoài thang điểm 0–10"),
        ("11", "ngoài thang điểm 0–10"),
        ("tám", "không phải là điểm số"),
        (True, "không phải là điểm số"),
        (None, "không phải là điểm số"),
        (float("nan"), "không phải là điểm số"),
        ([8], "không phải là điểm số"),
        (D("NaN"), "không phải là điểm số"),
    ],
)
def test_bad_scores_are_refused_in_vietnamese(value, message):
    with pytest.raises(AssessmentInputError, match=message):
        parse_score(value)


def test_format_score_uses_a_comma():
    assert format_score(D("8.5")) == "8,5"
    assert format_score(D("10")) == "10,0"
    assert format_score(7) == "7,0"


def test_term_average_formula_with_weights_one_two_three():
    # the contract's example, Toán HK I: (7 + 8,5 + 9 + 6 + 2·7,5 + 3·8) / 9 = 69,5 / 9 = 7,72… → 7,7
    assert term_average([D(7), D("8.5"), D(9), D(6)], D("7.5"), D(8)) == D("7.7")
    # HK II: (8 + 8 + 7,5 + 9 + 16 + 25,5) / 9 = 74 / 9 = 8,22… → 8,2
    assert term_average([D(8), D(8), D("7.5"), D(9)], D(8), D("8.5")) == D("8.2")
    assert term_average([D(7), D(7), D(8)], D(8), D("7.5")) == D("7.6")  # 60,5/8 = 7,5625


@pytest.mark.parametrize(
    ("tx", "gk", "ck", "expected"),
    [
        # exactly half a tenth → up: (6+7 + 2·6,5 + 3·6,4)/7 = 45,2/7 = 6,457… → 6,5
        (["6", "7"], "6.5", "6.4", "6.5"),
        # 6,45 exactly: (6,4 + 6,4 + 2·6,5 + 3·6,45…) — built so the sum over 8 is 51,6 → 6,45 → 6,5
        (["6.4", "6.4", "6.4"], "6.4", "6.6", "6.5"),
        (["4.9", "5", "5"], "5", "4.9", "5.0"),  # 39,7/8 = 4,9625 → 5,0
        (["8", "8", "8", "7.9"], "8", "7.9", "8.0"),  # 71,6/9 = 7,955… → 8,0
        (["3.5", "3.4"], "3.5", "3.4", "3.4"),  # 24,1/7 = 3,442… → 3,4
    ],
)
def test_term_average_rounds_half_up_exactly(tx, gk, ck, expected):
    assert term_average([D(v) for v in tx], D(gk), D(ck)) == D(expected)


def test_half_a_tenth_goes_up_not_to_even():
    # 51,6 / 8 = 6,45 exactly: banker's rounding would give 6,4; Vietnamese practice gives 6,5
    assert term_average([D("6.4")] * 3, D("6.4"), D("6.6")) == D("6.5")
    # 2,5 … 8,25: (8 + 8,5 + 8 + 2·8 + 3·8,5)/8 = 66/8 = 8,25 → 8,3
    assert term_average([D(8), D("8.5"), D(8)], D(8), D("8.5")) == D("8.3")


@pytest.mark.parametrize(
    ("hk1", "hk2", "expected"),
    [
        ("6.3", "6.6", "6.5"),  # 19,5/3 = 6,5
        ("6.4", "6.5", "6.5"),  # 19,4/3 = 6,466… → 6,5
        ("6.5", "6.4", "6.4"),  # 19,3/3 = 6,433… → 6,4 (the second term weighs twice)
        ("7.9", "8.0", "8.0"),  # 23,9/3 = 7,966… → 8,0
        ("4.9", "5.0", "5.0"),  # 14,9/3 = 4,966… → 5,0
        ("5.0", "4.9", "4.9"),  # 14,8/3 = 4,933… → 4,9
        ("3.3", "3.6", "3.5"),  # 10,5/3 = 3,5
        ("8.9", "9.0", "9.0"),  # 26,9/3 = 8,966… → 9,0
        ("10", "10", "10.0"),
        ("0", "0", "0.0"),
    ],
)
def test_year_average_weights_second_term_twice(hk1, hk2, expected):
    assert year_average(D(hk1), D(hk2)) == D(expected)


def test_year_average_uses_the_recorded_term_averages():
    """ĐTBmcn comes from the term averages as recorded (rounded), which can differ from using the
    exact fractions: HK I (6,5+6,5+6 + 2·6,5 + 3·6)/8 = 6,25 → 6,3; HK II (6,5+6,5+6 + 2·6,3 + 3·6,4)/8
    = 6,35 → 6,4; recorded (6,3 + 2·6,4)/3 = 6,366… → 6,4 whereas exact (6,25 + 2·6,35)/3 = 6,316… → 6,3."""
    from hocba.assessment import assess_json

    hk1 = term_average([D("6.5"), D("6.5"), D(6)], D("6.5"), D(6))
    hk2 = term_average([D("6.5"), D("6.5"), D(6)], D("6.3"), D("6.4"))
    assert (hk1, hk2) == (D("6.3"), D("6.4"))
    assert year_average(hk1, hk2) == D("6.4")
    subject = {
        "name": "Công nghệ",
        "mode": "score",
        "periods_per_year": 52,
        "hk1": {"tx": ["6,5", "6,5", 6], "gk": "6,5", "ck": 6},
        "hk2": {"tx": [6.5, 6.5, 6], "gk": 6.3, "ck": 6.4},
    }
    result = assess_json({"subjects": [subject], "conduct": {"hk1": "Tốt", "hk2": "Tốt"}, "absences": 0})
    assert result["subjects"]["Công nghệ"] == {"hk1": 6.3, "hk2": 6.4, "cn": 6.4}
