"""Validate one student's input (JSON object or :class:`~hocba.assessment.types.StudentInput`)
into the engine's :class:`~hocba.assessment.tt22.Prepared` form.

Every rejection is an :class:`AssessmentInputError` whose Vietnamese message names the subject
and the field, e.g. "Môn Toán, HK I, ĐĐGtx lần 2: điểm 8,25 có quá một chữ số thập phân …".
"""

from __future__ import annotations

import unicodedata
from typing import Any, cast

from hocba.assessment import tt22
from hocba.assessment.errors import AssessmentInputError
from hocba.assessment.scores import _FAST as _SCORE_TABLE
from hocba.assessment.scores import parse_score, score_tenths, to_tenths
from hocba.assessment.types import (
    Comment,
    CommentSubject,
    CommentTerm,
    ScoredSubject,
    ScoredTerm,
    StudentInput,
)

LEVELS = {"Tốt": tt22.TOT, "Khá": tt22.KHA, "Đạt": tt22.DAT, "Chưa đạt": tt22.CHUA_DAT}
COMMENTS = {"Đ": True, "CĐ": False, "Đạt": True, "Chưa đạt": False}
TERM_NAMES = {"hk1": "HK I", "hk2": "HK II"}
MODES = ("score", "comment")


def parse_level(value: object, field: str) -> int:
    """A level name ("Tốt", "Khá", "Đạt", "Chưa đạt") as an int 3..0."""
    level = LEVELS.get(value) if isinstance(value, str) else None
    if level is None and isinstance(value, str):
        level = LEVELS.get(unicodedata.normalize("NFC", value.strip()))
    if level is None:
        raise AssessmentInputError(
            f"{field}: mức {_show(value)} không hợp lệ (chỉ nhận Tốt, Khá, Đạt, Chưa đạt)"
        )
    return level


def parse_comment(value: object, field: str) -> bool:
    """A comment result ("Đ"/"CĐ", also "Đạt"/"Chưa đạt") as True (Đạt) / False."""
    if isinstance(value, Comment):
        return value is Comment.DAT
    result = COMMENTS.get(value) if isinstance(value, str) else None
    if result is None and isinstance(value, str):
        result = COMMENTS.get(unicodedata.normalize("NFC", value.strip()))
    if result is None:
        raise AssessmentInputError(f"{field}: mức {_show(value)} không hợp lệ (chỉ nhận Đ hoặc CĐ)")
    return result


def _show(value: object) -> str:
    if value is None:
        return "trống"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


def _score(value: object, field: str) -> int:
    try:
        return score_tenths(value)
    except AssessmentInputError as exc:
        raise AssessmentInputError(f"{field}: {exc}") from None


def _tx_mismatch(field: str, given: int, required: int, periods: int) -> AssessmentInputError:
    what = "thiếu" if given < required else "thừa"
    return AssessmentInputError(
        f"{field}: {what} điểm đánh giá thường xuyên (có {given}, cần đúng {required} "
        f"vì môn học {periods} tiết/năm)"
    )


def _comment_detail(tx: list[bool], gk: bool, ck: bool, required: int) -> str | None:
    """Why a comment term derived from assessments is Chưa đạt (None when Đạt)."""
    if len(tx) < required:
        return f"chưa đủ số lần đánh giá thường xuyên ({len(tx)}/{required})"
    failed = [f"ĐĐGtx lần {i}" for i, ok in enumerate(tx, 1) if not ok]
    if not gk:
        failed.append("ĐĐGgk")
    if not ck:
        failed.append("ĐĐGck")
    if failed:
        return "có lần đánh giá Chưa đạt (" + ", ".join(failed) + ")"
    return None


def comment_term(tx: list[bool], gk: bool, ck: bool, required: int) -> tuple[bool, str | None]:
    """A comment term from its assessments, already read as booleans (Đạt), at most ``required``
    ĐĐGtx: (Đạt?, why not). What every input path computes, for a caller that builds
    :class:`tt22.Prepared` itself (the gradebook's closing)."""
    if len(tx) == required and gk and ck and all(tx):
        return True, None
    return False, _comment_detail(tx, gk, ck, required)


