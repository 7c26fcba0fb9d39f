"""Kết quả học tập (Điều 9 khoản 2) and its adjustment (Điều 9 khoản 3), from the circular's wording."""

from __future__ import annotations

import pytest

from hocba.assessment import assess_json

from .builders import comment, scored, student


def learning(obj):
    result = assess_json(obj)
    assert "error" not in result, result
    return result["learning"]


def year_level(scores, **kwargs):
    return learning(student(scores, **kwargs))["cn"]


# ---- the four levels, as worded ---------------------------------------------------------------


def test_good_needs_all_at_least_6_5_and_six_at_least_8():
    assert year_level([8, 8, 8, 8, 8, 8, 6.5, 6.5]) == "Tốt"


def test_good_fails_with_only_five_at_8_and_says_so():
    result = assess_json(student([8, 8, 8, 8, 8, 7.9, 7, 7]))
    assert result["learning"]["cn"] == "Khá"
    assert any("chỉ 5 môn tính điểm đạt từ 8,0 trở lên (cần 6)" in line for line in result["explanation"])


def test_one_subject_below_6_5_makes_good_fair_and_names_the_subject():
    obj = student([9, 9, 9, 9, 9, 9, 9, 6.3])
    result = assess_json(obj)
    assert result["learning"]["cn"] == "Khá"
    assert "Kết quả học tập cả năm: Khá; không đạt Tốt vì Tin học 6,3 < 6,5." in result["explanation"]


def test_fair_needs_all_at_least_5_and_six_at_least_6_5():
    assert year_level([6.5, 6.5, 6.5, 6.5, 6.5, 6.5, 5, 5]) == "Khá"
    assert year_level([6.5, 6.5, 6.5, 6.5, 6.5, 6.4, 5, 5]) == "Đạt"


def test_pass_needs_six_at_least_5_and_none_below_3_5():
    assert year_level([5, 5, 5, 5, 5, 5, 3.5, 3.5]) == "Đạt"
    assert year_level([5, 5, 5, 5, 5, 4.9, 4.9, 4.9]) == "Chưa đạt"


def test_pass_fails_below_3_5_when_two_subjects_drag():
    # two subjects below 3,5: no Điều 9.3 help, Chưa đạt
    assert year_level([9, 9, 9, 9, 9, 9, 3.4, 3.4]) == "Chưa đạt"


def test_one_comment_subject_not_passed_allows_at_most_pass():
    comments = [comment("Giáo dục thể chất", "CĐ", "CĐ"), comment("Hoạt động trải nghiệm, hướng nghiệp")]
    # would be Khá → one comment CĐ gives Đạt (only one level down, no adjustment)
    assert year_level([7, 7, 7, 7, 7, 7, 7, 7], comments=comments) == "Đạt"


def test_two_comment_subjects_not_passed_is_not_passed():
    comments = [comment("Giáo dục thể chất", "CĐ", "CĐ"), comment("Âm nhạc", "CĐ", "CĐ")]
    result = assess_json(student([9] * 8, comments=comments))
    assert result["learning"]["cn"] == "Chưa đạt"
    assert any("2 môn đánh giá bằng nhận xét Chưa đạt" in line for line in result["explanation"])


def test_year_comment_result_is_the_second_terms():
    comments = [comment("Giáo dục thể chất", "CĐ", "Đ"), comment("Âm nhạc", "Đ", "Đ")]
    result = assess_json(student([9] * 8, comments=comments))
    assert result["subjects"]["Giáo dục thể chất"] == {"hk1": "CĐ", "hk2": "Đ", "cn": "Đ"}
    assert result["learning"] == {"hk1": "Khá", "hk2": "Tốt", "cn": "Tốt"}


def test_term_and_year_levels_are_each_from_their_own_averages():
    obj = student([8] * 6, extra=[scored("Tin học", 6.0, 7.0, periods=35), scored("Công nghệ", 8.0, 8.0)])
    result = assess_json(obj)
    # Tin học: 6,0 / 7,0 / (6 + 14)/3 = 6,666 → 6,7
    assert result["subjects"]["Tin học"]["cn"] == 6.7
    assert result["learning"] == {"hk1": "Khá", "hk2": "Tốt", "cn": "Tốt"}


# ---- thresholds reached only by rounding ------------------------------------------------------


