"""Validation of a year record against ``record.schema.json`` with Vietnamese messages.

Each problem names the field by its JSON path (``student.birth_date``) and by the label a school
secretary knows (“Ngày sinh”), so the composition service can list exactly what is missing.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

FORMAT = "hocba.record/1"

LABELS: dict[str, str] = {
    "format": "Định dạng tài liệu",
    "version": "Phiên bản",
    "supersedes_sha256": "Mã băm phiên bản bị thay thế",
    "composed_at": "Thời điểm lập học bạ",
    "school": "Thông tin trường",
    "school.name": "Tên trường",
    "school.code": "Mã trường",
    "school.commune": "Xã/Phường/Đặc khu",
    "school.province": "Tỉnh/Thành phố",
    "school.level": "Cấp học",
    "school_year": "Năm học",
    "grade": "Khối lớp",
    "class_name": "Lớp",
    "student": "Thông tin học sinh",
    "student.full_name": "Họ và tên học sinh",
    "student.sex": "Giới tính",
    "student.birth_date": "Ngày sinh",
    "student.birth_place": "Nơi sinh",
    "student.ethnicity": "Dân tộc",
    "student.policy_category": "Đối tượng",
    "student.residence": "Chỗ ở hiện tại",
    "student.father": "Cha",
    "student.father.name": "Họ và tên cha",
    "student.father.occupation": "Nghề nghiệp của cha",
    "student.mother": "Mẹ",
    "student.mother.name": "Họ và tên mẹ",
    "student.mother.occupation": "Nghề nghiệp của mẹ",
    "student.guardian": "Người giám hộ",
    "student.guardian.name": "Họ và tên người giám hộ",
    "student.guardian.occupation": "Nghề nghiệp của người giám hộ",
    "student.personal_id": "Số định danh cá nhân",
    "student.moet_code": "Mã học sinh",
    "student.register_number": "Số đăng bộ",
    "study_history": "Quá trình học tập",
    "study_history[].school_year": "Quá trình học tập — Năm học",
    "study_history[].class_name": "Quá trình học tập — Lớp",
    "study_history[].school_name": "Quá trình học tập — Tên trường",
    "subjects": "Bảng môn học",
    "subjects[].name": "Tên môn học",
    "subjects[].term1": "Học kì I",
    "subjects[].term2": "Học kì II",
    "subjects[].year": "Cả năm",
    "subjects[].reassessment": "Điểm KT lại / mức đánh giá lại",
    "subjects[].teacher": "Giáo viên môn học",
    "results": "Kết quả rèn luyện và học tập",
    "results.term1": "Kết quả học kì I",
    "results.term2": "Kết quả học kì II",
    "results.year": "Kết quả cả năm",
    "results.after_reassessment": "Kết quả sau đánh giá lại",
    "promotion": "Lên lớp",
    "completion": "Công nhận hoàn thành chương trình",
    "certificates": "Chứng chỉ",
    "competitions": "Kết quả tham gia các cuộc thi",
    "awards": "Khen thưởng",
    "homeroom_comment": "Nhận xét của giáo viên chủ nhiệm",
    "principal_comment": "Phê duyệt của hiệu trưởng",
    "signatories": "Người ký",
    "signatories.homeroom_teacher": "Giáo viên chủ nhiệm",
    "signatories.principal": "Hiệu trưởng",
    "signatories.principal_is_deputy": "Phó hiệu trưởng ký thay (KT. HIỆU TRƯỞNG)",
    "signing": "Nơi và ngày ký",
    "signing.place": "Nơi ký",
    "signing.date": "Ngày ký",
    "corrections": "Danh sách sửa chữa",
    "corrections[].field": "Sửa chữa — Nội dung",
    "corrections[].subject": "Sửa chữa — Môn học",
    "corrections[].old": "Sửa chữa — Giá trị cũ",
    "corrections[].new": "Sửa chữa — Giá trị mới",
    "corrections[].by": "Sửa chữa — Người sửa",
    "corrections[].reason": "Sửa chữa — Lý do",
    "corrections[].date": "Sửa chữa — Ngày sửa",
    "verification": "Xác thực",
    "verification.code": "Mã xác thực",
    "verification.url": "Đường dẫn xác thực",
}
for _period in ("term1", "term2", "year"):
    for _key, _name in (("conduct", "rèn luyện"), ("learning", "học tập"), ("absences", "số buổi nghỉ học")):
        LABELS[f"results.{_period}.{_key}"] = f"{LABELS[f'results.{_period}']} — {_name}"
LABELS["results.after_reassessment.conduct"] = "Rèn luyện sau đánh giá lại"
LABELS["results.after_reassessment.learning"] = "Học tập sau đánh giá lại"

_HINTS = {
    "date": "phải có dạng dd/mm/yyyy",
    "value": "phải là điểm có dấu phẩy thập phân (ví dụ 7,8) hoặc Đ, CĐ, Miễn",
    "personal_id": "phải gồm đúng 12 chữ số",
    "code": "phải gồm 16 ký tự (chữ số và chữ in hoa, không có I, L, O, U)",
}


@dataclass(frozen=True)
class RecordError:
    """One problem in a record: where (JSON path), what it is called, and the Vietnamese message."""

    path: str
    label: str
    message: str

    def __str__(self) -> str:
        return self.message


class RecordInvalid(ValueError):
    """A record that does not satisfy hocba.record/1; ``errors`` lists every problem."""

    def __init__(self, errors: list[RecordError]):
        self.errors = errors
        super().__init__("Học bạ không hợp lệ:\n" + "\n".join(f"- {e.message}" for e in errors))


@functools.cache
def _schema_text() -> str:
    return resources.files(__package__).joinpath("record.schema.json").read_text(encoding="utf-8")


def record_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of hocba.record/1, as shipped with the package (a fresh copy)."""
    return json.loads(_schema_text())