# --------------------------------------------------------------------------- JSON input


class _Unusual(Exception):
    """The fast path met something it does not handle; the checked path decides."""


def prepare_json(obj: object) -> tt22.Prepared:
    """A student as the JSON contract describes it → :class:`tt22.Prepared`.

    A fast path handles well-formed input in the usual shapes; anything else (including every
    invalid input) goes through the checked path, which accepts the same valid inputs and
    produces the Vietnamese error message naming subject and field.
    """
    try:
        return _prepare_fast(obj)
    except (_Unusual, KeyError, TypeError, AttributeError):
        return _prepare_checked(obj)


_FAST_SCORES = _SCORE_TABLE


def _fast_term(term: Any, required: int) -> tuple[tuple[int, ...], int, int]:
    if term.__class__ is not dict or len(term) != 3:
        raise _Unusual
    tx = term["tx"]
    if tx.__class__ is not list or len(tx) != required:
        raise _Unusual
    get = _FAST_SCORES.get
    marks = tuple([get(v) for v in tx])
    gk = get(term["gk"])
    ck = get(term["ck"])
    if None in marks or gk is None or ck is None:
        raise _Unusual
    # True/False hash like 1/0 and would pass as 1,0 / 0,0 (10 / 0 tenths): only then look at types.
    if (0 in marks or 10 in marks or gk in (0, 10) or ck in (0, 10)) and any(
        v.__class__ is bool for v in (*tx, term["gk"], term["ck"])
    ):
        raise _Unusual
    return cast(tuple[int, ...], marks), gk, ck


def _prepare_fast(obj: Any) -> tt22.Prepared:
    if obj.__class__ is not dict:
        raise _Unusual
    grade = obj.get("grade")
    if grade is not None and (grade.__class__ is not int or not 6 <= grade <= 12):
        raise _Unusual
    absences = obj.get("absences", 0)
    if absences.__class__ is not int or absences < 0:
        raise _Unusual
    conduct = obj["conduct"]
    c1 = LEVELS[conduct["hk1"]]
    c2 = LEVELS[conduct["hk2"]]
    summer = conduct.get("summer")
    if summer is not None:
        summer = LEVELS[summer]
    subjects = obj["subjects"]
    if subjects.__class__ is not list:
        raise _Unusual
    prepared: list[tt22.PreparedScored | tt22.PreparedComment] = []
    exempt: list[str] = []
    seen: set[str] = set()
    for subject in subjects:
        name = subject["name"]
        periods = subject["periods_per_year"]
        if (
            name.__class__ is not str
            or not name.strip()
            or name in seen
            or periods.__class__ is not int
            or periods <= 0
        ):
            raise _Unusual
        seen.add(name)
        flag = subject.get("exempt")
        if flag is not None and flag is not False:
            if flag is True:
                exempt.append(name)
                continue
            raise _Unusual
        required = 2 if periods <= 35 else 3 if periods <= 70 else 4
        mode = subject["mode"]
        retest = subject.get("retest")
        if mode == "score":
            tx1, gk1, ck1 = _fast_term(subject["hk1"], required)
            tx2, gk2, ck2 = _fast_term(subject["hk2"], required)
            if retest is not None:
                value = retest
                retest = _FAST_SCORES.get(value)
                if retest is None or value.__class__ is bool:
                    raise _Unusual
            prepared.append(tt22.PreparedScored(name, tx1, gk1, ck1, tx2, gk2, ck2, retest))
        elif mode == "comment":
            t1 = subject["hk1"]
            t2 = subject["hk2"]
            detail1 = detail2 = None
            if t1.__class__ is dict:
                r1, detail1 = _fast_comment_term(t1, required)
            else:
                r1 = COMMENTS[t1]
            if t2.__class__ is dict:
                r2, detail2 = _fast_comment_term(t2, required)
            else:
                r2 = COMMENTS[t2]
            if retest is not None:
                retest = COMMENTS[retest]
            prepared.append(tt22.PreparedComment(name, r1, r2, retest, detail1, detail2))
        else:
            raise _Unusual
    return tt22.Prepared(tuple(prepared), c1, c2, summer, absences, tuple(exempt))


