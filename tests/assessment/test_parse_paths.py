"""The fast JSON path and the checked path accept the same students and agree on them."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from hypothesis import given, settings

from hocba.assessment import (
    AssessmentInputError,
    Comment,
    CommentSubject,
    CommentTerm,
    ConductInput,
    Level,
    ScoredSubject,
    ScoredTerm,
    StudentInput,
    assess,
    assess_json,
)
from hocba.assessment.parse import _prepare_checked, prepare_json

from .builders import comment, student
from .test_properties import students


@settings(max_examples=150, deadline=None)
@given(students())
def test_fast_and_checked_paths_agree(obj):
    assert prepare_json(obj) == _prepare_checked(obj)


def test_unusual_but_valid_spellings_take_the_checked_path_and_agree():
    obj = student(
        [8] * 8,
        comments=[
            comment(
                "Giáo dục thể chất", {"tx": ["Đạt", "Đ", "Đ"], "gk": "Đ", "ck": "Chưa đạt"}, "Đ", retest="Đ"
            ),
            comment("Âm nhạc", exempt=True),
        ],
    )
    obj["subjects"][0]["hk1"]["gk"] = "8.50"  # not in the fast table
    obj["subjects"].append({"name": "Tiếng dân tộc", "mode": "score", "periods_per_year": 70, "exempt": True})
    result = assess_json(obj)
    assert result["subjects"]["Giáo dục thể chất"]["hk1"] == "CĐ"
    assert "Âm nhạc" not in result["subjects"] and "Tiếng dân tộc" not in result["subjects"]
    assert result["subjects"]["Toán"]["hk1"] == 8.1  # (32 + 17 + 24)/9 = 8,11


def test_fast_path_never_takes_true_for_one():
    obj = student([1] * 8)
    obj["subjects"][0]["hk1"]["tx"][0] = True
    assert "ĐĐGtx lần 1: giá trị True không phải là điểm số" in assess_json(obj)["error"]
    obj = student([1] * 8)
    obj["subjects"][0]["retest"] = True
    assert "điểm kiểm tra lại (retest): giá trị True" in assess_json(obj)["error"]


def test_checked_path_comment_errors():
    obj = student([8] * 8, comments=[comment("Âm nhạc", {"gk": "Đ", "ck": "Đ"}, "Đ")])
    assert assess_json(obj)["error"] == "Môn Âm nhạc, HK I: thiếu các lần đánh giá thường xuyên (tx)"
    obj = student(
        [8] * 8, comments=[comment("Âm nhạc", {"tx": ["Đ"] * 3, "gk": "Đ", "ck": "Đ", "x": 1}, "Đ")]
    )
    assert assess_json(obj)["error"].startswith("Môn Âm nhạc, HK I: trường 'x' không có")
    obj = student([8] * 8, comments=[comment("Âm nhạc", retest="Tốt")])
    assert assess_json(obj)["error"].startswith("Môn Âm nhạc, kết quả kiểm tra lại (retest): mức 'Tốt'")
    obj = student([8] * 8)
    obj["subjects"][0]["hk1"] = {"gk": 8, "ck": 8}
    assert assess_json(obj)["error"] == "Môn Toán, HK I: thiếu điểm đánh giá thường xuyên (tx)"


def _python_student(subjects):
    return StudentInput(tuple(subjects), ConductInput(Level.TOT, Level.TOT))


def test_python_path_errors_name_the_subject():
    t = ScoredTerm((Decimal(8),) * 2, Decimal(8), Decimal(8))
    cases = [
        (ScoredSubject("Tin học", 0, t, t), "Môn Tin học: số tiết/năm 0 không hợp lệ"),
        (ScoredSubject("Tin học", 35, None, t), "Môn Tin học, HK I: thiếu điểm của học kì"),
        (CommentSubject("Âm nhạc", 35, None, Comment.DAT), "Môn Âm nhạc, HK I: thiếu kết quả đánh giá"),
        (
            CommentSubject(
                "Âm nhạc", 35, CommentTerm((Comment.DAT,) * 3, Comment.DAT, Comment.DAT), Comment.DAT
            ),
            "Môn Âm nhạc, HK I: thừa điểm đánh giá thường xuyên",
        ),
        ("not a subject", "loại môn học không hợp lệ"),
    ]
    for subject, message in cases:
        if isinstance(subject, str):
            subject = type("Other", (), {"name": "Lạ", "periods_per_year": 35, "exempt": False})()
        with pytest.raises(AssessmentInputError, match=message):
            assess(_python_student([subject]))


def test_python_path_exempt_and_comment_retest():
    t = ScoredTerm((Decimal(9),) * 2, Decimal(9), Decimal(9))
    result = assess(
        _python_student(
            [
                ScoredSubject("Tin học", 35, t, t),
                ScoredSubject("Tiếng dân tộc", 35, None, None, exempt=True),
                CommentSubject("Âm nhạc", 35, Comment.CHUA_DAT, Comment.CHUA_DAT, retest=Comment.DAT),
                CommentSubject("Mĩ thuật", 35, Comment.CHUA_DAT, Comment.CHUA_DAT),
            ]
        )
    )
    assert result.exempt_subjects == ("Tiếng dân tộc",)
    assert result.learning.after_retest is Level.KHA
    assert next(s for s in result.subjects if s.name == "Âm nhạc").retest is Comment.DAT
    assert copy.copy(result) == result