@pytest.mark.parametrize(
    ("tx", "gk", "ck", "shown", "level"),
    [
        # Tin học (35 periods, 2 ĐĐGtx): (6 + 7 + 2·6,5 + 3·6,4)/7 = 45,2/7 = 6,457… → 6,5: Tốt holds
        ([6, 7], 6.5, 6.4, 6.5, "Tốt"),
        # (6 + 7 + 2·6,5 + 3·6,3)/7 = 44,9/7 = 6,414… → 6,4: not Tốt
        ([6, 7], 6.5, 6.3, 6.4, "Khá"),
    ],
)
def test_6_5_reached_by_rounding(tx, gk, ck, shown, level):
    tin = {
        "name": "Tin học",
        "mode": "score",
        "periods_per_year": 35,
        "hk1": {"tx": tx, "gk": gk, "ck": ck},
        "hk2": {"tx": tx, "gk": gk, "ck": ck},
    }
    result = assess_json(student([9] * 7, extra=[tin]))
    assert result["subjects"]["Tin học"]["cn"] == shown
    assert result["learning"]["cn"] == level


def _six_with(tx, gk, ck, others):
    """Six subjects with the given term assessments (periods 52: 3 ĐĐGtx) plus others."""
    subjects = [
        {
            "name": f"Môn {i}",
            "mode": "score",
            "periods_per_year": 52,
            "hk1": {"tx": tx, "gk": gk, "ck": ck},
            "hk2": {"tx": tx, "gk": gk, "ck": ck},
        }
        for i in range(6)
    ]
    return student(others, extra=subjects)


def test_8_0_reached_by_rounding():
    # (8 + 8 + 7,9 + 2·8 + 3·7,9)/8 = 63,6/8 = 7,95 → 8,0: six subjects at 8,0 → Tốt
    result = assess_json(_six_with([8, 8, 7.9], 8, 7.9, [7, 7]))
    assert result["subjects"]["Môn 0"]["cn"] == 8.0
    assert result["learning"]["cn"] == "Tốt"
    # (8 + 7,9 + 7,9 + 2·8 + 3·7,9)/8 = 63,5/8 = 7,9375 → 7,9: Khá
    assert assess_json(_six_with([8, 7.9, 7.9], 8, 7.9, [7, 7]))["learning"]["cn"] == "Khá"


def test_5_0_reached_by_rounding():
    # (5 + 5 + 4,9 + 2·5 + 3·4,9)/8 = 39,6/8 = 4,95 → 5,0
    result = assess_json(_six_with([5, 5, 4.9], 5, 4.9, [3.5]))
    assert result["subjects"]["Môn 0"]["cn"] == 5.0
    assert result["learning"]["cn"] == "Đạt"
    # 39,5/8 = 4,9375 → 4,9: fewer than six at 5,0
    assert assess_json(_six_with([5, 4.9, 4.9], 5, 4.9, [3.5]))["learning"]["cn"] == "Chưa đạt"


def test_3_5_reached_by_rounding():
    weak = {
        "name": "Vật lí",
        "mode": "score",
        "periods_per_year": 140,
        # (3 + 4 + 3,5 + 3,5 + 2·3,5 + 3·3,4)/9 = 31,2/9 = 3,466… → 3,5
        "hk1": {"tx": [3, 4, 3.5, 3.5], "gk": 3.5, "ck": 3.4},
        "hk2": {"tx": [3, 4, 3.5, 3.5], "gk": 3.5, "ck": 3.4},
    }
    result = assess_json(student([6] * 7, extra=[weak]))
    assert result["subjects"]["Vật lí"]["cn"] == 3.5
    assert result["learning"]["cn"] == "Đạt"
    # HK II (3 + 3,4 + 3,5 + 3,4 + 2·3,5 + 3·3,2)/9 = 29,9/9 = 3,322 → 3,3; cn (3,5 + 6,6)/3 = 3,366 → 3,4
    weak["hk2"] = {"tx": [3, 3.4, 3.5, 3.4], "gk": 3.5, "ck": 3.2}
    result = assess_json(student([6] * 7, extra=[weak]))
    assert result["subjects"]["Vật lí"]["cn"] == 3.4
    assert result["learning"]["cn"] == "Chưa đạt"


# ---- Điều 9 khoản 3 --------------------------------------------------------------------------


def test_adjustment_good_pulled_to_pass_by_one_subject_becomes_fair():
    result = assess_json(student([9, 9, 9, 9, 9, 9, 8, 4.0]))
    assert result["learning"]["cn"] == "Khá"
    line = next(x for x in result["explanation"] if x.startswith("Kết quả học tập cả năm"))
    assert "Điều 9 khoản 3" in line and "Tin học 4,0" in line and "là Đạt" in line


def test_adjustment_good_pulled_to_not_passed_by_one_subject_becomes_pass():
    assert year_level([9, 9, 9, 9, 9, 9, 8, 3.0]) == "Đạt"


def test_adjustment_fair_pulled_to_not_passed_by_one_subject_becomes_pass():
    # would be Khá (only five ≥ 8,0), one subject 3,0 < 3,5 → Chưa đạt → Đạt
    assert year_level([9, 9, 9, 9, 9, 7, 7, 3.0]) == "Đạt"


