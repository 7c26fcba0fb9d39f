"""Vietnamese explanations of an :class:`~hocba.assessment.tt22.Evaluation`, for teachers.

Each decision of the engine gets one sentence naming the rule and the subjects and scores that
decided it, e.g. "Kết quả học tập HK I: Khá; không đạt Tốt vì Tin học 6,3 < 6,5."
"""

from __future__ import annotations

from hocba.assessment import tt22
from hocba.assessment.scores import TEXTS
from hocba.assessment.types import LEVEL_LABELS

PERIODS = ("HK I", "HK II", "cả năm")
_THRESHOLD_TEXT = {80: "8,0", 65: "6,5", 50: "5,0", 35: "3,5", 90: "9,0"}


def _after_retest_data(ev: tt22.Evaluation) -> tuple[list[tuple[str, int]], list[str]]:
    """(scored (name, tenths), names of comment subjects at Chưa đạt) for the year, each re-tested subject
    with its re-test result."""
    scored: list[tuple[str, int]] = []
    failed: list[str] = []
    used = set(ev.retested)
    for i, (subject, values) in enumerate(zip(ev.prepared.subjects, ev.values, strict=True)):
        value = subject.retest if subject.retest is not None and i in used else values[2]
        if isinstance(subject, tt22.PreparedScored):
            scored.append((subject.name, value))
        elif not value:
            failed.append(subject.name)
    return scored, failed


def _periods_data(ev: tt22.Evaluation) -> tuple[tuple[list[tuple[str, int]], list[str]], ...]:
    """(scored (name, tenths), names of comment subjects at Chưa đạt) of HK I, HK II and the year (no
    re-test), in one pass over the subjects."""
    s1: list[tuple[str, int]] = []
    s2: list[tuple[str, int]] = []
    scn: list[tuple[str, int]] = []
    f1: list[str] = []
    f2: list[str] = []
    fcn: list[str] = []
    for subject, (v1, v2, vcn) in zip(ev.prepared.subjects, ev.values, strict=True):
        name = subject.name
        if isinstance(subject, tt22.PreparedScored):
            s1.append((name, v1))
            s2.append((name, v2))
            scn.append((name, vcn))
        else:
            if not v1:
                f1.append(name)
            if not v2:
                f2.append(name)
            if not vcn:
                fcn.append(name)
    return (s1, f1), (s2, f2), (scn, fcn)


def shortfalls(target: int, scored: list[tuple[str, int]], failed: list[str]) -> list[str]:
    """The conditions of level ``target`` (Tốt, Khá, Đạt) that are not met, as Vietnamese phrases."""
    reasons: list[str] = []
    if target == tt22.DAT:
        if len(failed) > 1:
            reasons.append(
                f"{len(failed)} môn đánh giá bằng nhận xét Chưa đạt ({', '.join(failed)}), chỉ được tối đa 1"
            )
    else:
        reasons.extend(f"{name} Chưa đạt" for name in failed)
    floor = tt22.FLOOR[target]
    reasons.extend(f"{name} {TEXTS[v]} < {_THRESHOLD_TEXT[floor]}" for name, v in scored if v < floor)
    need = min(tt22.MIN_SUBJECTS, len(scored))
    at = tt22.COUNT_AT[target]
    reached = sum(1 for _, v in scored if v >= at)
    if reached < need:
        reasons.append(f"chỉ {reached} môn tính điểm đạt từ {_THRESHOLD_TEXT[at]} trở lên (cần {need})")
    return reasons


