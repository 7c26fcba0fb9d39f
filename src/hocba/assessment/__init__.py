"""Học sinh assessment by Circular 22/2021/TT-BGDĐT: pure rules, no Django.

Turns a student's year of assessments (scores, comments, conduct, absences, re-tests) into
every result the học bạ records — term and year averages, comment results, learning and conduct
levels, promotion outcome, award — each with a Vietnamese explanation. See ``tt22`` for the rules
and the readings chosen where the circular leaves a choice.

Public API::

    assess(student: StudentInput) -> StudentResult      # raises AssessmentInputError
    assess_json(obj: dict) -> dict                       # the JSON contract of ``hocba assess``
    assess_prepared(tt22.Prepared) -> dict               # the same result, input trusted (no checks)
    tx_count(periods_per_year) -> int
    term_average(tx, gk, ck) -> Decimal
    year_average(hk1, hk2) -> Decimal
    parse_score(value) -> Decimal
    format_score(Decimal) -> str                         # "8,5"
"""

from hocba.assessment.engine import (
    assess,
    assess_json,
    assess_prepared,
    term_average,
    to_result,
    tx_count,
    year_average,
)
from hocba.assessment.errors import AssessmentInputError
from hocba.assessment.scores import format_score, parse_score
from hocba.assessment.types import (
    Award,
    Comment,
    CommentSubject,
    CommentSubjectResult,
    CommentTerm,
    ConductInput,
    ConductResult,
    LearningResult,
    Level,
    Outcome,
    ScoredSubject,
    ScoredSubjectResult,
    ScoredTerm,
    StudentInput,
    StudentResult,
)

__all__ = [
    "AssessmentInputError",
    "Award",
    "Comment",
    "CommentSubject",
    "CommentSubjectResult",
    "CommentTerm",
    "ConductInput",
    "ConductResult",
    "LearningResult",
    "Level",
    "Outcome",
    "ScoredSubject",
    "ScoredSubjectResult",
    "ScoredTerm",
    "StudentInput",
    "StudentResult",
    "assess",
    "assess_json",
    "assess_prepared",
    "format_score",
    "parse_score",
    "term_average",
    "to_result",
    "tx_count",
    "year_average",
]
