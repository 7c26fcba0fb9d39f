"""The Python API (dataclasses, Decimal) agrees with the JSON contract."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from hocba.assessment import (
    AssessmentInputError,
    Award,
    Comment,
    CommentSubject,
    CommentTerm,
    ConductInput,
    Level,
    Outcome,
    ScoredSubject,
    ScoredTerm,
    StudentInput,
    assess,
    assess_json,
)

D = Decimal


def term(avg: str, n: int = 4) -> ScoredTerm:
    return ScoredTerm(tuple([D(avg)] * n), D(avg), D(avg))


def make(
    scores: list[str],
    *,
    weak: str | None = None,
    retest: str | None = None,
    conduct=(Level.TOT, Level.TOT),
    summer=None,
    absences=0,
) -> StudentInput:
    subjects: list = [ScoredSubject(f"Môn {i}", 105, term(v), term(v)) for i, v in enumerate(scores)]
    if weak is not None:
        subjects.append(
            ScoredSubject(
                "Tin học", 35, term(weak, 2), term(weak, 2), retest=None if retest is None else D(retest)
            )
        )
    subjects.append(
        CommentSubject(
            "Giáo dục thể chất", 70, Comment.DAT, CommentTerm((Comment.DAT,) * 3, Comment.DAT, Comment.DAT)
        )
    )
    subjects.append(CommentSubject("Âm nhạc", 35, None, None, exempt=True))
    return StudentInput(tuple(subjects), ConductInput(*conduct, summer), absences, 9)


def test_results_are_decimals_and_enums():
    result = assess(make(["9.0"] * 6, weak="8.0"))
    assert result.learning.cn is Level.TOT
    assert result.award is Award.EXCELLENT
    assert result.outcome is Outcome.PROMOTED
    tin = next(s for s in result.subjects if s.name == "Tin học")
    assert tin.cn == D("8.0") and isinstance(tin.cn, Decimal)
    gdtc = next(s for s in result.subjects if s.name == "Giáo dục thể chất")
    assert gdtc.cn is Comment.DAT and gdtc.cn.passed and not Comment.CHUA_DAT.passed
    assert result.exempt_subjects == ("Âm nhạc",)
    assert dataclasses.is_dataclass(result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.award = None  # type: ignore[misc]


def test_adjusted_and_retest_fields():
    result = assess(make(["9.0"] * 6, weak="3.0"))
    assert result.learning.cn is Level.DAT and "cn" in result.learning.adjusted
    assert result.outcome is Outcome.PROMOTED
    result = assess(make(["6.0"] * 5, weak="3.0"))
    assert result.learning.cn is Level.CHUA_DAT
    assert result.outcome is Outcome.PENDING_RETEST
    assert result.retest_subjects == ("Tin học",)
    result = assess(make(["6.0"] * 5, weak="3.0", retest="6.5"))
    assert result.learning.after_retest is Level.DAT
    tin = next(s for s in result.subjects if s.name == "Tin học")
    assert tin.retest == D("6.5")


def test_conduct_summer():
    result = assess(make(["8.0"] * 8, conduct=(Level.KHA, Level.CHUA_DAT), summer=Level.DAT))
    assert result.conduct.cn is Level.CHUA_DAT and result.conduct.after_summer is Level.DAT
    assert result.outcome is Outcome.PROMOTED


def test_bad_input_raises_vietnamese_error():
    bad = make(["8.0"] * 6)
    broken = dataclasses.replace(bad, subjects=(ScoredSubject("Toán", 140, term("8.25"), term("8.0")),))
    with pytest.raises(AssessmentInputError, match="Môn Toán, HK I, ĐĐGtx lần 1: điểm 8,25"):
        assess(broken)
    short = dataclasses.replace(bad, subjects=(ScoredSubject("Toán", 140, term("8.0", 3), term("8.0")),))
    with pytest.raises(AssessmentInputError, match="thiếu điểm đánh giá thường xuyên"):
        assess(short)
    with pytest.raises(AssessmentInputError, match="trùng tên"):
        assess(dataclasses.replace(bad, subjects=bad.subjects[:1] * 2))
    with pytest.raises(AssessmentInputError, match="absences"):
        assess(dataclasses.replace(bad, absences=-1))
    with pytest.raises(AssessmentInputError, match="grade"):
        assess(dataclasses.replace(bad, grade=3))


def test_levels_may_be_given_by_name():
    student = make(["8.0"] * 8)
    named = dataclasses.replace(student, conduct=ConductInput("Tốt", "Khá"))  # type: ignore[arg-type]
    assert assess(named).conduct.cn is Level.KHA


def test_level_parse():
    assert Level.parse("Khá") is Level.KHA
    assert Level.KHA.label == "Khá"
    with pytest.raises(AssessmentInputError, match="mức 'Giỏi' không hợp lệ"):
        Level.parse("Giỏi")


def to_json(student: StudentInput) -> dict:
    """The same student in the JSON contract."""

    def t(x):
        if isinstance(x, ScoredTerm):
            return {"tx": [str(v) for v in x.tx], "gk": str(x.gk), "ck": str(x.ck)}
        if isinstance(x, CommentTerm):
            return {"tx": [v.value for v in x.tx], "gk": x.gk.value, "ck": x.ck.value}
        return x.value

    subjects = []
    for s in student.subjects:
        obj = {
            "name": s.name,
            "mode": "score" if isinstance(s, ScoredSubject) else "comment",
            "periods_per_year": s.periods_per_year,
        }
        if s.exempt:
            obj["exempt"] = True
        else:
            obj["hk1"], obj["hk2"] = t(s.hk1), t(s.hk2)
        if s.retest is not None:
            obj["retest"] = str(s.retest) if isinstance(s.retest, Decimal) else s.retest.value
        subjects.append(obj)
    conduct = {"hk1": student.conduct.hk1.label, "hk2": student.conduct.hk2.label}
    if student.conduct.summer is not None:
        conduct["summer"] = student.conduct.summer.label
    return {"grade": student.grade, "subjects": subjects, "conduct": conduct, "absences": student.absences}


@pytest.mark.parametrize("weak", ["8.0", "6.0", "4.0", "3.0"])
def test_python_and_json_paths_agree(weak):
    student = make(["9.0"] * 5 + ["7.0"], weak=weak, retest="5.0")
    result = assess(student)
    as_json = assess_json(to_json(student))
    assert as_json["learning"]["cn"] == result.learning.cn.label
    assert as_json["outcome"] == result.outcome.value
    assert as_json["explanation"] == list(result.explanation)
    assert as_json["subjects"]["Tin học"]["cn"] == float(
        next(s for s in result.subjects if s.name == "Tin học").cn
    )
