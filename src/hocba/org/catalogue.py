"""The subject catalogue of CT GDPT 2018 (programme 2018) for grades 6–12.

Periods per year from Circular 32/2018 as amended (see shared domain notes); comment-
assessed subjects per Article 5 of Circular 22/2021. Loaded by ``catalogue_load``;
the Department may edit periods per school year afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

THCS = range(6, 10)
THPT = range(10, 13)


@dataclass(frozen=True)
class CatalogueSubject:
    code: str
    name: str
    mode: str  # "score" | "comment"
    order: int
    periods: dict[int, int]  # grade → periods per year
    kind: dict[int, str]  # grade → compulsory | elective | optional


def _grades(grades: range, periods: int) -> dict[int, int]:
    return dict.fromkeys(grades, periods)


def _kind(grades: range, kind: str) -> dict[int, str]:
    return dict.fromkeys(grades, kind)


CATALOGUE: tuple[CatalogueSubject, ...] = (
    CatalogueSubject("TOAN", "Toán", "score", 10, {**_grades(THCS, 140), **_grades(THPT, 105)},
                     _kind(range(6, 13), "compulsory")),
    CatalogueSubject("VAN", "Ngữ văn", "score", 20, {**_grades(THCS, 140), **_grades(THPT, 105)},
                     _kind(range(6, 13), "compulsory")),
    CatalogueSubject("NN1", "Ngoại ngữ 1 (Tiếng Anh)", "score", 30, _grades(range(6, 13), 105),
                     _kind(range(6, 13), "compulsory")),
    CatalogueSubject("GDCD", "Giáo dục công dân", "score", 40, _grades(THCS, 35), _kind(THCS, "compulsory")),
    CatalogueSubject("LSDL", "Lịch sử và Địa lí", "score", 50, _grades(THCS, 105), _kind(THCS, "compulsory")),
    CatalogueSubject("LS", "Lịch sử", "score", 51, _grades(THPT, 52), _kind(THPT, "compulsory")),
    CatalogueSubject("KHTN", "Khoa học tự nhiên", "score", 60, _grades(THCS, 140), _kind(THCS, "compulsory")),
    CatalogueSubject("CN", "Công nghệ", "score", 70, {6: 35, 7: 35, 8: 52, 9: 52, **_grades(THPT, 70)},
                     {**_kind(THCS, "compulsory"), **_kind(THPT, "elective")}),
    CatalogueSubject("TIN", "Tin học", "score", 80, {**_grades(THCS, 35), **_grades(THPT, 70)},
                     {**_kind(THCS, "compulsory"), **_kind(THPT, "elective")}),
    CatalogueSubject("DIA", "Địa lí", "score", 81, _grades(THPT, 70), _kind(THPT, "elective")),
    CatalogueSubject("KTPL", "Giáo dục kinh tế và pháp luật", "score", 82, _grades(THPT, 70),
                     _kind(THPT, "elective")),
    CatalogueSubject("LY", "Vật lí", "score", 83, _grades(THPT, 70), _kind(THPT, "elective")),
    CatalogueSubject("HOA", "Hoá học", "score", 84, _grades(THPT, 70), _kind(THPT, "elective")),
    CatalogueSubject("SINH", "Sinh học", "score", 85, _grades(THPT, 70), _kind(THPT, "elective")),
    CatalogueSubject("GDQP", "Giáo dục quốc phòng và an ninh", "score", 86, _grades(THPT, 35),
                     _kind(THPT, "compulsory")),
    CatalogueSubject("GDTC", "Giáo dục thể chất", "comment", 90, _grades(range(6, 13), 70),
                     _kind(range(6, 13), "compulsory")),
    CatalogueSubject("NT", "Nghệ thuật (Âm nhạc, Mĩ thuật)", "comment", 91, _grades(THCS, 70),
                     _kind(THCS, "compulsory")),
    CatalogueSubject("AN", "Âm nhạc", "comment", 92, _grades(THPT, 70), _kind(THPT, "elective")),
    CatalogueSubject("MT", "Mĩ thuật", "comment", 93, _grades(THPT, 70), _kind(THPT, "elective")),
    CatalogueSubject("HDTN", "Hoạt động trải nghiệm, hướng nghiệp", "comment", 95, _grades(range(6, 13), 105),
                     _kind(range(6, 13), "compulsory")),
    CatalogueSubject("GDDP", "Nội dung giáo dục của địa phương", "comment", 96, _grades(range(6, 13), 35),
                     _kind(range(6, 13), "compulsory")),
    CatalogueSubject("NN2", "Ngoại ngữ 2", "score", 97, _grades(range(6, 13), 105), _kind(range(6, 13), "optional")),
)

#: Elective groups (tổ hợp) a THPT school might publish: four electives each.
THPT_COMBINATIONS: tuple[tuple[str, ...], ...] = (
    ("LY", "HOA", "SINH", "TIN"),
    ("LY", "HOA", "CN", "TIN"),
    ("DIA", "KTPL", "LY", "TIN"),
    ("DIA", "KTPL", "SINH", "CN"),
    ("DIA", "KTPL", "AN", "MT"),
)
