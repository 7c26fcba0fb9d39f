"""Inputs and outputs of the assessment engine (plain, immutable data).

Vietnamese terms used here:

* học kì I / II (HK I, HK II): the two terms; cả năm (CN): the whole school year.
* ĐĐGtx (điểm đánh giá thường xuyên): regular assessments; ĐĐGgk / ĐĐGck: the mid-term and
  end-of-term (periodic) assessments.
* môn đánh giá bằng nhận xét: a subject assessed by comment only, Đạt (Đ) / Chưa đạt (CĐ).
* kết quả học tập: learning result; kết quả rèn luyện: conduct result; both on the four levels
  Tốt / Khá / Đạt / Chưa đạt.
* kiểm tra lại: summer re-test; rèn luyện trong kì nghỉ hè: summer conduct training.
* miễn học: exemption from a subject (the subject takes no part in any result).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum, StrEnum

LEVEL_LABELS = ("Chưa đạt", "Đạt", "Khá", "Tốt")


class Level(IntEnum):
    """A level of learning or conduct result; ordered, so ``Level.KHA > Level.DAT``."""

    CHUA_DAT = 0
    DAT = 1
    KHA = 2
    TOT = 3

    @property
    def label(self) -> str:
        """The Vietnamese name: "Tốt", "Khá", "Đạt", "Chưa đạt"."""
        return LEVEL_LABELS[self]

    @classmethod
    def parse(cls, text: object) -> Level:
        """A level from its Vietnamese name; raises :class:`AssessmentInputError`."""
        from hocba.assessment.parse import parse_level

        return cls(parse_level(text, "mức đánh giá"))


class Comment(StrEnum):
    """Result of a subject assessed by comment: Đạt ("Đ") or Chưa đạt ("CĐ")."""

    DAT = "Đ"
    CHUA_DAT = "CĐ"

    @property
    def passed(self) -> bool:
        """True for Đạt."""
        return self is Comment.DAT


class Outcome(StrEnum):
    """What happens to the student after the year (Điều 12–14)."""

    PROMOTED = "promoted"  # lên lớp
    RETAINED = "retained"  # ở lại lớp
    PENDING_RETEST = "pending_retest"  # chờ kiểm tra lại
    PENDING_SUMMER = "pending_summer"  # chờ đánh giá lại sau rèn luyện hè
    PENDING_RETEST_AND_SUMMER = "pending_retest_and_summer"


class Award(StrEnum):
    """Danh hiệu khen thưởng (Điều 15)."""

    EXCELLENT = "Học sinh Xuất sắc"
    GOOD = "Học sinh Giỏi"


@dataclass(frozen=True, slots=True)
class ScoredTerm:
    """One term of a scored subject: the ĐĐGtx, ĐĐGgk and ĐĐGck scores."""

    tx: tuple[Decimal, ...]
    gk: Decimal
    ck: Decimal


@dataclass(frozen=True, slots=True)
class CommentTerm:
    """One term of a comment subject given as its assessments (the result is derived)."""

    tx: tuple[Comment, ...]
    gk: Comment
    ck: Comment


@dataclass(frozen=True, slots=True)
class ScoredSubject:
    """A subject assessed by comment and score (``"mode": "score"``).

    ``retest`` is the summer re-test score; ``hk1``/``hk2`` may be ``None`` only when ``exempt``.
    """

    name: str
    periods_per_year: int
    hk1: ScoredTerm | None
    hk2: ScoredTerm | None
    retest: Decimal | None = None
    exempt: bool = False


@dataclass(frozen=True, slots=True)
class CommentSubject:
    """A subject assessed by comment only (``"mode": "comment"``).

    A term is either its result (:class:`Comment`) or its assessments (:class:`CommentTerm`).
    """

    name: str
    periods_per_year: int
    hk1: Comment | CommentTerm | None
    hk2: Comment | CommentTerm | None
    retest: Comment | None = None
    exempt: bool = False


Subject = ScoredSubject | CommentSubject


@dataclass(frozen=True, slots=True)
class ConductInput:
    """Conduct per term, entered by the homeroom teacher (GVCN); ``summer`` is the re-evaluation
    after summer training."""

    hk1: Level
    hk2: Level
    summer: Level | None = None


@dataclass(frozen=True, slots=True)
class StudentInput:
    """One student's school year."""

    subjects: tuple[Subject, ...]
    conduct: ConductInput
    absences: int = 0
    grade: int | None = None


@dataclass(frozen=True, slots=True)
class ScoredSubjectResult:
    """ĐTBmhk I, ĐTBmhk II, ĐTBmcn; ``retest`` when a re-test score replaced ``cn``."""

    name: str
    hk1: Decimal
    hk2: Decimal
    cn: Decimal
    retest: Decimal | None = None


@dataclass(frozen=True, slots=True)
class CommentSubjectResult:
    """Đ/CĐ per term and for the year (= HK II); ``retest`` when a re-assessment replaced ``cn``."""

    name: str
    hk1: Comment
    hk2: Comment
    cn: Comment
    retest: Comment | None = None


SubjectResult = ScoredSubjectResult | CommentSubjectResult


@dataclass(frozen=True, slots=True)
class LearningResult:
    """Kết quả học tập. ``adjusted`` names the periods ("hk1", "hk2", "cn", "after_retest") whose
    level was raised by Điều 9 khoản 3."""

    hk1: Level
    hk2: Level
    cn: Level
    after_retest: Level | None = None
    adjusted: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConductResult:
    """Kết quả rèn luyện per term, for the year (Điều 8 table) and after summer training."""

    hk1: Level
    hk2: Level
    cn: Level
    after_summer: Level | None = None


@dataclass(frozen=True, slots=True)
class StudentResult:
    """Everything the học bạ records for the year, with a Vietnamese explanation per decision.

    ``retest_subjects`` lists the subjects the student may be re-tested in (empty unless the
    learning result for the year is Chưa đạt and the conduct result allows a re-test).
    """

    subjects: tuple[SubjectResult, ...]
    learning: LearningResult
    conduct: ConductResult
    outcome: Outcome
    award: Award | None
    explanation: tuple[str, ...]
    exempt_subjects: tuple[str, ...] = ()
    retest_subjects: tuple[str, ...] = ()