def _fast_comment_term(term: Any, required: int) -> tuple[bool, str | None]:
    if len(term) != 3:
        raise _Unusual
    tx = term["tx"]
    if tx.__class__ is not list or len(tx) > required:
        raise _Unusual
    return comment_term([COMMENTS[v] for v in tx], COMMENTS[term["gk"]], COMMENTS[term["ck"]], required)


def _prepare_checked(obj: Any) -> tt22.Prepared:
    """The checked path of :func:`prepare_json`."""
    if type(obj) is not dict:
        raise AssessmentInputError("Dữ liệu học sinh phải là một đối tượng JSON")
    grade = obj.get("grade")
    if grade is not None and (type(grade) is not int or not 6 <= grade <= 12):
        raise AssessmentInputError(f"Khối lớp (grade): giá trị {_show(grade)} không hợp lệ (6–12)")
    absences = obj.get("absences", 0)
    if type(absences) is not int or absences < 0:
        raise AssessmentInputError(
            f"Số buổi nghỉ (absences): giá trị {_show(absences)} không hợp lệ (số nguyên ≥ 0)"
        )
    conduct = obj.get("conduct")
    if type(conduct) is not dict:
        raise AssessmentInputError("Rèn luyện (conduct): thiếu kết quả rèn luyện HK I, HK II")
    c1 = parse_level(conduct.get("hk1"), "Rèn luyện HK I (conduct.hk1)")
    c2 = parse_level(conduct.get("hk2"), "Rèn luyện HK II (conduct.hk2)")
    summer = conduct.get("summer")
    if summer is not None:
        summer = parse_level(summer, "Rèn luyện sau kì nghỉ hè (conduct.summer)")
    subjects = obj.get("subjects")
    if type(subjects) is not list:
        raise AssessmentInputError("Thiếu danh sách môn học (subjects)")
    prepared: list[tt22.PreparedScored | tt22.PreparedComment] = []
    exempt: list[str] = []
    seen: set[str] = set()
    for position, subject in enumerate(subjects, 1):
        if type(subject) is not dict:
            raise AssessmentInputError(f"Môn học thứ {position}: phải là một đối tượng JSON")
        name = subject.get("name")
        if type(name) is not str or not name.strip():
            raise AssessmentInputError(f"Môn học thứ {position}: thiếu tên môn (name)")
        if name in seen:
            raise AssessmentInputError(f"Môn {name}: trùng tên với một môn khác")
        seen.add(name)
        mode = subject.get("mode")
        if mode not in MODES or type(mode) is not str:
            raise AssessmentInputError(
                f"Môn {name}: hình thức đánh giá (mode) {_show(mode)} không hợp lệ "
                "(chỉ nhận 'score' hoặc 'comment')"
            )
        periods = subject.get("periods_per_year")
        if type(periods) is not int or periods <= 0:
            raise AssessmentInputError(
                f"Môn {name}: số tiết/năm (periods_per_year) {_show(periods)} không hợp lệ"
            )
        exempt_flag = subject.get("exempt", False)
        if type(exempt_flag) is not bool:
            raise AssessmentInputError(f"Môn {name}: miễn học (exempt) phải là true hoặc false")
        if exempt_flag:
            exempt.append(name)
            continue
        required = tt22.tx_count(periods)
        if mode == "score":
            terms: list[tuple[tuple[int, ...], int, int]] = []
            for key in ("hk1", "hk2"):
                term = subject.get(key)
                label = f"Môn {name}, {TERM_NAMES[key]}"
                if type(term) is not dict:
                    raise AssessmentInputError(f"{label}: thiếu điểm của học kì ({key})")
                tx = term.get("tx")
                if type(tx) is not list:
                    raise AssessmentInputError(f"{label}: thiếu điểm đánh giá thường xuyên (tx)")
                if len(tx) != required:
                    raise _tx_mismatch(label, len(tx), required, periods)
                for extra in term.keys() - {"tx", "gk", "ck"}:
                    raise AssessmentInputError(f"{label}: trường '{extra}' không có trong hợp đồng dữ liệu")
                marks = tuple([_score(v, f"{label}, ĐĐGtx lần {i}") for i, v in enumerate(tx, 1)])
                gk = _score(term.get("gk"), f"{label}, ĐĐGgk")
                terms.append((marks, gk, _score(term.get("ck"), f"{label}, ĐĐGck")))
            retest = subject.get("retest")
            if retest is not None:
                retest = _score(retest, f"Môn {name}, điểm kiểm tra lại (retest)")
            (tx1, gk1, ck1), (tx2, gk2, ck2) = terms
            prepared.append(tt22.PreparedScored(name, tx1, gk1, ck1, tx2, gk2, ck2, retest))
        else:
            results: list[object] = [name]
            details: list[str | None] = []
            for key in ("hk1", "hk2"):
                term = subject.get(key)
                label = f"Môn {name}, {TERM_NAMES[key]}"
                if type(term) is dict:
                    passed, detail = _comment_term_json(term, label, required, periods)
                    results.append(passed)
                    details.append(detail)
                elif term is None:
                    raise AssessmentInputError(f"{label}: thiếu kết quả đánh giá ({key})")
                else:
                    results.append(parse_comment(term, label))
                    details.append(None)
            retest = subject.get("retest")
            if retest is not None:
                retest = parse_comment(retest, f"Môn {name}, kết quả kiểm tra lại (retest)")
            prepared.append(tt22.PreparedComment(results[0], results[1], results[2], retest, *details))  # type: ignore[arg-type]
    return tt22.Prepared(tuple(prepared), c1, c2, summer, absences, tuple(exempt))


