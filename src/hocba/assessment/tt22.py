"""The rules of Circular 22/2021/TT-BGDĐT (Thông tư 22), on integer tenths.

One circular version per module: an amended circular becomes a new module with the same
functions. Everything here is a pure function of plain data. Scores are ints of tenths
(8,5 → 85); all formulas of the circular are then exact integer arithmetic, and rounding half up
is ``(2·n + d) // (2·d)``. Levels are ints: 3 Tốt, 2 Khá, 1 Đạt, 0 Chưa đạt (see ``types.Level``).

Readings of the circular where its text leaves a choice (each is tested in
``tests/assessment``):

* **Fewer than six scored subjects.** Điều 9 khoản 2 asks for "ít nhất 06 môn" at a threshold
  (8,0 for Tốt, 6,5 for Khá, 5,0 for Đạt; 9,0 for Học sinh Xuất sắc in Điều 15). A student
  exempted (miễn học) from enough subjects can have fewer than six scored subjects; read
  literally, such a student could never be even Đạt. We read "at least six" as "at least
  ``min(6, n)``" where ``n`` is the number of scored subjects the student takes: with fewer than
  six, *all* of them must reach the threshold. With no scored subject at all only the comment
  subjects decide.
* **Điều 9 khoản 3, "chỉ do kết quả đánh giá của duy nhất 01 môn học".** The adjustment compares
  the level reached with the level of "điểm a, điểm b" (Tốt or Khá) the student *would* reach but
  for one subject. We read "would reach level T but for subject s" as: every condition of T holds
  once s alone is brought up to T's per-subject floor (comment subject → Đạt; scored subject →
  6,5 for Tốt, 5,0 for Khá) — equivalently, exactly one subject misses T's per-subject floor, and
  T's "ít nhất 06 môn" count already holds without help from that subject (it cannot help: it is
  below the floor, hence below the count threshold). If the level reached is two or more levels
  below such a T, it is raised to the level directly above the one reached ("mức liền kề", as in
  the matching rule of the old Circular 58, Điều 13 khoản 3: Tốt pulled to Đạt → Khá; Tốt pulled to
  Chưa đạt → Đạt; Khá pulled to Chưa đạt → Đạt). Two subjects below the floor → no adjustment.
  A count shortfall alone never lowers a level by two, so it never triggers the adjustment. The
  adjustment applies to each term, to the year and to the result after the re-test.
* **Comment subjects from their assessments** (Điều 9 khoản 1 điểm a): Đạt iff the number of
  ĐĐGtx is at least the number required for the subject's periods (the same table as scored
  subjects, Điều 6), the mid-term and end-of-term assessments exist, and every assessment is Đạt.
* **Promotion (Điều 12–14).** Absences over 45 → retained, whatever else. Conduct for the year
  Chưa đạt → summer training; its re-evaluation ``summer`` decides conduct (Chưa đạt → retained).
  Learning for the year Chưa đạt → re-test in the subjects with ĐTBmcn < 5,0 or comment Chưa đạt;
  the student chooses among them, so re-test results given for *some* of those subjects complete
  the re-test: each replaces that subject's year value and the learning result is re-computed
  (``after_retest``); Chưa đạt → retained. A student with both conduct and learning Chưa đạt
  does summer training and is re-tested (the re-test is open to students whose conduct is at
  least Đạt, i.e. after the summer re-evaluation); results may arrive in either order:
  ``pending_retest_and_summer`` until either is known, a Chưa đạt on either → retained.
  Re-test results for subjects (or students) not due a re-test are ignored, with an explanation.
* **Awards (Điều 15)** use the year results before summer re-assessment: a student who needed
  a re-test had learning Chưa đạt, and a re-test cannot bring Tốt back, so nothing is lost. The
  article lists no other condition, so the absences rule does not remove an award.
"""

from __future__ import annotations

from typing import NamedTuple

TOT, KHA, DAT, CHUA_DAT = 3, 2, 1, 0

MAX_ABSENCES = 45  # Điều 12: nghỉ học không quá 45 buổi trong một năm học
RETEST_BELOW = 50  # Điều 13/14: kiểm tra lại các môn có ĐTBmcn dưới 5,0
MIN_SUBJECTS = 6  # "ít nhất 06 môn"
EXCELLENT_SCORE = 90  # Điều 15: 06 môn ĐTBmcn từ 9,0 trở lên

# Per-subject floors (all subjects at least) and count thresholds (at least six subjects) of
# Điều 9 khoản 2, in tenths.
FLOOR = {TOT: 65, KHA: 50, DAT: 35}
COUNT_AT = {TOT: 80, KHA: 65, DAT: 50}

# Điều 8 khoản 2: year conduct from (HK I, HK II). CONDUCT_YEAR[hk1][hk2].
CONDUCT_YEAR: tuple[tuple[int, int, int, int], ...] = (
    # HK II:  CĐ        Đạt  Khá  Tốt
    (CHUA_DAT, DAT, DAT, KHA),  # HK I Chưa đạt
    (CHUA_DAT, DAT, KHA, KHA),  # HK I Đạt
    (CHUA_DAT, DAT, KHA, TOT),  # HK I Khá
    (CHUA_DAT, KHA, KHA, TOT),  # HK I Tốt
)

