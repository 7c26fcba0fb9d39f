"""Realistic sample year records for tests, the demo and the benchmark (no database needed).

``sample_record("THCS")`` is a grade-9 student of a Hải Phòng lower-secondary school with the 14
subject rows of the 2018 programme; ``sample_record("THPT")`` a grade-11 student with four electives
and one summer re-test. ``seed`` varies names and scores, so ``seed=0..1499`` gives 1,500 different
records; ``version=2`` adds a correction list as a record re-issued after signing would have.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .canonical import record_sha256
from .codes import ALPHABET, CODE_LENGTH

VERIFY_BASE_URL = "https://hocba.example/xac-thuc/"

_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lương"]
_MIDDLE = {
    "Nam": ["Văn", "Đức", "Minh", "Quốc", "Hữu", "Thành"],
    "Nữ": ["Thị", "Ngọc", "Thu", "Khánh", "Diệu"],
}
_GIVEN = {
    "Nam": ["An", "Bảo", "Cường", "Dũng", "Đạt", "Hiếu", "Khôi", "Nghĩa", "Phúc", "Quân", "Thắng", "Tuấn"],
    "Nữ": ["Ánh", "Diệp", "Hằng", "Hương", "Huyền", "Ngân", "Nhung", "Quỳnh", "Thảo", "Trâm", "Uyên", "Yến"],
}
_STREETS = ["Lạch Tray", "Trần Phú", "Tô Hiệu", "Văn Cao"]
_OCCUPATIONS = ["Công nhân", "Kinh doanh", "Giáo viên", "Kỹ sư", "Nội trợ", "Công chức", "Ngư dân", "Bác sĩ"]
_TEACHERS = [
    "Nguyễn Thị Thu Hà",
    "Trần Văn Khải",
    "Phạm Ngọc Ánh",
    "Lê Đức Thịnh",
    "Vũ Thị Hường",
    "Đỗ Minh Quang",
    "Bùi Thị Lựu",
    "Hoàng Văn Sơn",
    "Ngô Thị Nguyệt",
    "Đặng Quốc Việt",
    "Dương Thị Mỹ",
    "Lương Văn Tiến",
    "Trịnh Thị Ngọc Diệp",
    "Phan Thanh Tùng",
]

# (name, kind) — kind "score" or "comment" (Đ/CĐ), Circular 22 Điều 5.
THCS_SUBJECTS = [
    ("Ngữ văn", "score"),
    ("Toán", "score"),
    ("Ngoại ngữ 1 (Tiếng Anh)", "score"),
    ("Giáo dục công dân", "score"),
    ("Lịch sử và Địa lí", "score"),
    ("Khoa học tự nhiên", "score"),
    ("Công nghệ", "score"),
    ("Tin học", "score"),
    ("Giáo dục thể chất", "comment"),
    ("Nghệ thuật (Âm nhạc)", "comment"),
    ("Nghệ thuật (Mĩ thuật)", "comment"),
    ("Hoạt động trải nghiệm, hướng nghiệp", "comment"),
    ("Nội dung giáo dục của địa phương", "comment"),
    ("Ngoại ngữ 2 (Tiếng Nhật)", "score"),
]
THPT_SUBJECTS = [
    ("Ngữ văn", "score"),
    ("Toán", "score"),
    ("Ngoại ngữ 1 (Tiếng Anh)", "score"),
    ("Lịch sử", "score"),
    ("Giáo dục thể chất", "comment"),
    ("Giáo dục quốc phòng và an ninh", "score"),
    ("Hoạt động trải nghiệm, hướng nghiệp", "comment"),
    ("Nội dung giáo dục của địa phương", "comment"),
    ("Vật lí", "score"),
    ("Hoá học", "score"),
    ("Sinh học", "score"),
    ("Tin học", "score"),
]
_LEVELS = ["Chưa đạt", "Đạt", "Khá", "Tốt"]


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _shown(value: Decimal) -> str:
    text = f"{value:.1f}".replace(".", ",")
    return "10" if text == "10,0" else text


def _learning_level(scores: list[Decimal], comments: list[str]) -> str:
    """Kết quả học tập by Circular 22 Điều 9 khoản 2 (without the one-subject adjustment)."""
    if (
        all(c == "Đ" for c in comments)
        and all(s >= Decimal("6.5") for s in scores)
        and sum(s >= 8 for s in scores) >= 6
    ):
        return "Tốt"
    if (
        all(c == "Đ" for c in comments)
        and all(s >= 5 for s in scores)
        and sum(s >= Decimal("6.5") for s in scores) >= 6
    ):
        return "Khá"
    if (
        sum(c == "CĐ" for c in comments) <= 1
        and sum(s >= 5 for s in scores) >= 6
        and all(s >= Decimal("3.5") for s in scores)
    ):
        return "Đạt"
    return "Chưa đạt"


def _person(rng: random.Random, sex: str) -> str:
    return f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE[sex])} {rng.choice(_GIVEN[sex])}"


def sample_record(level: str = "THCS", *, seed: int = 0, version: int = 1) -> dict[str, Any]:
    """A valid hocba.record/1 year record with plausible Vietnamese data.

    THCS: grade 9 (completion line, awards, four years of study history). THPT: grade 11 with one
    summer re-test in Hoá học (promoted after re-assessment) on the default seed.
    """
    if level not in {"THCS", "THPT"}:
        raise ValueError("Cấp học phải là THCS hoặc THPT")
    rng = random.Random(f"{level}-{seed}")
    thcs = level == "THCS"
    grade = 9 if thcs else 11
    first_grade = 6 if thcs else 10
    sex = "Nữ" if seed % 2 == 0 else "Nam"
    birth_year = 2025 - grade - 5
    school_name = "Trường THCS Chu Văn An" if thcs else "Trường THPT Ngô Quyền"
    commune = "Phường Lê Chân" if thcs else "Phường Ngô Quyền"
    class_name = f"{grade}A{1 + seed % 6}"
    strong = thcs and seed % 5 != 3
    retest = not thcs and seed % 4 == 0

    subjects: list[dict[str, str]] = []
    scores: list[Decimal] = []
    comments: list[str] = []
    after_scores: list[Decimal] = []
    table = THCS_SUBJECTS if thcs else THPT_SUBJECTS
    for index, (name, kind) in enumerate(table):
        teacher = _TEACHERS[(index + seed) % len(_TEACHERS)]
        if kind == "comment":
            subjects.append(
                {
                    "name": name,
                    "term1": "Đ",
                    "term2": "Đ",
                    "year": "Đ",
                    "reassessment": "",
                    "teacher": teacher,
                }
            )
            comments.append("Đ")
            continue
        base = Decimal(rng.randint(78, 96) if strong else rng.randint(58, 84)) / 10
        t1 = min(Decimal(10), _q(base + Decimal(rng.randint(-6, 4)) / 10))
        t2 = min(Decimal(10), _q(base + Decimal(rng.randint(-4, 6)) / 10))
        year = _q((t1 + 2 * t2) / 3)
        redo = ""
        if retest and name == "Hoá học":
            t1, t2, year = Decimal("3.0"), Decimal("3.4"), _q((Decimal("3.0") + 2 * Decimal("3.4")) / 3)
            redo = "6,0"
        subjects.append(
            {
                "name": name,
                "term1": _shown(t1),
                "term2": _shown(t2),
                "year": _shown(year),
                "reassessment": redo,
                "teacher": teacher,
            }
        )
        scores.append(year)
        after_scores.append(Decimal(redo.replace(",", ".")) if redo else year)

    learning = _learning_level(scores, comments)
    conduct_t1, conduct_t2 = ("Tốt", "Tốt") if strong or seed % 3 else ("Khá", "Tốt")
    absences = [rng.randint(0, 3), rng.randint(0, 4)]
    results = {
        "term1": {
            "conduct": conduct_t1,
            "learning": learning if learning != "Chưa đạt" else "Đạt",
            "absences": absences[0],
        },
        "term2": {"conduct": conduct_t2, "learning": learning, "absences": absences[1]},
        "year": {
            "conduct": "Tốt" if conduct_t2 == "Tốt" and conduct_t1 != "Chưa đạt" else "Khá",
            "learning": learning,
            "absences": absences[0] + absences[1],
        },
        "after_reassessment": {
            "conduct": "",
            "learning": _learning_level(after_scores, comments) if retest else "",
        },
    }
    awards: list[str] = []
    if results["year"]["learning"] == "Tốt" and results["year"]["conduct"] == "Tốt":
        excellent = sum(s >= 9 for s in scores) >= 6
        awards.append(
            "Học sinh Xuất sắc năm học 2025-2026" if excellent else "Học sinh Giỏi năm học 2025-2026"
        )

    years = [f"{2025 - grade + g}-{2026 - grade + g}" for g in range(first_grade, grade + 1)]
    history = [
        {
            "school_year": y,
            "class_name": f"{g}A{1 + seed % 6}",
            "school_name": f"{school_name}, {commune}, Thành phố Hải Phòng",
        }
        for g, y in zip(range(first_grade, grade + 1), years, strict=True)
    ]
    code = "".join(rng.choice(ALPHABET) for _ in range(CODE_LENGTH))
    father, mother = _person(rng, "Nam"), _person(rng, "Nữ")
    given = _person(rng, sex)
    full_name = f"{father.split()[0]} {given.split(' ', 1)[1]}"
    record: dict[str, Any] = {
        "format": "hocba.record/1",
        "version": 1,
        "supersedes_sha256": None,
        "composed_at": "2026-05-30T16:00:00+07:00",
        "school": {
            "name": school_name,
            "code": "31001" + ("23" if thcs else "47"),
            "commune": commune,
            "province": "Thành phố Hải Phòng",
            "level": level,
        },
        "school_year": "2025-2026",
        "grade": grade,
        "class_name": class_name,
        "student": {
            "full_name": full_name,
            "sex": sex,
            "birth_date": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{birth_year}",
            "birth_place": rng.choice(
                ["Bệnh viện Phụ sản Hải Phòng", "Thành phố Hải Phòng", "Tỉnh Hải Dương"]
            ),
            "ethnicity": "Kinh" if seed % 17 else "Tày",
            "policy_category": "" if seed % 11 else "Con thương binh",
            "residence": f"Số {rng.randint(1, 250)} {rng.choice(_STREETS)}, {commune}, Thành phố Hải Phòng",
            "father": {"name": father, "occupation": rng.choice(_OCCUPATIONS)},
            "mother": {"name": mother, "occupation": rng.choice(_OCCUPATIONS)},
            "guardian": {"name": "", "occupation": ""},
            "personal_id": f"031{3 if sex == 'Nữ' else 2}{birth_year % 100:02d}{rng.randint(0, 999999):06d}",
            "moet_code": f"31{rng.randint(10**7, 10**8 - 1)}",
            "register_number": f"{rng.randint(1, 600):03d}",
        },
        "study_history": history,
        "subjects": subjects,
        "results": results,
        "promotion": None if grade in (9, 12) else ("promoted_after_reassessment" if retest else "promoted"),
        "completion": "recognised" if grade in (9, 12) else None,
        "certificates": ["Chứng chỉ Tin học quốc tế IC3 Spark"] if seed % 3 == 0 else [],
        "competitions": ["Giải Ba Hội khỏe Phù Đổng cấp thành phố, môn Cầu lông"] if seed % 4 == 1 else [],
        "awards": awards,
        "homeroom_comment": (
            "Em ngoan, lễ phép, tích cực tham gia các hoạt động của lớp và nhà trường. Học tập chăm chỉ, "
            "có tiến bộ rõ ở các môn Khoa học tự nhiên và Ngữ văn. Cần rèn thêm kỹ năng thuyết trình và "
            "tự tin phát biểu ý kiến trước tập thể."
            if strong
            else "Em chấp hành tốt nội quy, hòa đồng với bạn bè. Kết quả học tập ở mức khá, cần dành "
            "thêm thời gian ôn luyện các môn còn yếu và chủ động hỏi thầy cô khi chưa hiểu bài."
        ),
        "principal_comment": "",
        "signatories": {
            "homeroom_teacher": _TEACHERS[(seed + 5) % len(_TEACHERS)],
            "principal": "Nguyễn Văn Thành" if thcs else "Trần Thị Minh Nguyệt",
            "principal_is_deputy": not thcs,
        },
        "signing": {"place": "Hải Phòng", "date": "30/05/2026"},
        "corrections": [],
        "verification": {"code": code, "url": VERIFY_BASE_URL + code},
    }
    if version > 1:
        previous_sha256 = record_sha256(record)
        row = subjects[1]
        old_year = row["year"]
        row["year"] = _shown(min(Decimal(10), Decimal(old_year.replace(",", ".")) + Decimal("0.2")))
        record["subjects"] = subjects
        record["version"] = version
        record["supersedes_sha256"] = previous_sha256
        record["composed_at"] = "2026-06-10T09:30:00+07:00"
        record["corrections"] = [
            {
                "field": f"{row['name']} — Cả năm",
                "subject": row["name"],
                "old": old_year,
                "new": row["year"],
                "by": row["teacher"],
                "reason": "Nhập nhầm điểm kiểm tra cuối kì II (đã đối chiếu bài kiểm tra)",
                "date": "09/06/2026",
            }
        ]
    return record
