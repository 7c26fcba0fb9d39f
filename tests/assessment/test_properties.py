"""Invariants, checked by hypothesis over generated students."""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from hocba.assessment import assess_json, term_average, year_average

RANK = {"Chưa đạt": 0, "Đạt": 1, "Khá": 2, "Tốt": 3}
AWARD_RANK = {None: 0, "Học sinh Giỏi": 1, "Học sinh Xuất sắc": 2}
tenths = st.integers(min_value=0, max_value=100)
# scores cluster where the thresholds are, so the rules' edges get exercised
score = st.one_of(tenths, st.sampled_from([34, 35, 49, 50, 64, 65, 79, 80, 89, 90])).map(lambda t: t / 10)


def half_up(fraction: Fraction) -> Fraction:
    """Exact rounding to one decimal, half up (for non-negative values)."""
    return Fraction(int(fraction * 10 + Fraction(1, 2)), 10)


@st.composite
def scored_subject(draw, name):
    periods = draw(st.sampled_from([35, 52, 70, 105, 140]))
    n = 2 if periods <= 35 else 3 if periods <= 70 else 4
    subject = {"name": name, "mode": "score", "periods_per_year": periods}
    for term in ("hk1", "hk2"):
        subject[term] = {
            "tx": draw(st.lists(score, min_size=n, max_size=n)),
            "gk": draw(score),
            "ck": draw(score),
        }
    return subject


@st.composite
def students(draw):
    n_scored = draw(st.integers(min_value=0, max_value=10))
    subjects = [draw(scored_subject(f"Môn {i}")) for i in range(n_scored)]
    for i in range(draw(st.integers(min_value=0, max_value=4))):
        subjects.append(
            {
                "name": f"Nhận xét {i}",
                "mode": "comment",
                "periods_per_year": 70,
                "hk1": draw(st.sampled_from(["Đ", "Đ", "Đ", "CĐ"])),
                "hk2": draw(st.sampled_from(["Đ", "Đ", "Đ", "CĐ"])),
            }
        )
    levels = st.sampled_from(list(RANK))
    return {
        "grade": 7,
        "subjects": subjects,
        "conduct": {"hk1": draw(levels), "hk2": draw(levels)},
        "absences": draw(st.integers(min_value=0, max_value=50)),
    }


def levels(result):
    return [RANK[result["learning"][k]] for k in ("hk1", "hk2", "cn")] + [
        RANK[result["conduct"]["cn"]],
        AWARD_RANK[result["award"]],
    ]


@settings(max_examples=200, deadline=None)
@given(students(), st.data())
def test_raising_any_score_never_lowers_any_level(student, data):
    scored = [s for s in student["subjects"] if s["mode"] == "score"]
    if not scored:
        return
    before = assess_json(student)
    raised = copy.deepcopy(student)
    subject = data.draw(st.sampled_from([s for s in raised["subjects"] if s["mode"] == "score"]))
    term = subject[data.draw(st.sampled_from(["hk1", "hk2"]))]
    field = data.draw(st.sampled_from(["tx", "gk", "ck"]))
    bump = data.draw(st.integers(min_value=1, max_value=100))
    if field == "tx":
        i = data.draw(st.integers(min_value=0, max_value=len(term["tx"]) - 1))
        term["tx"][i] = min(100, round(term["tx"][i] * 10) + bump) / 10
    else:
        term[field] = min(100, round(term[field] * 10) + bump) / 10
    after = assess_json(raised)
    assert all(a >= b for a, b in zip(levels(after), levels(before), strict=True)), (before, after)


@settings(max_examples=200, deadline=None)
@given(students(), st.data())
def test_passing_a_comment_subject_never_lowers_any_level(student, data):
    failing = [s for s in student["subjects"] if s["mode"] == "comment" and "CĐ" in (s["hk1"], s["hk2"])]
    if not failing:
        return
    before = assess_json(student)
    raised = copy.deepcopy(student)
    name = data.draw(st.sampled_from(failing))["name"]
    subject = next(s for s in raised["subjects"] if s["name"] == name)
    subject["hk1" if subject["hk1"] == "CĐ" else "hk2"] = "Đ"
    after = assess_json(raised)
    assert all(a >= b for a, b in zip(levels(after), levels(before), strict=True))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=2, max_value=4).flatmap(lambda n: st.lists(tenths, min_size=n, max_size=n)),
    tenths,
    tenths,
)
def test_term_average_is_the_exact_fraction_rounded_half_up(tx, gk, ck):
    exact = (sum(Fraction(t, 10) for t in tx) + 2 * Fraction(gk, 10) + 3 * Fraction(ck, 10)) / (len(tx) + 5)
    result = term_average([Decimal(t) / 10 for t in tx], Decimal(gk) / 10, Decimal(ck) / 10)
    assert Fraction(result) == half_up(exact)


@settings(max_examples=300, deadline=None)
@given(tenths, tenths)
def test_year_average_is_the_exact_fraction_rounded_half_up(hk1, hk2):
    exact = (Fraction(hk1, 10) + 2 * Fraction(hk2, 10)) / 3
    assert Fraction(year_average(Decimal(hk1) / 10, Decimal(hk2) / 10)) == half_up(exact)


def float_naive_term_average(tx, gk, ck):
    """What a float implementation does: binary floats and Python's round()."""
    return round((sum(tx) + 2 * gk + 3 * ck) / (len(tx) + 5), 1)


def test_float_round_is_wrong_where_ours_is_right():
    # (8 + 8,5 + 8 + 2·8 + 3·8,5) / 8 = 66 / 8 = 8,25 exactly: half up gives 8,3.
    assert term_average([Decimal(8), Decimal("8.5"), Decimal(8)], Decimal(8), Decimal("8.5")) == Decimal(
        "8.3"
    )
    assert float_naive_term_average([8, 8.5, 8], 8, 8.5) == 8.2  # round() ties to even: wrong
    # and a case where binary representation, not tie-breaking, is at fault:
    # (0,1 + 0,2 + 2·0,35…) — search the space of real scores for one
    wrong = []
    for a in range(0, 101, 1):
        for ck in (5, 15, 25, 35, 45, 55, 65, 75, 85, 95):
            tx = [a / 10, a / 10, (a + 1) / 10 if a < 100 else 10.0]
            gk = a / 10
            ours = term_average([Decimal(str(v)) for v in tx], Decimal(str(gk)), Decimal(ck) / 10)
            if Decimal(str(float_naive_term_average(tx, gk, ck / 10))) != ours:
                wrong.append((tx, gk, ck / 10, ours))
    assert wrong, "expected float arithmetic to disagree somewhere"
    # every disagreement is decided by the exact fraction in our favour
    for tx, gk, ck, ours in wrong:
        exact = (sum(Fraction(str(v)) for v in tx) + 2 * Fraction(str(gk)) + 3 * Fraction(str(ck))) / (
            len(tx) + 5
        )
        assert Fraction(ours) == half_up(exact)


@settings(max_examples=200, deadline=None)
@given(students())
def test_every_result_is_explained(student):
    result = assess_json(student)
    assert result["explanation"]
    text = " ".join(result["explanation"])
    assert f"Kết quả học tập cả năm: {result['learning']['cn']}" in text
    assert f"Kết quả rèn luyện cả năm: {result['conduct']['cn']}" in text
