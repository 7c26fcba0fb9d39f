"""Small builders of JSON-contract students for the assessment tests."""

from __future__ import annotations

from typing import Any

LOWER_SUBJECTS = [
    "Toán",
    "Ngữ văn",
    "Ngoại ngữ 1",
    "Khoa học tự nhiên",
    "Lịch sử và Địa lí",
    "Giáo dục công dân",
    "Công nghệ",
    "Tin học",
    "Ngoại ngữ 2",
    "Tiếng dân tộc",
]


def scored(
    name: str, hk1: float, hk2: float | None = None, *, periods: int = 105, retest: float | None = None
) -> dict[str, Any]:
    """A scored subject whose every assessment in a term equals that term's average."""
    hk2 = hk1 if hk2 is None else hk2
    n = 2 if periods <= 35 else 3 if periods <= 70 else 4
    subject: dict[str, Any] = {
        "name": name,
        "mode": "score",
        "periods_per_year": periods,
        "hk1": {"tx": [hk1] * n, "gk": hk1, "ck": hk1},
        "hk2": {"tx": [hk2] * n, "gk": hk2, "ck": hk2},
    }
    if retest is not None:
        subject["retest"] = retest
    return subject


def comment(
    name: str,
    hk1: Any = "Đ",
    hk2: Any = "Đ",
    *,
    periods: int = 70,
    retest: str | None = None,
    exempt: bool = False,
) -> dict[str, Any]:
    subject: dict[str, Any] = {"name": name, "mode": "comment", "periods_per_year": periods}
    if exempt:
        subject["exempt"] = True
        return subject
    subject["hk1"] = hk1
    subject["hk2"] = hk2
    if retest is not None:
        subject["retest"] = retest
    return subject


def student(
    year_scores: list[float] | None = None,
    *,
    comments: list[dict[str, Any]] | None = None,
    extra: list[dict[str, Any]] | None = None,
    conduct: tuple[str, str] = ("Tốt", "Tốt"),
    summer: str | None = None,
    absences: int = 0,
) -> dict[str, Any]:
    """A student whose scored subjects have the given averages (same in both terms)."""
    subjects = [scored(LOWER_SUBJECTS[i], v) for i, v in enumerate(year_scores or [])]
    subjects += extra or []
    subjects += (
        comments
        if comments is not None
        else [comment("Giáo dục thể chất"), comment("Hoạt động trải nghiệm, hướng nghiệp")]
    )
    conduct_obj: dict[str, Any] = {"hk1": conduct[0], "hk2": conduct[1]}
    if summer is not None:
        conduct_obj["summer"] = summer
    return {"grade": 8, "subjects": subjects, "conduct": conduct_obj, "absences": absences}