def learning_sentence(
    title: str, level: int, adjusted: bool, scored: list[tuple[str, int]], failed: list[str]
) -> str:
    """One sentence for one learning result (Điều 9 khoản 2 and 3)."""
    label = LEVEL_LABELS[level]
    if level == tt22.TOT:
        if scored:
            return (
                f"{title}: Tốt; mọi môn đánh giá bằng nhận xét Đạt, mọi môn tính điểm từ 6,5 trở lên, "
                f"{sum(1 for _, v in scored if v >= 80)} môn từ 8,0 trở lên."
            )
        return f"{title}: Tốt; mọi môn đánh giá bằng nhận xét Đạt, không có môn tính điểm."
    if not adjusted:
        reasons = "; ".join(shortfalls(level + 1, scored, failed))
        return f"{title}: {label}; không đạt {LEVEL_LABELS[level + 1]} vì {reasons}."
    raw = level - 1
    target = (
        tt22.TOT
        if tt22.single_subject_blocks(sorted((v for _, v in scored), reverse=True), len(failed), tt22.TOT)
        else tt22.KHA
    )
    culprit = failed[0] if failed else min(scored, key=lambda item: item[1])
    culprit_text = culprit if isinstance(culprit, str) else f"{culprit[0]} {TEXTS[culprit[1]]}"
    return (
        f"{title}: {label} (điều chỉnh theo Điều 9 khoản 3). Theo Điều 9 khoản 2 là {LEVEL_LABELS[raw]} "
        f"(không đạt {label} vì {'; '.join(shortfalls(level, scored, failed))}), thấp hơn mức "
        f"{LEVEL_LABELS[target]} từ 2 mức trở lên chỉ do duy nhất môn {culprit_text}, "
        f"nên được điều chỉnh lên mức liền kề."
    )


def explain(ev: tt22.Evaluation) -> list[str]:
    """All explanation sentences for one student, in the order a teacher reads the học bạ page."""
    p = ev.prepared
    lines: list[str] = []
    for name in p.exempt:
        lines.append(f"{name}: miễn học, không tham gia đánh giá kết quả học tập.")
    for subject in p.subjects:
        if isinstance(subject, tt22.PreparedComment):
            for title, detail in (("HK I", subject.detail1), ("HK II", subject.detail2)):
                if detail:
                    lines.append(f"{subject.name}, {title}: Chưa đạt vì {detail}.")
    for index, (scored, failed) in enumerate(_periods_data(ev)):
        lines.append(
            learning_sentence(
                f"Kết quả học tập {PERIODS[index]}", ev.learning[index], ev.adjusted[index], scored, failed
            )
        )
    c1, c2, ccn = ev.conduct
    lines.append(
        f"Kết quả rèn luyện cả năm: {LEVEL_LABELS[ccn]} "
        f"(HK I {LEVEL_LABELS[c1]}, HK II {LEVEL_LABELS[c2]}; Điều 8)."
    )
    lines.extend(_promotion_lines(ev))
    lines.extend(_award_lines(ev))
    return lines


def _subject_value_text(ev: tt22.Evaluation, i: int) -> str:
    subject = ev.prepared.subjects[i]
    value = ev.values[i][2]
    if isinstance(subject, tt22.PreparedScored):
        return f"{subject.name} {TEXTS[value]}"
    return f"{subject.name} Chưa đạt"


def _retest_value_text(ev: tt22.Evaluation, i: int) -> str:
    subject = ev.prepared.subjects[i]
    if isinstance(subject, tt22.PreparedScored):
        assert subject.retest is not None  # only re-tested subjects are listed
        return f"{subject.name} {TEXTS[subject.retest]} (thay {TEXTS[ev.values[i][2]]})"
    return f"{subject.name} {'Đạt' if subject.retest else 'Chưa đạt'} (thay Chưa đạt)"


