"""Kết quả rèn luyện (Điều 8), promotion (Điều 12–14) and awards (Điều 15)."""

from __future__ import annotations

import itertools

import pytest

from hocba.assessment import assess_json

from .builders import comment, scored, student

LEVELS = ["Tốt", "Khá", "Đạt", "Chưa đạt"]
RANK = {"Chưa đạt": 0, "Đạt": 1, "Khá": 2, "Tốt": 3}


def year_conduct_by_wording(hk1: str, hk2: str) -> str:
    """Điều 8 khoản 2 transcribed clause by clause (independently of the engine's table)."""
    if hk2 == "Tốt" and hk1 in ("Tốt", "Khá"):
        return "Tốt"  # a) HK II Tốt, HK I từ Khá trở lên
    if (
        (hk2 == "Khá" and hk1 in ("Tốt", "Khá", "Đạt"))  # b) HK II Khá, HK I từ Đạt trở lên
        or (hk2 == "Đạt" and hk1 == "Tốt")  # HK II Đạt, HK I Tốt
        or (hk2 == "Tốt" and hk1 in ("Đạt", "Chưa đạt"))  # HK II Tốt, HK I Đạt hoặc Chưa đạt
    ):
        return "Khá"
    if (hk2 == "Đạt" and hk1 in ("Khá", "Đạt", "Chưa đạt")) or (hk2 == "Khá" and hk1 == "Chưa đạt"):
        return "Đạt"  # c)
    return "Chưa đạt"  # d) các trường hợp còn lại


@pytest.mark.parametrize(("hk1", "hk2"), list(itertools.product(LEVELS, LEVELS)))
def test_year_conduct_table_all_sixteen_combinations(hk1, hk2):
    result = assess_json(student([8] * 8, conduct=(hk1, hk2)))
    expected = year_conduct_by_wording(hk1, hk2)
    assert result["conduct"] == {"hk1": hk1, "hk2": hk2, "cn": expected}
    assert f"Kết quả rèn luyện cả năm: {expected} (HK I {hk1}, HK II {hk2}; Điều 8)." in result["explanation"]


def test_year_conduct_never_above_the_second_term_by_more_than_one_level():
    for hk1, hk2 in itertools.product(LEVELS, LEVELS):
        assert RANK[year_conduct_by_wording(hk1, hk2)] <= RANK[hk2] + 1


# ---- promotion --------------------------------------------------------------------------------


def test_promoted_when_both_results_at_least_pass():
    result = assess_json(student([5] * 8, conduct=("Đạt", "Đạt"), absences=45))
    assert result["outcome"] == "promoted"
    assert "after_retest" not in result["learning"] and "after_summer" not in result["conduct"]


def test_more_than_45_absences_retains_whatever_the_results():
    result = assess_json(student([9] * 8, absences=46))
    assert result["outcome"] == "retained"
    assert any("nghỉ 46 buổi, quá 45 buổi" in line for line in result["explanation"])


def test_learning_not_passed_with_conduct_pass_waits_for_retest_and_lists_subjects():
    obj = student([6] * 6, extra=[scored("Tin học", 4.0, periods=35), scored("Công nghệ", 3.0, periods=52)])
    result = assess_json(obj)
    assert result["learning"]["cn"] == "Chưa đạt"
    assert result["outcome"] == "pending_retest"
    line = next(x for x in result["explanation"] if x.startswith("Học tập cả năm Chưa đạt"))
    assert "Tin học 4,0" in line and "Công nghệ 3,0" in line and "Toán" not in line


def test_retest_results_replace_year_values_and_promote():
    obj = student(
        [6] * 6,
        extra=[
            scored("Tin học", 4.0, periods=35, retest=5.5),
            scored("Công nghệ", 3.0, periods=52, retest=5.0),
        ],
    )
    result = assess_json(obj)
    assert result["learning"] == {
        "hk1": "Chưa đạt",
        "hk2": "Chưa đạt",
        "cn": "Chưa đạt",
        "after_retest": "Đạt",
    }
    assert result["subjects"]["Tin học"] == {"hk1": 4.0, "hk2": 4.0, "cn": 4.0, "retest": 5.5}
    assert result["outcome"] == "promoted"
    assert any("Tin học 5,5 (thay 4,0)" in line for line in result["explanation"])