PROMOTED = "promoted"
RETAINED = "retained"
PENDING_RETEST = "pending_retest"
PENDING_SUMMER = "pending_summer"
PENDING_BOTH = "pending_retest_and_summer"
AWARD_EXCELLENT = "Học sinh Xuất sắc"
AWARD_GOOD = "Học sinh Giỏi"


def tx_count(periods_per_year: int) -> int:
    """Number of ĐĐGtx per term (Điều 6): ≤ 35 periods → 2, over 35 to 70 → 3, over 70 → 4."""
    if periods_per_year <= 35:
        return 2
    if periods_per_year <= 70:
        return 3
    return 4


def term_average_tenths(tx: tuple[int, ...] | list[int], gk: int, ck: int) -> int:
    """ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (số ĐĐGtx + 5), rounded half up, in tenths."""
    d = len(tx) + 5
    return (2 * (sum(tx) + 2 * gk + 3 * ck) + d) // (2 * d)


def year_average_tenths(hk1: int, hk2: int) -> int:
    """ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3 from the rounded term averages, rounded half up."""
    return (2 * (hk1 + 2 * hk2) + 3) // 6


def comment_term_passed(tx: tuple[bool, ...], gk: bool | None, ck: bool | None, required: int) -> bool:
    """A comment subject's term result from its assessments (Điều 9 khoản 1 điểm a): Đạt iff
    enough assessments (``required`` ĐĐGtx, the mid-term and the end-of-term one) and all Đạt."""
    return len(tx) >= required and gk is not None and ck is not None and all(tx) and gk and ck


def learning_level(desc: list[int], n_fail_comment: int) -> int:
    """Kết quả học tập (Điều 9 khoản 2) before the khoản 3 adjustment.

    ``desc`` are the scored subjects' averages in tenths sorted from highest to lowest;
    ``n_fail_comment`` is the number of comment subjects at Chưa đạt. With the list sorted,
    "at least k subjects ≥ x" is ``desc[k-1] ≥ x`` and "all subjects ≥ x" is ``desc[-1] ≥ x``.
    """
    n = len(desc)
    if n:
        lowest = desc[-1]
        kth = desc[(n if n < MIN_SUBJECTS else MIN_SUBJECTS) - 1]
    else:
        lowest = kth = 100
    if n_fail_comment == 0:
        if lowest >= 65 and kth >= 80:
            return TOT
        if lowest >= 50 and kth >= 65:
            return KHA
    if n_fail_comment <= 1 and kth >= 50 and lowest >= 35:
        return DAT
    return CHUA_DAT


def single_subject_blocks(desc: list[int], n_fail_comment: int, target: int) -> bool:
    """True when ``target`` (Tốt or Khá) fails only because of one single subject (see module
    docstring): exactly one subject below the target's floor and the count condition met."""
    n = len(desc)
    floor = FLOOR[target]
    if n == 0 or desc[-1] >= floor:
        below = 0
    elif n == 1 or desc[-2] >= floor:
        below = 1
    else:
        return False
    if below + n_fail_comment != 1:
        return False
    return n == 0 or desc[(n if n < MIN_SUBJECTS else MIN_SUBJECTS) - 1] >= COUNT_AT[target]


def adjusted_level(level: int, desc: list[int], n_fail_comment: int) -> int:
    """Điều 9 khoản 3: a level two or more below Tốt/Khá only because of one subject goes up one."""
    if level <= DAT and single_subject_blocks(desc, n_fail_comment, TOT):
        return level + 1
    if level == CHUA_DAT and single_subject_blocks(desc, n_fail_comment, KHA):
        return DAT
    return level


def classify(values: list[int], n_fail_comment: int) -> tuple[int, bool]:
    """(level, adjusted) for one period from the scored averages (any order) and the number of
    comment subjects at Chưa đạt."""
    desc = sorted(values, reverse=True)
    level = learning_level(desc, n_fail_comment)
    if level >= KHA:
        return level, False
    final = adjusted_level(level, desc, n_fail_comment)
    return final, final != level


def conduct_year(hk1: int, hk2: int) -> int:
    """Kết quả rèn luyện cả năm from the two terms (Điều 8 khoản 2)."""
    return CONDUCT_YEAR[hk1][hk2]


Values = tuple[int, int, int]
"""(HK I, HK II, cả năm) of one subject: tenths, or booleans (Đạt) for a comment subject."""


class PreparedScored(NamedTuple):
    """A scored subject, validated, in tenths; ``retest`` None when not given."""

    name: str
    tx1: tuple[int, ...]
    gk1: int
    ck1: int
    tx2: tuple[int, ...]
    gk2: int
    ck2: int
    retest: int | None


class PreparedComment(NamedTuple):
    """A comment subject, validated: term results as booleans (True = Đạt).

    ``detail1``/``detail2`` explain a result derived from assessments (None when given directly).
    """

    name: str
    hk1: bool
    hk2: bool
    retest: bool | None
    detail1: str | None = None
    detail2: str | None = None


