"""The public entry points: :func:`assess` (Python data) and :func:`assess_json` (the JSON contract)."""

from __future__ import annotations

from decimal import Decimal

from hocba.assessment import tt22
from hocba.assessment.errors import AssessmentInputError
from hocba.assessment.explain import explain
from hocba.assessment.parse import prepare_input, prepare_json
from hocba.assessment.scores import DECIMALS, FLOATS, to_tenths
from hocba.assessment.types import (
    Award,
    Comment,
    CommentSubjectResult,
    ConductResult,
    LearningResult,
    Level,
    Outcome,
    ScoredSubjectResult,
    StudentInput,
    StudentResult,
    SubjectResult,
)

LEVEL_TEXT = ("Chưa đạt", "Đạt", "Khá", "Tốt")
COMMENT_TEXT = ("CĐ", "Đ")  # indexed by the boolean "Đạt"
_LEVELS = tuple(Level)
_COMMENTS = (Comment.CHUA_DAT, Comment.DAT)
_ADJUSTED_KEYS = ("hk1", "hk2", "cn")


def tx_count(periods_per_year: int) -> int:
    """Number of regular assessments (ĐĐGtx) per term for a subject of that many periods a year."""
    return tt22.tx_count(periods_per_year)


def term_average(tx: list[Decimal] | tuple[Decimal, ...], gk: Decimal, ck: Decimal) -> Decimal:
    """ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (số ĐĐGtx + 5), one decimal, half up (exact)."""
    return DECIMALS[tt22.term_average_tenths([to_tenths(v) for v in tx], to_tenths(gk), to_tenths(ck))]


def year_average(hk1: Decimal, hk2: Decimal) -> Decimal:
    """ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3 from the (rounded) term averages, one decimal, half up."""
    return DECIMALS[tt22.year_average_tenths(to_tenths(hk1), to_tenths(hk2))]


def assess(student: StudentInput) -> StudentResult:
    """All results of one student's year; raises :class:`AssessmentInputError` for bad input."""
    ev = tt22.evaluate(prepare_input(student))
    return to_result(ev)


def to_result(ev: tt22.Evaluation) -> StudentResult:
    """The engine's plain evaluation as public dataclasses."""
    p = ev.prepared
    retested = set(ev.retested)
    subjects: list[SubjectResult] = []
    for i, (s, v) in enumerate(zip(p.subjects, ev.values, strict=True)):
        if isinstance(s, tt22.PreparedScored):
            subjects.append(
                ScoredSubjectResult(
                    s.name,
                    DECIMALS[v[0]],
                    DECIMALS[v[1]],
                    DECIMALS[v[2]],
                    DECIMALS[s.retest] if s.retest is not None and i in retested else None,
                )
            )
        else:
            subjects.append(
                CommentSubjectResult(
                    s.name,
                    _COMMENTS[v[0]],
                    _COMMENTS[v[1]],
                    _COMMENTS[v[2]],
                    _COMMENTS[s.retest] if s.retest is not None and i in retested else None,
                )
            )
    adjusted = [key for key, flag in zip(_ADJUSTED_KEYS, ev.adjusted, strict=True) if flag]
    if ev.after_retest_adjusted:
        adjusted.append("after_retest")
    learning = LearningResult(
        _LEVELS[ev.learning[0]],
        _LEVELS[ev.learning[1]],
        _LEVELS[ev.learning[2]],
        None if ev.after_retest is None else _LEVELS[ev.after_retest],
        tuple(adjusted),
    )
    conduct = ConductResult(
        _LEVELS[ev.conduct[0]],
        _LEVELS[ev.conduct[1]],
        _LEVELS[ev.conduct[2]],
        None if ev.after_summer is None else _LEVELS[ev.after_summer],
    )
    return StudentResult(
        tuple(subjects),
        learning,
        conduct,
        Outcome(ev.outcome),
        None if ev.award is None else Award(ev.award),
        tuple(explain(ev)),
        p.exempt,
        tuple(p.subjects[i].name for i in ev.retest_candidates)
        if ev.outcome in (tt22.PENDING_RETEST, tt22.PENDING_BOTH)
        else (),
    )


def evaluation_json(ev: tt22.Evaluation) -> dict[str, object]:
    """The JSON contract's result object for one evaluation."""
    p = ev.prepared
    subjects: dict[str, object] = {}
    retested = ev.retested
    for i, (s, v) in enumerate(zip(p.subjects, ev.values, strict=True)):
        if isinstance(s, tt22.PreparedScored):
            entry: dict[str, object] = {"hk1": FLOATS[v[0]], "hk2": FLOATS[v[1]], "cn": FLOATS[v[2]]}
            if s.retest is not None and i in retested:
                entry["retest"] = FLOATS[s.retest]
        else:
            entry = {"hk1": COMMENT_TEXT[v[0]], "hk2": COMMENT_TEXT[v[1]], "cn": COMMENT_TEXT[v[2]]}
            if s.retest is not None and i in retested:
                entry["retest"] = COMMENT_TEXT[s.retest]
        subjects[s.name] = entry
    l1, l2, lcn = ev.learning
    learning = {"hk1": LEVEL_TEXT[l1], "hk2": LEVEL_TEXT[l2], "cn": LEVEL_TEXT[lcn]}
    if ev.after_retest is not None:
        learning["after_retest"] = LEVEL_TEXT[ev.after_retest]
    c1, c2, ccn = ev.conduct
    conduct = {"hk1": LEVEL_TEXT[c1], "hk2": LEVEL_TEXT[c2], "cn": LEVEL_TEXT[ccn]}
    if ev.after_summer is not None:
        conduct["after_summer"] = LEVEL_TEXT[ev.after_summer]
    return {
        "subjects": subjects,
        "learning": learning,
        "conduct": conduct,
        "outcome": ev.outcome,
        "award": ev.award,
        "explanation": explain(ev),
    }


def assess_json(obj: object) -> dict[str, object]:
    """One student of the JSON contract → its result, or ``{"error": "<Vietnamese message>"}``."""
    try:
        prepared = prepare_json(obj)
    except AssessmentInputError as exc:
        return {"error": str(exc)}
    return evaluation_json(tt22.evaluate(prepared))


def assess_prepared(prepared: tt22.Prepared) -> dict[str, object]:
    """The JSON contract's result for an input already in the engine's own form, no checks.

    For a caller that builds :class:`tt22.Prepared` from data it has validated itself (the
    gradebook's closing, from stored canonical cells): the result is the one :func:`assess_json`
    gives for the same student as JSON, without parsing and checking it again. Anything the caller
    cannot vouch for goes through :func:`assess_json`.
    """
    return evaluation_json(tt22.evaluate(prepared))