def _promotion_lines(ev: tt22.Evaluation) -> list[str]:
    p = ev.prepared
    lines: list[str] = []
    lcn = ev.learning[2]
    ccn = ev.conduct[2]
    due = set(ev.retest_candidates)
    ignored = [s.name for i, s in enumerate(p.subjects) if s.retest is not None and i not in due]
    if ignored:
        lines.append(
            "Bỏ qua kết quả kiểm tra lại của môn "
            + ", ".join(ignored)
            + " vì môn không thuộc diện kiểm tra lại (chỉ khi kết quả học tập cả năm Chưa đạt, "
            "với môn có ĐTBmcn dưới 5,0 hoặc môn đánh giá bằng nhận xét Chưa đạt)."
        )
    if ccn == tt22.CHUA_DAT:
        if ev.after_summer is None:
            lines.append("Rèn luyện cả năm Chưa đạt: phải rèn luyện trong kì nghỉ hè, chờ GVCN đánh giá lại.")
        else:
            lines.append(
                f"Kết quả rèn luyện sau rèn luyện trong kì nghỉ hè: {LEVEL_LABELS[ev.after_summer]}."
            )
    if lcn == tt22.CHUA_DAT:
        names = "; ".join(_subject_value_text(ev, i) for i in ev.retest_candidates)
        if ev.after_retest is None:
            condition = (
                " nếu kết quả rèn luyện sau kì nghỉ hè từ Đạt trở lên"
                if ccn == tt22.CHUA_DAT and ev.after_summer is None
                else ""
            )
            lines.append(
                f"Học tập cả năm Chưa đạt: được kiểm tra lại{condition}; "
                f"học sinh chọn môn kiểm tra lại trong số: {names}."
            )
        else:
            lines.append("Kiểm tra lại: " + "; ".join(_retest_value_text(ev, i) for i in ev.retested) + ".")
            scored, failed = _after_retest_data(ev)
            lines.append(
                learning_sentence(
                    "Kết quả học tập sau kiểm tra lại",
                    ev.after_retest,
                    ev.after_retest_adjusted,
                    scored,
                    failed,
                )
            )
    absences = p.absences
    outcome = ev.outcome
    if absences > tt22.MAX_ABSENCES:
        lines.append(
            f"Ở lại lớp (Điều 12): nghỉ {absences} buổi, quá {tt22.MAX_ABSENCES} buổi trong năm học."
        )
    elif outcome == tt22.RETAINED:
        parts = []
        if ev.after_summer == tt22.CHUA_DAT:
            parts.append("rèn luyện sau kì nghỉ hè vẫn Chưa đạt")
        if ev.after_retest == tt22.CHUA_DAT:
            parts.append("học tập sau kiểm tra lại vẫn Chưa đạt")
        lines.append(f"Ở lại lớp (Điều 12): {' và '.join(parts)}.")
    elif outcome == tt22.PROMOTED:
        lines.append(
            f"Lên lớp (Điều 12): rèn luyện và học tập cả năm (kể cả sau đánh giá lại) từ Đạt trở lên, "
            f"nghỉ {absences} buổi (không quá {tt22.MAX_ABSENCES})."
        )
    elif outcome == tt22.PENDING_RETEST:
        lines.append("Chưa xét lên lớp: chờ kết quả kiểm tra lại.")
    elif outcome == tt22.PENDING_SUMMER:
        lines.append("Chưa xét lên lớp: chờ kết quả rèn luyện trong kì nghỉ hè.")
    else:
        lines.append("Chưa xét lên lớp: chờ kết quả rèn luyện trong kì nghỉ hè và kiểm tra lại.")
    return lines


def _award_lines(ev: tt22.Evaluation) -> list[str]:
    if ev.award is None:
        return []
    year = [
        v[2]
        for s, v in zip(ev.prepared.subjects, ev.values, strict=True)
        if isinstance(s, tt22.PreparedScored)
    ]
    high = sum(1 for v in year if v >= tt22.EXCELLENT_SCORE)
    need = min(tt22.MIN_SUBJECTS, len(year))
    if ev.award == tt22.AWARD_EXCELLENT:
        return [
            f"Học sinh Xuất sắc: rèn luyện và học tập cả năm Tốt, {high} môn có ĐTBmcn từ 9,0 trở lên "
            f"(cần {need}) (Điều 15)."
        ]
    return [
        f"Học sinh Giỏi: rèn luyện và học tập cả năm Tốt (Điều 15); chưa đạt Xuất sắc vì chỉ {high} môn "
        f"có ĐTBmcn từ 9,0 trở lên (cần {need})."
    ]