@functools.cache
def _validator() -> Draft202012Validator:
    schema = record_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@functools.cache
def _fast_check() -> Any:
    """The same schema compiled to Python by fastjsonschema (~10× faster): the happy path."""
    return fastjsonschema.compile(record_schema())


def _path_text(parts: list[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def label_for(path: str) -> str:
    """The Vietnamese label of a JSON path (``subjects[3].year`` → ``Cả năm``)."""
    generic = re.sub(r"\[\d+\]", "[]", path)
    return LABELS.get(generic, path)


def _describe(path: str) -> str:
    label = label_for(path)
    m = re.match(r"^(subjects|study_history|corrections)\[(\d+)\]", path)
    where = f" (dòng {int(m.group(2)) + 1})" if m else ""
    return f"«{label}»{where} [{path}]" if path else "học bạ"


def _message(error: ValidationError) -> list[RecordError]:
    parts = list(error.absolute_path)
    kind = error.validator
    if kind == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        errors = []
        for name in error.validator_value:
            if name not in present:
                path = _path_text([*parts, name])
                errors.append(RecordError(path, label_for(path), f"Thiếu trường bắt buộc {_describe(path)}"))
        return errors
    path = _path_text(parts)
    where = _describe(path)
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        text = f"Trường không có trong định dạng {FORMAT}: {', '.join(extra)} (trong {where})"
    elif kind == "type":
        text = f"Sai kiểu dữ liệu ở {where}"
    elif kind in {"enum", "const"}:
        allowed = error.validator_value if kind == "enum" else [error.validator_value]
        shown = ", ".join("trống" if v is None else json.dumps(v, ensure_ascii=False) for v in allowed)
        given = json.dumps(error.instance, ensure_ascii=False)
        text = f"Giá trị {given} không được phép ở {where}; cho phép: {shown}"
    elif kind == "pattern":
        leaf = str(parts[-1]) if parts else ""
        hint = (
            _HINTS["date"]
            if leaf.endswith("date")
            else _HINTS["value"]
            if leaf in {"term1", "term2", "year", "reassessment"}
            else _HINTS["personal_id"]
            if leaf == "personal_id"
            else _HINTS["code"]
            if path == "verification.code"
            else "sai định dạng"
        )
        if isinstance(error.instance, str) and not error.instance.strip():
            hint = "không được để trống"
        text = f"Giá trị {json.dumps(error.instance, ensure_ascii=False)} ở {where} {hint}"
    elif kind == "minLength":
        text = f"Chưa điền {where}"
    elif kind == "maxLength":
        text = f"{where} quá dài (tối đa {error.validator_value} ký tự)"
    elif kind == "minItems":
        text = f"{where} cần ít nhất {error.validator_value} mục"
    elif kind == "maxItems":
        text = f"{where} có quá nhiều mục (tối đa {error.validator_value})"
    elif kind in {"minimum", "maximum"}:
        text = f"Giá trị {error.instance} ở {where} nằm ngoài khoảng cho phép"
    else:
        text = f"Giá trị không hợp lệ ở {where}"
    return [RecordError(path, label_for(path), text)]


def _leaf_errors(error: ValidationError) -> list[ValidationError]:
    if error.context:
        out: list[ValidationError] = []
        for sub in error.context:
            out.extend(_leaf_errors(sub))
        return out
    return [error]


def _semantic_errors(record: dict[str, Any]) -> list[RecordError]:
    """Checks JSON Schema cannot express: real calendar dates, this year in the study history."""
    errors: list[RecordError] = []

    def check_date(path: str, value: Any) -> None:
        if isinstance(value, str) and re.fullmatch(r"\d{2}/\d{2}/\d{4}", value):
            try:
                dt.datetime.strptime(value, "%d/%m/%Y")  # noqa: DTZ007 - a calendar date, no time
            except ValueError:
                errors.append(
                    RecordError(path, label_for(path), f"Ngày {value} không có thật ở {_describe(path)}")
                )

    student = record.get("student") if isinstance(record.get("student"), dict) else {}
    check_date("student.birth_date", student.get("birth_date"))
    signing = record.get("signing") if isinstance(record.get("signing"), dict) else {}
    check_date("signing.date", signing.get("date"))
    history = record.get("study_history")
    if (
        isinstance(history, list)
        and history
        and all(isinstance(r, dict) for r in history)
        and not any(r.get("school_year") == record.get("school_year") for r in history)
    ):
        errors.append(
            RecordError(
                "study_history",
                LABELS["study_history"],
                f"«Quá trình học tập» chưa có dòng của năm học {record.get('school_year')}",
            )
        )
    subjects = record.get("subjects")
    if isinstance(subjects, list):
        seen: set[str] = set()
        for i, row in enumerate(subjects):
            name = row.get("name") if isinstance(row, dict) else None
            if isinstance(name, str) and name in seen:
                path = f"subjects[{i}].name"
                errors.append(
                    RecordError(path, label_for(path), f"Môn «{name}» xuất hiện hai lần trong bảng môn học")
                )
            if isinstance(name, str):
                seen.add(name)
    return errors


def validate_record(record: Any) -> list[RecordError]:
    """Every problem of ``record`` against hocba.record/1 (an empty list when it is valid)."""
    if not isinstance(record, dict):
        return [RecordError("", "học bạ", "Học bạ phải là một đối tượng JSON")]
    try:
        _fast_check()(record)
    except fastjsonschema.JsonSchemaException:
        pass  # fall through to jsonschema, which lists every problem with its path
    else:
        return _semantic_errors(record)
    errors: list[RecordError] = []
    for error in sorted(_validator().iter_errors(record), key=lambda e: list(map(str, e.absolute_path))):
        for leaf in _leaf_errors(error):
            errors.extend(_message(leaf))
    errors.extend(_semantic_errors(record))
    unique: dict[str, RecordError] = {}
    for e in errors:
        unique.setdefault(e.message, e)
    return list(unique.values())


def check_record(record: Any) -> None:
    """Raise :class:`RecordInvalid` listing every problem, or return when ``record`` is valid."""
    errors = validate_record(record)
    if errors:
        raise RecordInvalid(errors)
