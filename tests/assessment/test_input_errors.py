"""Bad input: the student's result is {"error": "<Vietnamese message naming subject and field>"}."""

from __future__ import annotations

import copy

import pytest

from hocba.assessment import assess_json

from .builders import comment, scored, student

GOOD = student([8] * 8, extra=[comment("Âm nhạc", {"tx": ["Đ", "Đ"], "gk": "Đ", "ck": "Đ"}, "Đ", periods=35)])


def broken(change):
    obj = copy.deepcopy(GOOD)
    change(obj)
    return obj


def subject(obj, name):
    return next(s for s in obj["subjects"] if s["name"] == name)


def set_(name, *path, value):
    def change(obj):
        target = subject(obj, name)
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


CASES = [
    (
        "missing tx",
        set_("Toán", "hk1", "tx", value=[8, 8, 8]),
        "Môn Toán, HK I: thiếu điểm đánh giá thường xuyên (có 3, cần đúng 4 vì môn học 105 tiết/năm)",
    ),
    (
        "extra tx",
        set_("Toán", "hk2", "tx", value=[8] * 5),
        "Môn Toán, HK II: thừa điểm đánh giá thường xuyên (có 5, cần đúng 4 vì môn học 105 tiết/năm)",
    ),
    (
        "score above 10",
        set_("Ngữ văn", "hk1", "gk", value=10.5),
        "Môn Ngữ văn, HK I, ĐĐGgk: điểm 10,5 nằm ngoài thang điểm 0–10",
    ),
    (
        "negative score",
        set_("Ngữ văn", "hk2", "ck", value=-1),
        "Môn Ngữ văn, HK II, ĐĐGck: điểm -1 nằm ngoài thang điểm 0–10",
    ),
    (
        "two decimals",
        set_("Toán", "hk1", "tx", value=[8, 8.25, 8, 8]),
        "Môn Toán, HK I, ĐĐGtx lần 2: điểm 8,25 có quá một chữ số thập phân",
    ),
    (
        "two decimals as text",
        set_("Toán", "hk1", "ck", value="7,75"),
        "Môn Toán, HK I, ĐĐGck: điểm '7,75' có quá một chữ số thập phân",
    ),
    (
        "not a number",
        set_("Toán", "hk1", "gk", value="tám"),
        "Môn Toán, HK I, ĐĐGgk: giá trị 'tám' không phải là điểm số",
    ),
    (
        "boolean score",
        set_("Toán", "hk1", "gk", value=True),
        "Môn Toán, HK I, ĐĐGgk: giá trị True không phải là điểm số",
    ),
    (
        "missing gk",
        set_("Toán", "hk1", "gk", value=None),
        "Môn Toán, HK I, ĐĐGgk: giá trị trống không phải là điểm số",
    ),
    (
        "bad retest",
        set_("Toán", "retest", value=11),
        "Môn Toán, điểm kiểm tra lại (retest): điểm 11 nằm ngoài thang điểm 0–10",
    ),
    (
        "unknown mode",
        set_("Toán", "mode", value="grade"),
        "Môn Toán: hình thức đánh giá (mode) 'grade' không hợp lệ",
    ),
    (
        "unknown comment level",
        set_("Giáo dục thể chất", "hk1", value="Tốt"),
        "Môn Giáo dục thể chất, HK I: mức 'Tốt' không hợp lệ (chỉ nhận Đ hoặc CĐ)",
    ),
    (
        "unknown comment assessment",
        set_("Âm nhạc", "hk1", "tx", value=["Đ", "X"]),
        "Môn Âm nhạc, HK I, ĐĐGtx lần 2: mức 'X' không hợp lệ",
    ),
    (
        "extra comment assessments",
        set_("Âm nhạc", "hk1", "tx", value=["Đ", "Đ", "Đ"]),
        "Môn Âm nhạc, HK I: thừa điểm đánh giá thường xuyên (có 3, cần đúng 2 vì môn học 35 tiết/năm)",
    ),
    (
        "missing comment term",
        set_("Âm nhạc", "hk2", value=None),
        "Môn Âm nhạc, HK II: thiếu kết quả đánh giá",
    ),
    ("missing scored term", set_("Toán", "hk2", value=None), "Môn Toán, HK II: thiếu điểm của học kì (hk2)"),
    ("bad periods", set_("Toán", "periods_per_year", value=0), "Môn Toán: số tiết/năm (periods_per_year) 0"),
    (
        "bad exempt flag",
        set_("Toán", "exempt", value="yes"),
        "Môn Toán: miễn học (exempt) phải là true hoặc false",
    ),
    ("unknown term field", set_("Toán", "hk1", "tb", value=8), "Môn Toán, HK I: trường 'tb' không có"),
]