def test_retest_still_not_passed_retains():
    obj = student(
        [6] * 6,
        extra=[
            scored("Tin học", 4.0, periods=35, retest=3.0),
            scored("Công nghệ", 3.0, periods=52, retest=3.2),
        ],
    )
    result = assess_json(obj)
    assert result["learning"]["after_retest"] == "Chưa đạt"
    assert result["outcome"] == "retained"
    assert any("học tập sau kiểm tra lại vẫn Chưa đạt" in line for line in result["explanation"])


def test_student_chooses_some_retest_subjects():
    # only Công nghệ (3,0 < 3,5) blocks Đạt; retaking it alone is enough
    obj = student(
        [6] * 6, extra=[scored("Tin học", 4.0, periods=35), scored("Công nghệ", 3.0, periods=52, retest=4.0)]
    )
    result = assess_json(obj)
    assert result["learning"]["after_retest"] == "Đạt"
    assert result["outcome"] == "promoted"


def test_comment_subject_retest():
    comments = [comment("Giáo dục thể chất", "CĐ", "CĐ", retest="Đ"), comment("Âm nhạc", "CĐ", "CĐ")]
    result = assess_json(student([9] * 8, comments=comments))
    assert result["learning"]["cn"] == "Chưa đạt"
    assert result["learning"]["after_retest"] == "Khá"  # one comment CĐ left, Tốt pulled to Đạt → Khá
    assert result["subjects"]["Giáo dục thể chất"]["retest"] == "Đ"
    assert result["outcome"] == "promoted"


def test_learning_after_retest_is_explained():
    obj = student(
        [9] * 6,
        extra=[
            scored("Tin học", 4.0, periods=35, retest=4.5),
            scored("Công nghệ", 3.0, periods=52, retest=3.5),
        ],
    )
    result = assess_json(obj)
    assert result["learning"]["after_retest"] == "Đạt"
    line = next(x for x in result["explanation"] if x.startswith("Kết quả học tập sau kiểm tra lại"))
    assert line.startswith(
        "Kết quả học tập sau kiểm tra lại: Đạt; không đạt Khá vì Tin học 4,5 < 5,0; Công nghệ 3,5 < 5,0"
    )


def test_adjustment_applies_after_retest():
    obj = student(
        [9] * 6, extra=[scored("Tin học", 4.0, periods=35), scored("Công nghệ", 3.0, periods=52, retest=8.0)]
    )
    result = assess_json(obj)
    assert result["learning"]["cn"] == "Chưa đạt"
    # after the re-test only Tin học 4,0 keeps the student from Tốt: Đạt → Khá (Điều 9 khoản 3)
    assert result["learning"]["after_retest"] == "Khá"
    assert result["award"] is None


def test_retest_of_a_subject_not_due_is_ignored_with_a_note():
    obj = student([8] * 8, extra=[scored("Tiếng dân tộc", 8.0, retest=6.0)])
    result = assess_json(obj)
    assert result["outcome"] == "promoted"
    assert "retest" not in result["subjects"]["Tiếng dân tộc"]
    assert "after_retest" not in result["learning"]
    assert any(
        line.startswith("Bỏ qua kết quả kiểm tra lại của môn Tiếng dân tộc") for line in result["explanation"]
    )


def test_both_not_passed_retest_offered_after_summer_training():
    result = assess_json(weak_student())
    line = next(x for x in result["explanation"] if x.startswith("Học tập cả năm Chưa đạt"))
    assert "nếu kết quả rèn luyện sau kì nghỉ hè từ Đạt trở lên" in line
    assert any(
        x.startswith("Rèn luyện cả năm Chưa đạt: phải rèn luyện trong kì nghỉ hè")
        for x in result["explanation"]
    )


def test_conduct_not_passed_waits_for_summer_training():
    result = assess_json(student([8] * 8, conduct=("Đạt", "Chưa đạt")))
    assert result["conduct"]["cn"] == "Chưa đạt"
    assert result["outcome"] == "pending_summer"