def test_adjustment_by_one_comment_subject():
    comments = [comment("Giáo dục thể chất", "Đ", "CĐ"), comment("Âm nhạc")]
    # would be Tốt, one comment CĐ → Đạt (two below) → Khá
    assert year_level([9] * 8, comments=comments) == "Khá"


def test_no_adjustment_for_a_single_level_drop():
    assert year_level([9, 9, 9, 9, 9, 9, 9, 6.0]) == "Khá"  # Tốt → Khá by one subject: one level


def test_no_adjustment_when_two_subjects_pull_down():
    assert year_level([9, 9, 9, 9, 9, 9, 4.0, 4.0]) == "Đạt"
    comments = [comment("Giáo dục thể chất", "CĐ", "CĐ"), comment("Âm nhạc")]
    assert year_level([9, 9, 9, 9, 9, 9, 9, 4.0], comments=comments) == "Đạt"


def test_no_adjustment_when_the_count_fails_without_the_subject():
    # only five subjects ≥ 6,5 besides the weak one: the best reachable is Đạt, not Tốt/Khá
    assert year_level([9, 9, 9, 9, 9, 6, 6, 3.0]) == "Chưa đạt"


def test_adjustment_applies_to_each_term():
    obj = student([9] * 7, extra=[scored("Tin học", 4.0, 7.0, periods=35)])
    result = assess_json(obj)
    assert result["learning"]["hk1"] == "Khá"  # Tốt pulled to Đạt by Tin học alone → Khá
    assert result["learning"]["hk2"] == "Tốt"


# ---- exemptions and fewer than six scored subjects -------------------------------------------


def test_exempt_subject_takes_no_part():
    comments = [comment("Giáo dục thể chất", exempt=True), comment("Âm nhạc")]
    result = assess_json(student([9] * 8, comments=comments))
    assert "Giáo dục thể chất" not in result["subjects"]
    assert result["learning"]["cn"] == "Tốt"
    assert any(line.startswith("Giáo dục thể chất: miễn học") for line in result["explanation"])


def test_exempt_scored_subject_needs_no_scores():
    exempt = {"name": "Tiếng dân tộc", "mode": "score", "periods_per_year": 105, "exempt": True}
    result = assess_json(student([9] * 8, extra=[exempt]))
    assert "Tiếng dân tộc" not in result["subjects"]
    assert result["learning"]["cn"] == "Tốt"


def test_fewer_than_six_scored_subjects_means_all_must_reach_the_threshold():
    assert year_level([8, 8, 8, 8, 8]) == "Tốt"
    assert year_level([8, 8, 8, 8, 7.9]) == "Khá"
    assert year_level([5, 5, 5, 5, 4.9]) == "Chưa đạt"
    assert year_level([]) == "Tốt"


# ---- comment subjects from their assessments ------------------------------------------------


def test_comment_term_from_assessments_all_passed():
    gdtc = comment("Giáo dục thể chất", {"tx": ["Đ", "Đ", "Đ"], "gk": "Đ", "ck": "Đ"}, "Đ")
    result = assess_json(student([9] * 8, comments=[gdtc]))
    assert result["subjects"]["Giáo dục thể chất"]["hk1"] == "Đ"


def test_comment_term_with_one_failed_assessment_is_not_passed():
    gdtc = comment("Giáo dục thể chất", {"tx": ["Đ", "Đ", "CĐ"], "gk": "Đ", "ck": "Đ"}, "Đ")
    result = assess_json(student([9] * 8, comments=[gdtc]))
    assert result["subjects"]["Giáo dục thể chất"]["hk1"] == "CĐ"
    assert (
        "Giáo dục thể chất, HK I: Chưa đạt vì có lần đánh giá Chưa đạt (ĐĐGtx lần 3)."
        in result["explanation"]
    )


def test_comment_term_with_too_few_assessments_is_not_passed():
    gdtc = comment("Giáo dục thể chất", "Đ", {"tx": ["Đ", "Đ"], "gk": "Đ", "ck": "Đ"})
    result = assess_json(student([9] * 8, comments=[gdtc]))
    assert result["subjects"]["Giáo dục thể chất"] == {"hk1": "Đ", "hk2": "CĐ", "cn": "CĐ"}
    assert any("chưa đủ số lần đánh giá thường xuyên (2/3)" in line for line in result["explanation"])


def test_comment_term_failed_periodic_assessments_are_named():
    gdtc = comment("Giáo dục thể chất", {"tx": ["Đ", "Đ", "Đ"], "gk": "CĐ", "ck": "CĐ"}, "Đ")
    result = assess_json(student([9] * 8, comments=[gdtc]))
    assert any("(ĐĐGgk, ĐĐGck)" in line for line in result["explanation"])