@pytest.mark.parametrize(("change", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_subject_field_is_named(change, message):
    result = assess_json(broken(change))
    assert list(result) == ["error"]
    assert result["error"].startswith(message), result["error"]


def test_unknown_conduct_level():
    obj = broken(lambda o: o["conduct"].update(hk2="Giỏi"))
    assert assess_json(obj) == {
        "error": "Rèn luyện HK II (conduct.hk2): mức 'Giỏi' không hợp lệ (chỉ nhận Tốt, Khá, Đạt, Chưa đạt)"
    }


def test_missing_conduct_term():
    obj = broken(lambda o: o["conduct"].pop("hk1"))
    assert assess_json(obj)["error"].startswith("Rèn luyện HK I (conduct.hk1): mức trống không hợp lệ")


def test_subjects_must_be_a_list():
    obj = broken(lambda o: o.update(subjects={"Toán": 8}))
    assert assess_json(obj) == {"error": "Thiếu danh sách môn học (subjects)"}


def test_unknown_summer_level():
    obj = broken(lambda o: o["conduct"].update(summer="Tốt lắm"))
    assert assess_json(obj)["error"].startswith("Rèn luyện sau kì nghỉ hè (conduct.summer): mức 'Tốt lắm'")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda o: o.update(absences=-2), "Số buổi nghỉ (absences): giá trị -2 không hợp lệ"),
        (lambda o: o.update(absences="3"), "Số buổi nghỉ (absences): giá trị '3' không hợp lệ"),
        (lambda o: o.update(grade=13), "Khối lớp (grade): giá trị 13 không hợp lệ"),
        (lambda o: o.pop("conduct"), "Rèn luyện (conduct): thiếu kết quả rèn luyện"),
        (lambda o: o.pop("subjects"), "Thiếu danh sách môn học (subjects)"),
        (lambda o: o["subjects"].append(scored("Toán", 7)), "Môn Toán: trùng tên với một môn khác"),
        (lambda o: o["subjects"].append({"mode": "score"}), "Môn học thứ 12: thiếu tên môn (name)"),
        (lambda o: o["subjects"].append("Toán"), "Môn học thứ 12: phải là một đối tượng JSON"),
    ],
)
def test_bad_student_fields(change, message):
    assert assess_json(broken(change))["error"].startswith(message)


def test_not_an_object():
    assert assess_json([1, 2]) == {"error": "Dữ liệu học sinh phải là một đối tượng JSON"}


@pytest.mark.parametrize("value", ["8,5", "8.5", 8.5, "8.50", " 8,5"])
def test_accepted_score_spellings_give_the_same_result(value):
    obj = broken(set_("Toán", "hk1", "gk", value=value))
    reference = broken(set_("Toán", "hk1", "gk", value=8.5))
    assert assess_json(obj) == assess_json(reference)


def test_decomposed_vietnamese_levels_are_accepted():
    import unicodedata

    obj = broken(lambda o: o["conduct"].update(hk1=unicodedata.normalize("NFD", "Khá")))
    assert assess_json(obj)["conduct"]["hk1"] == "Khá"


def test_exempt_subject_needs_nothing_else():
    obj = broken(
        lambda o: o["subjects"].append(
            {"name": "Mĩ thuật", "mode": "comment", "periods_per_year": 35, "exempt": True}
        )
    )
    assert "error" not in assess_json(obj)