@pytest.mark.parametrize(
    ("summer", "outcome"), [("Đạt", "promoted"), ("Khá", "promoted"), ("Chưa đạt", "retained")]
)
def test_summer_re_evaluation_decides_conduct(summer, outcome):
    result = assess_json(student([8] * 8, conduct=("Đạt", "Chưa đạt"), summer=summer))
    assert result["conduct"] == {"hk1": "Đạt", "hk2": "Chưa đạt", "cn": "Chưa đạt", "after_summer": summer}
    assert result["outcome"] == outcome


def test_summer_given_for_a_student_with_conduct_pass_is_not_used():
    result = assess_json(student([8] * 8, conduct=("Tốt", "Khá"), summer="Đạt"))
    assert "after_summer" not in result["conduct"]
    assert result["outcome"] == "promoted"


WEAK = [scored("Tin học", 4.0, periods=35), scored("Công nghệ", 3.0, periods=52)]


def weak_student(retest=None, summer=None, absences=0):
    extra = [dict(s) for s in WEAK]
    if retest is not None:
        extra[1]["retest"] = retest
    return student([6] * 6, extra=extra, conduct=("Đạt", "Chưa đạt"), summer=summer, absences=absences)


@pytest.mark.parametrize(
    ("retest", "summer", "outcome"),
    [
        (None, None, "pending_retest_and_summer"),
        (None, "Đạt", "pending_retest"),
        (None, "Chưa đạt", "retained"),
        (5.0, None, "pending_summer"),
        (2.0, None, "retained"),
        (5.0, "Đạt", "promoted"),
        (5.0, "Chưa đạt", "retained"),
        (2.0, "Đạt", "retained"),
    ],
)
def test_both_not_passed_combinations(retest, summer, outcome):
    assert assess_json(weak_student(retest, summer))["outcome"] == outcome


def test_absences_override_pending_states():
    assert assess_json(weak_student(absences=60))["outcome"] == "retained"


# ---- awards -----------------------------------------------------------------------------------


def test_excellent_needs_six_subjects_at_9():
    result = assess_json(student([9, 9, 9, 9, 9, 9, 8, 8]))
    assert result["award"] == "Học sinh Xuất sắc"
    assert any(line.startswith("Học sinh Xuất sắc") for line in result["explanation"])


def test_good_when_only_five_subjects_at_9():
    result = assess_json(student([9, 9, 9, 9, 9, 8.9, 8, 8]))
    assert result["award"] == "Học sinh Giỏi"
    assert any("chỉ 5 môn có ĐTBmcn từ 9,0 trở lên (cần 6)" in line for line in result["explanation"])


def test_9_0_reached_by_rounding_year_average():
    # HK I 8,9, HK II 9,0 → (8,9 + 18)/3 = 8,966… → 9,0
    extra = [scored(f"Môn {i}", 8.9, 9.0) for i in range(6)]
    result = assess_json(student([8, 8], extra=extra))
    assert result["subjects"]["Môn 0"]["cn"] == 9.0
    assert result["award"] == "Học sinh Xuất sắc"


def test_no_award_without_conduct_good():
    assert assess_json(student([9] * 8, conduct=("Tốt", "Khá")))["award"] is None


def test_no_award_without_learning_good():
    assert assess_json(student([9] * 7 + [6.4]))["award"] is None


def test_adjusted_fair_never_gets_an_award():
    assert assess_json(student([9] * 7 + [4.0]))["award"] is None


def test_award_for_exempt_student_with_fewer_than_six_scored():
    result = assess_json(student([9, 9, 9, 9, 9]))
    assert result["award"] == "Học sinh Xuất sắc"


def test_award_follows_article_15_even_when_absences_retain():
    result = assess_json(student([9] * 8, absences=50))
    assert (result["outcome"], result["award"]) == ("retained", "Học sinh Xuất sắc")


def test_conduct_year_helper_matches_the_wording():
    from hocba.assessment import Level
    from hocba.assessment.tt22 import conduct_year

    for hk1, hk2 in itertools.product(Level, Level):
        assert conduct_year(hk1, hk2) == RANK[year_conduct_by_wording(hk1.label, hk2.label)]