class Prepared(NamedTuple):
    """One student's year, validated and in tenths: the engine's own input."""

    subjects: tuple[PreparedScored | PreparedComment, ...]
    conduct1: int
    conduct2: int
    summer: int | None
    absences: int
    exempt: tuple[str, ...] = ()


class Evaluation(NamedTuple):
    """Every decision for one student, in the engine's plain form.

    ``values[i]`` is ``(hk1, hk2, cn)`` of ``prepared.subjects[i]``: tenths for a scored subject,
    booleans (Đạt) for a comment subject. ``retest_candidates`` and ``retested`` are indexes into
    ``prepared.subjects``.
    """

    prepared: Prepared
    values: tuple[Values, ...]
    learning: tuple[int, int, int]
    adjusted: tuple[bool, bool, bool]
    retest_candidates: tuple[int, ...]
    retested: tuple[int, ...]
    after_retest: int | None
    after_retest_adjusted: bool
    conduct: tuple[int, int, int]
    after_summer: int | None
    outcome: str
    award: str | None


def evaluate(p: Prepared) -> Evaluation:
    """All results for one prepared student year (the rules of Điều 8, 9, 12–15)."""
    scored1: list[int] = []
    scored2: list[int] = []
    scored_year: list[int] = []
    fail1 = fail2 = 0
    values: list[Values] = []
    for s in p.subjects:
        if isinstance(s, PreparedScored):
            _, tx1, gk1, ck1, tx2, gk2, ck2, _ = s
            d = len(tx1) + 5
            a1 = (2 * (sum(tx1) + 2 * gk1 + 3 * ck1) + d) // (2 * d)
            a2 = (2 * (sum(tx2) + 2 * gk2 + 3 * ck2) + d) // (2 * d)
            year = (2 * (a1 + 2 * a2) + 3) // 6
            scored1.append(a1)
            scored2.append(a2)
            scored_year.append(year)
            values.append((a1, a2, year))
        else:
            ok1 = s.hk1
            ok2 = s.hk2
            if not ok1:
                fail1 += 1
            if not ok2:
                fail2 += 1
            values.append((ok1, ok2, ok2))
    l1, adj1 = classify(scored1, fail1)
    l2, adj2 = classify(scored2, fail2)
    lcn, adjcn = classify(scored_year, fail2)

    ccn = CONDUCT_YEAR[p.conduct1][p.conduct2]
    summer = p.summer
    after_summer = summer if ccn == CHUA_DAT else None

    candidates: tuple[int, ...] = ()
    retested: tuple[int, ...] = ()
    after_retest: int | None = None
    after_adj = False
    if lcn == CHUA_DAT:
        candidates, retested, after_retest, after_adj = _retest(p, values)

    if p.absences > MAX_ABSENCES:
        outcome = RETAINED
    else:
        if ccn != CHUA_DAT:
            conduct_state = 1
        elif after_summer is None:
            conduct_state = 0
        else:
            conduct_state = 1 if after_summer != CHUA_DAT else -1
        if lcn != CHUA_DAT:
            learning_state = 1
        elif after_retest is None:
            learning_state = 0
        else:
            learning_state = 1 if after_retest != CHUA_DAT else -1
        if conduct_state < 0 or learning_state < 0:
            outcome = RETAINED
        elif conduct_state == 0:
            outcome = PENDING_BOTH if learning_state == 0 else PENDING_SUMMER
        else:
            outcome = PENDING_RETEST if learning_state == 0 else PROMOTED

    award = None
    if lcn == TOT and ccn == TOT:
        award = AWARD_EXCELLENT if excellent_count_met(scored_year) else AWARD_GOOD

    return Evaluation(
        p,
        tuple(values),
        (l1, l2, lcn),
        (adj1, adj2, adjcn),
        candidates,
        retested,
        after_retest,
        after_adj,
        (p.conduct1, p.conduct2, ccn),
        after_summer,
        outcome,
        award,
    )


def excellent_count_met(scored_year: list[int]) -> bool:
    """Điều 15: at least six (see the module docstring for fewer) ĐTBmcn ≥ 9,0."""
    need = min(MIN_SUBJECTS, len(scored_year))
    return sum(1 for v in scored_year if v >= EXCELLENT_SCORE) >= need


def _retest(p: Prepared, values: list[Values]) -> tuple[tuple[int, ...], tuple[int, ...], int | None, bool]:
    """Re-test subjects and the learning result after the re-test (None while none is given)."""
    candidates = []
    retested = []
    after_scored: list[int] = []
    after_fail = 0
    for i, s in enumerate(p.subjects):
        year = values[i][2]
        if isinstance(s, PreparedScored):
            if year < RETEST_BELOW:
                candidates.append(i)
                if s.retest is not None:
                    retested.append(i)
                    year = s.retest
            after_scored.append(year)
        else:
            if not year:
                candidates.append(i)
                if s.retest is not None:
                    retested.append(i)
                    year = s.retest
            if not year:
                after_fail += 1
    if not retested:
        return tuple(candidates), (), None, False
    level, adjusted = classify(after_scored, after_fail)
    return tuple(candidates), tuple(retested), level, adjusted