def _comment_term_json(
    term: dict[str, Any], label: str, required: int, periods: int
) -> tuple[bool, str | None]:
    tx = term.get("tx")
    if type(tx) is not list:
        raise AssessmentInputError(f"{label}: thiếu các lần đánh giá thường xuyên (tx)")
    if len(tx) > required:
        raise _tx_mismatch(label, len(tx), required, periods)
    for extra in term.keys() - {"tx", "gk", "ck"}:
        raise AssessmentInputError(f"{label}: trường '{extra}' không có trong hợp đồng dữ liệu")
    marks = [parse_comment(v, f"{label}, ĐĐGtx lần {i}") for i, v in enumerate(tx, 1)]
    gk = parse_comment(term.get("gk"), f"{label}, ĐĐGgk")
    ck = parse_comment(term.get("ck"), f"{label}, ĐĐGck")
    passed = tt22.comment_term_passed(tuple(marks), gk, ck, required)
    return passed, _comment_detail(marks, gk, ck, required)


# --------------------------------------------------------------------------- Python input


def _decimal_tenths(value: object, field: str) -> int:
    try:
        return to_tenths(parse_score(value))
    except AssessmentInputError as exc:
        raise AssessmentInputError(f"{field}: {exc}") from None


def prepare_input(student: StudentInput) -> tt22.Prepared:
    """A :class:`StudentInput` → :class:`tt22.Prepared` (same checks as the JSON contract)."""
    if student.grade is not None and not 6 <= student.grade <= 12:
        raise AssessmentInputError(f"Khối lớp (grade): giá trị {student.grade} không hợp lệ (6–12)")
    if student.absences < 0:
        raise AssessmentInputError(f"Số buổi nghỉ (absences): giá trị {student.absences} không hợp lệ")
    conduct = student.conduct
    c1 = parse_level(_level_name(conduct.hk1), "Rèn luyện HK I")
    c2 = parse_level(_level_name(conduct.hk2), "Rèn luyện HK II")
    summer = (
        None
        if conduct.summer is None
        else parse_level(_level_name(conduct.summer), "Rèn luyện sau kì nghỉ hè")
    )
    prepared: list[tt22.PreparedScored | tt22.PreparedComment] = []
    exempt: list[str] = []
    seen: set[str] = set()
    for subject in student.subjects:
        name = subject.name
        if name in seen:
            raise AssessmentInputError(f"Môn {name}: trùng tên với một môn khác")
        seen.add(name)
        if subject.periods_per_year <= 0:
            raise AssessmentInputError(f"Môn {name}: số tiết/năm {subject.periods_per_year} không hợp lệ")
        if subject.exempt:
            exempt.append(name)
            continue
        required = tt22.tx_count(subject.periods_per_year)
        if isinstance(subject, ScoredSubject):
            parts: list[tuple[tuple[int, ...], int, int]] = []
            for key, term in (("hk1", subject.hk1), ("hk2", subject.hk2)):
                label = f"Môn {name}, {TERM_NAMES[key]}"
                if not isinstance(term, ScoredTerm):
                    raise AssessmentInputError(f"{label}: thiếu điểm của học kì")
                if len(term.tx) != required:
                    raise _tx_mismatch(label, len(term.tx), required, subject.periods_per_year)
                marks = tuple(_decimal_tenths(v, f"{label}, ĐĐGtx lần {i}") for i, v in enumerate(term.tx, 1))
                gk = _decimal_tenths(term.gk, f"{label}, ĐĐGgk")
                parts.append((marks, gk, _decimal_tenths(term.ck, f"{label}, ĐĐGck")))
            retest = (
                None
                if subject.retest is None
                else _decimal_tenths(subject.retest, f"Môn {name}, điểm kiểm tra lại")
            )
            (tx1, gk1, ck1), (tx2, gk2, ck2) = parts
            prepared.append(tt22.PreparedScored(name, tx1, gk1, ck1, tx2, gk2, ck2, retest))
        elif isinstance(subject, CommentSubject):
            results: list[bool] = []
            details: list[str | None] = []
            for key, cterm in (("hk1", subject.hk1), ("hk2", subject.hk2)):
                label = f"Môn {name}, {TERM_NAMES[key]}"
                if isinstance(cterm, CommentTerm):
                    if len(cterm.tx) > required:
                        raise _tx_mismatch(label, len(cterm.tx), required, subject.periods_per_year)
                    flags = [parse_comment(v, f"{label}, ĐĐGtx lần {i}") for i, v in enumerate(cterm.tx, 1)]
                    gk_ok = parse_comment(cterm.gk, f"{label}, ĐĐGgk")
                    ck_ok = parse_comment(cterm.ck, f"{label}, ĐĐGck")
                    results.append(tt22.comment_term_passed(tuple(flags), gk_ok, ck_ok, required))
                    details.append(_comment_detail(flags, gk_ok, ck_ok, required))
                elif cterm is None:
                    raise AssessmentInputError(f"{label}: thiếu kết quả đánh giá")
                else:
                    results.append(parse_comment(cterm, label))
                    details.append(None)
            retest_c = (
                None
                if subject.retest is None
                else parse_comment(subject.retest, f"Môn {name}, kết quả kiểm tra lại")
            )
            prepared.append(
                tt22.PreparedComment(name, results[0], results[1], retest_c, details[0], details[1])
            )
        else:
            raise AssessmentInputError(f"Môn {name}: loại môn học không hợp lệ")
    return tt22.Prepared(tuple(prepared), c1, c2, summer, student.absences, tuple(exempt))


def _level_name(level: object) -> object:
    from hocba.assessment.types import LEVEL_LABELS, Level

    if isinstance(level, Level):
        return LEVEL_LABELS[level]
    return level
