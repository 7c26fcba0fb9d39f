"""Every write to people: validated, NFC-normalised, audited, in one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from hocba.core.audit import audit_record
from hocba.core.dates import format_vn_date, parse_vn_date
from hocba.core.errors import DomainError, StaleWriteError
from hocba.core.ids import check_personal_id
from hocba.core.models import AuditEntry
from hocba.core.text import nfc, person_sort_key, search_key
from hocba.org.models import ClassGroup, SchoolYear
from hocba.people.models import (
    ACTIVE_STATUSES,
    Enrolment,
    EnrolmentStatus,
    Guardian,
    Guardianship,
    Relation,
    Sex,
    Student,
    Teacher,
    TeacherStatus,
)

STUDENT_FIELDS = ("full_name", "personal_id", "moet_code", "birth_date", "birth_place", "sex", "ethnicity",
                  "nationality", "policy_category", "residence", "register_number")
TEACHER_FIELDS = ("full_name", "personal_id", "staff_code", "birth_date", "sex", "qualification", "position",
                  "contract_type", "email", "phone")
FIELD_LABELS = {
    "full_name": "Họ và tên", "personal_id": "Số định danh cá nhân", "moet_code": "Mã học sinh",
    "birth_date": "Ngày sinh", "birth_place": "Nơi sinh", "sex": "Giới tính", "ethnicity": "Dân tộc",
    "nationality": "Quốc tịch", "policy_category": "Đối tượng", "residence": "Chỗ ở hiện tại",
    "register_number": "Số đăng bộ", "staff_code": "Mã cán bộ", "qualification": "Trình độ chuyên môn",
    "position": "Chức vụ", "contract_type": "Loại hợp đồng", "email": "Thư điện tử", "phone": "Điện thoại",
}


def fill_name_keys(person) -> None:
    person.full_name = nfc(person.full_name)
    person.search_name = search_key(person.full_name)
    person.sort_name = person_sort_key(person.full_name)


def _snapshot(obj, fields) -> dict[str, Any]:
    out = {}
    for f in fields:
        value = getattr(obj, f)
        out[f] = format_vn_date(value) if isinstance(value, dt.date) else value
    return out


def _check_text(model, clean: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """Text fields as the table holds them: no longer than the column, empty ("" not null) where they may be
    empty, and present where they may not (an API client may send ``null`` or a page-long string)."""
    for key, value in clean.items():
        field = model._meta.get_field(key)
        if not isinstance(field, models.CharField) or key == "sex":  # sex has its own message
            continue
        label = FIELD_LABELS.get(key, key)
        if label in errors:  # one clear message per field (e.g. "phải gồm đúng 12 chữ số" says it all)
            continue
        if value is None or value == "":
            if field.null:
                clean[key] = None
            elif field.blank:
                clean[key] = ""
            else:
                errors[label] = ["Bắt buộc nhập."]
        elif not isinstance(value, str):
            errors.setdefault(label, []).append("Phải là chuỗi ký tự.")
        elif len(value) > field.max_length:
            errors.setdefault(label, []).append(f"Tối đa {field.max_length} ký tự (đang có {len(value)}).")
        elif field.choices and value not in {str(v) for v, _ in field.choices}:
            allowed = ", ".join(f"{v} ({name})" for v, name in field.choices)
            errors.setdefault(label, []).append(f"Phải là một trong: {allowed}.")


def _clean_person(data: dict[str, Any], *, model, today: dt.date, min_age: int,
                  max_age: int) -> tuple[dict, dict]:
    """Normalise and validate common fields; return (clean data, errors by field label)."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for key, value in data.items():
        clean[key] = nfc(value) if isinstance(value, str) else value
    if "full_name" in clean:
        name = clean["full_name"] or ""
        if not name:
            errors.setdefault(FIELD_LABELS["full_name"], []).append("Bắt buộc nhập.")
        elif len(name.split(" ")) < 2 or any(ch.isdigit() for ch in name):
            errors.setdefault(FIELD_LABELS["full_name"], []).append(
                "Họ và tên phải có ít nhất họ và tên, không chứa chữ số.")
    if "sex" in clean and clean["sex"] not in Sex.values:
        errors.setdefault(FIELD_LABELS["sex"], []).append("Giới tính phải là Nam (M) hoặc Nữ (F).")
    if "birth_date" in clean and clean["birth_date"] in (None, ""):
        del clean["birth_date"]
        errors.setdefault(FIELD_LABELS["birth_date"], []).append("Bắt buộc nhập.")
    if "birth_date" in clean:
        try:
            clean["birth_date"] = parse_vn_date(clean["birth_date"])
        except ValueError as exc:
            errors.setdefault(FIELD_LABELS["birth_date"], []).append(str(exc))
        else:
            age = today.year - clean["birth_date"].year
            if clean["birth_date"] > today or not (min_age <= age <= max_age):
                errors.setdefault(FIELD_LABELS["birth_date"], []).append(
                    f"Ngày sinh {format_vn_date(clean['birth_date'])} không hợp lý (tuổi phải từ {min_age} "
                    f"đến {max_age}).")
    if clean.get("personal_id"):
        check = check_personal_id(clean["personal_id"], birth_date=clean.get("birth_date")
                                  if isinstance(clean.get("birth_date"), dt.date) else None, sex=clean.get("sex"))
        if check.errors:
            errors.setdefault(FIELD_LABELS["personal_id"], []).extend(check.errors)
    elif "personal_id" in clean:
        clean["personal_id"] = None
    _check_text(model, clean, errors)
    return clean, errors


def _raise(errors: dict, what: str) -> None:
    if errors:
        raise DomainError(f"Không lưu được {what}: dữ liệu chưa hợp lệ.", errors)


def student_create(*, data: dict[str, Any], by, today: dt.date | None = None) -> Student:
    """Create a student from profile fields (dates as dd/mm/yyyy or date objects)."""
    today = today or timezone.localdate()
    unknown = set(data) - set(STUDENT_FIELDS)
    if unknown:
        raise DomainError("Trường dữ liệu không được hỗ trợ.", {k: ["Không có trường này."] for k in unknown})
    clean, errors = _clean_person(data, model=Student, today=today, min_age=9, max_age=25)
    for required in ("full_name", "birth_date", "sex"):
        if not clean.get(required) and FIELD_LABELS[required] not in errors:
            errors[FIELD_LABELS[required]] = ["Bắt buộc nhập."]
    if clean.get("personal_id") and Student.objects.filter(personal_id=clean["personal_id"]).exists():
        errors.setdefault(FIELD_LABELS["personal_id"], []).append(
            "Số định danh này đã thuộc về một học sinh khác trong hệ thống.")
    if clean.get("moet_code") and Student.objects.filter(moet_code=clean["moet_code"]).exists():
        errors.setdefault(FIELD_LABELS["moet_code"], []).append("Mã học sinh này đã tồn tại.")
    _raise(errors, "học sinh")
    student = Student(**clean)
    fill_name_keys(student)
    try:
        with transaction.atomic():
            student.save()
            audit_record(actor=by, action="people:student:create", object_type="student", object_id=student.pk,
                         after=_snapshot(student, STUDENT_FIELDS))
    except IntegrityError as exc:  # a concurrent create took the same ID
        raise DomainError("Không lưu được học sinh: số định danh hoặc mã học sinh đã tồn tại.",
                          {FIELD_LABELS["personal_id"]: ["Trùng với dữ liệu vừa được lưu."]}) from exc
    return student


def student_update(*, student: Student, changes: dict[str, Any], by, expected_version: int | None = None,
                   today: dt.date | None = None) -> Student:
    """Correct a student's profile; refused if someone saved a newer version meanwhile."""
    today = today or timezone.localdate()
    unknown = set(changes) - set(STUDENT_FIELDS)
    if unknown:
        raise DomainError("Trường dữ liệu không được hỗ trợ.", {k: ["Không có trường này."] for k in unknown})
    merged = {**_snapshot(student, ("full_name", "birth_date", "sex")), **changes}
    clean, errors = _clean_person(merged, model=Student, today=today, min_age=9, max_age=25)
    clean = {k: v for k, v in clean.items() if k in changes or k in ("birth_date", "sex")}
    pid = clean.get("personal_id")
    if pid and Student.objects.filter(personal_id=pid).exclude(pk=student.pk).exists():
        errors.setdefault(FIELD_LABELS["personal_id"], []).append(
            "Số định danh này đã thuộc về một học sinh khác trong hệ thống.")
    _raise(errors, "học sinh")
    with transaction.atomic():
        current, before, after = _versioned_update(Student, student.pk, clean, STUDENT_FIELDS, expected_version)
        audit_record(actor=by, action="people:student:update", object_type="student", object_id=current.pk,
                     school_id=_current_school_id(current), before=before, after=after)
    return current


def _versioned_update(model, pk: int, clean: dict[str, Any], fields, expected_version: int | None):
    """Apply ``clean`` to the locked row, refusing a stale version; return (row, changed before, changed after)."""
    current = model.objects.select_for_update().get(pk=pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleWriteError("Hồ sơ đã được người khác cập nhật; hãy tải lại trang và sửa lại.")
    before = _snapshot(current, fields)
    for key, value in clean.items():
        setattr(current, key, value)
    fill_name_keys(current)
    current.version += 1
    current.save()
    after = _snapshot(current, fields)
    changed = {k: v for k, v in before.items() if after[k] != v}
    return current, changed, {k: after[k] for k in changed}


def _current_school_id(student: Student) -> int | None:
    row = (Enrolment.objects.filter(student=student, status__in=ACTIVE_STATUSES)
           .order_by("-school_year__start_date").values_list("class_group__school_id", flat=True).first())
    return row


#: A Vietnamese phone number: 10 digits starting with 0, or +84 and the 9 digits after the 0.
PHONE_RE = re.compile(r"(0\d{9}|\+84\d{9})")
GUARDIAN_LABELS = {"full_name": "Họ và tên", "relation": "Quan hệ", "occupation": "Nghề nghiệp",
                   "phone": "Điện thoại", "email": "Thư điện tử", "personal_id": "Số định danh cá nhân"}
#: A guardian's own details (the relation belongs to the link with one student).
GUARDIAN_FIELDS = ("full_name", "occupation", "phone", "email", "personal_id")


def _clean_guardian(*, full_name: str, relation: str, occupation: str, phone: str, email: str,
                    personal_id: str = "") -> tuple[dict, dict]:
    """Normalise a guardian's fields (NFC, phone without spaces, dots or dashes); return (clean, errors by label)."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {
        "full_name": nfc(" ".join((full_name or "").split())), "occupation": nfc((occupation or "").strip()),
        "phone": re.sub(r"[\s.\-()]", "", phone or ""), "email": (email or "").strip(),
        "personal_id": re.sub(r"\s", "", personal_id or "") or None}
    name = clean["full_name"]
    if not name:
        errors[GUARDIAN_LABELS["full_name"]] = ["Bắt buộc nhập."]
    elif len(name.split(" ")) < 2 or any(ch.isdigit() for ch in name):
        errors[GUARDIAN_LABELS["full_name"]] = ["Họ và tên phải có ít nhất họ và tên, không chứa chữ số."]
    elif len(name) > Guardian._meta.get_field("full_name").max_length:
        errors[GUARDIAN_LABELS["full_name"]] = [f"Tối đa {Guardian._meta.get_field('full_name').max_length} ký tự."]
    if relation not in Relation.values:
        errors[GUARDIAN_LABELS["relation"]] = ["Phải là cha, mẹ hoặc người giám hộ."]
    if len(clean["occupation"]) > Guardian._meta.get_field("occupation").max_length:
        errors[GUARDIAN_LABELS["occupation"]] = [
            f"Tối đa {Guardian._meta.get_field('occupation').max_length} ký tự."]
    if clean["phone"] and not PHONE_RE.fullmatch(clean["phone"]):
        errors[GUARDIAN_LABELS["phone"]] = [
            f"Số điện thoại '{phone.strip()}' không hợp lệ: phải gồm 10 chữ số bắt đầu bằng 0 (ví dụ 0912345678) "
            "hoặc viết dạng +84 (ví dụ +84912345678)."]
    if clean["email"]:
        try:
            validate_email(clean["email"])
        except ValidationError:
            errors[GUARDIAN_LABELS["email"]] = [f"Địa chỉ thư điện tử '{clean['email']}' không hợp lệ."]
    if clean["personal_id"]:
        check = check_personal_id(clean["personal_id"])
        if check.errors:
            errors[GUARDIAN_LABELS["personal_id"]] = check.errors
    return clean, errors


def _check_guardian_id_free(clean: dict, errors: dict, *, guardian_id: int | None = None) -> None:
    """A personal ID names one person: refused when another guardian holds it (linking that person instead would
    give their family account this student's records, so it is not done silently)."""
    pid = clean["personal_id"]
    if pid and GUARDIAN_LABELS["personal_id"] not in errors and (
            Guardian.objects.filter(personal_id=pid).exclude(pk=guardian_id).exists()):
        errors[GUARDIAN_LABELS["personal_id"]] = ["Số định danh này đã thuộc về một phụ huynh khác trong hệ thống."]


def _guardian_snapshot(link: Guardianship) -> dict[str, Any]:
    """A guardian as the audit log keeps them: "guardian" is the name (as ``people:guardian:add`` writes it)."""
    g = link.guardian
    return {"guardian": g.full_name, "relation": link.relation, "occupation": g.occupation, "phone": g.phone,
            "email": g.email, "personal_id": g.personal_id}


def guardian_fingerprint(*, link: Guardianship) -> str:
    """What the edit page shows of a guardian and their relation, as a short digest: ``guardian_update`` refuses
    the change when it no longer matches (someone saved meanwhile). Guardians have no version column."""
    data = json.dumps(_guardian_snapshot(link), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def guardian_add(*, student: Student, full_name: str, relation: str, occupation: str = "", phone: str = "",
                 email: str = "", personal_id: str = "", by) -> Guardianship:
    """Add a cha, mẹ or người giám hộ to a student: name of at least two words, a Vietnamese phone number."""
    clean, errors = _clean_guardian(full_name=full_name, relation=relation, occupation=occupation, phone=phone,
                                    email=email, personal_id=personal_id)
    _check_guardian_id_free(clean, errors)
    _raise(errors, "phụ huynh")
    guardian = Guardian(**clean)
    fill_name_keys(guardian)
    try:
        with transaction.atomic():
            guardian.save()
            link = Guardianship.objects.create(student=student, guardian=guardian, relation=relation)
            audit_record(actor=by, action="people:guardian:add", object_type="student", object_id=student.pk,
                         school_id=_current_school_id(student),
                         after={"guardian": guardian.full_name, "relation": relation,
                                "occupation": guardian.occupation})
    except IntegrityError as exc:  # a concurrent save took the same personal ID
        raise _guardian_id_taken() from exc
    return link


def _guardian_id_taken() -> DomainError:
    return DomainError("Không lưu được phụ huynh: số định danh đã tồn tại.",
                       {GUARDIAN_LABELS["personal_id"]: ["Trùng với dữ liệu vừa được lưu."]})


def _locked_link(link: Guardianship, gone: str) -> Guardianship:
    """The link and its guardian, locked in this order (edit and removal alike); StaleWriteError when gone."""
    current = Guardianship.objects.select_for_update().filter(pk=link.pk).first()
    if current is None:
        raise StaleWriteError(gone)
    current.guardian = Guardian.objects.select_for_update().get(pk=current.guardian_id)
    return current


def guardian_update(*, link: Guardianship, full_name: str, relation: str, occupation: str = "", phone: str = "",
                    email: str = "", personal_id: str = "", by, expected: str | None = None) -> Guardianship:
    """Correct a guardian's details and their relation to this student, checked as ``guardian_add`` checks them.

    The person's details (name, phone…) are the same for every student they are a guardian of; the relation is
    this link's. With ``expected`` (``guardian_fingerprint`` of what the user saw), refused if someone changed
    them meanwhile. The audit row names the guardian and holds the changed values before and after."""
    clean, errors = _clean_guardian(full_name=full_name, relation=relation, occupation=occupation, phone=phone,
                                    email=email, personal_id=personal_id)
    _check_guardian_id_free(clean, errors, guardian_id=link.guardian_id)
    _raise(errors, "phụ huynh")
    try:
        with transaction.atomic():
            current = _locked_link(link, "Phụ huynh này vừa được xoá khỏi hồ sơ học sinh; hãy tải lại trang.")
            if expected is not None and guardian_fingerprint(link=current) != expected:
                raise StaleWriteError("Thông tin phụ huynh đã được người khác cập nhật; hãy tải lại trang và sửa lại.")
            before = _guardian_snapshot(current)
            guardian = current.guardian
            for key in GUARDIAN_FIELDS:
                setattr(guardian, key, clean[key])
            fill_name_keys(guardian)
            current.relation = relation
            after = _guardian_snapshot(current)
            changed = [k for k in before if before[k] != after[k]]
            if changed:  # nothing is written (nor audited) for a form sent back unchanged
                guardian.save()
                current.save(update_fields=["relation"])
                keep = ["guardian", *(k for k in changed if k != "guardian")]  # always say whose details
                audit_record(actor=by, action="people:guardian:update", object_type="student",
                             object_id=current.student_id, school_id=_current_school_id(current.student),
                             before={k: before[k] for k in keep}, after={k: after[k] for k in keep})
    except IntegrityError as exc:
        raise _guardian_id_taken() from exc
    return current


def guardian_remove(*, link: Guardianship, by) -> bool:
    """Remove a cha, mẹ or người giám hộ from a student (parents divorced, the wrong person entered).

    A family account reaches a student only through these links (``core.permissions.scope_of``), so the person's
    account no longer sees this student's profile or records. The person is deleted too unless they are still
    the guardian of another student; returns whether they were. The audit row keeps what was removed."""
    with transaction.atomic():
        current = _locked_link(link, "Phụ huynh này đã được xoá khỏi hồ sơ học sinh.")
        guardian = current.guardian
        before = _guardian_snapshot(current)
        if guardian.user_id is not None:
            before["username"] = guardian.user.get_username()
        school_id = _current_school_id(current.student)
        student_id = current.student_id
        current.delete()
        others = Guardianship.objects.filter(guardian=guardian).count()
        if not others:
            guardian.delete()
        audit_record(actor=by, action="people:guardian:remove", object_type="student", object_id=student_id,
                     school_id=school_id, before=before, after={"other_students": others})
    return not others


def _check_status_date(status_date: dt.date | None) -> None:
    """A transfer or drop-out is recorded when it has happened, not ahead of time."""
    today = timezone.localdate()
    if status_date is not None and status_date > today:
        raise DomainError("Ngày cập nhật trạng thái không hợp lệ.", {"Ngày cập nhật trạng thái": [
            f"Ngày {format_vn_date(status_date)} ở tương lai; chỉ ghi ngày đã diễn ra (muộn nhất hôm nay, "
            f"{format_vn_date(today)})."]})


def enrolment_create(*, student: Student, class_group: ClassGroup, by, status: str = EnrolmentStatus.STUDYING,
                     status_date: dt.date | None = None) -> Enrolment:
    """Enrol a student in a class; a second active class in the same year is refused."""
    if status not in ACTIVE_STATUSES:
        raise DomainError("Không ghi danh được.",
                          {"Trạng thái": ["Ghi danh mới phải là 'Đang học' hoặc 'Chuyển đến'."]})
    _check_status_date(status_date)
    with transaction.atomic():
        Student.objects.select_for_update().filter(pk=student.pk).first()
        existing = (Enrolment.objects.filter(student=student, school_year_id=class_group.school_year_id,
                                             status__in=ACTIVE_STATUSES).select_related("class_group").first())
        if existing:
            raise DomainError(
                "Không ghi danh được: học sinh đã có lớp trong năm học này.",
                {"Lớp": [f"{student.full_name} đang học lớp {existing.class_group.name} năm học "
                         f"{class_group.school_year.name}; hãy chuyển trạng thái lớp cũ trước."]})
        try:
            enrolment = Enrolment.objects.create(student=student, class_group=class_group,
                                                 school_year_id=class_group.school_year_id, status=status,
                                                 status_date=status_date or timezone.localdate())
        except IntegrityError as exc:
            raise DomainError("Không ghi danh được: học sinh đã có lớp trong năm học này.") from exc
        audit_record(actor=by, action="people:enrolment:create", object_type="student", object_id=student.pk,
                     school_id=class_group.school_id,
                     after={"class": class_group.name, "school_year": class_group.school_year.name, "status": status})
    return enrolment


def enrolment_set_status(*, enrolment: Enrolment, status: str, by, status_date: dt.date | None = None,
                         expected_status: str | None = None) -> Enrolment:
    """Change a transfer/drop-out status (chuyển đi, thôi học…); with ``expected_status`` (the status the user
    saw), refused if someone changed it meanwhile."""
    if status not in EnrolmentStatus.values:
        raise DomainError("Trạng thái không hợp lệ.", {"Trạng thái": [f"'{status}' không có trong danh mục."]})
    _check_status_date(status_date)
    with transaction.atomic():
        current = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if expected_status is not None and current.status != expected_status:
            raise StaleWriteError(
                f"Trạng thái đã được người khác đổi thành '{current.get_status_display()}'; hãy xem lại rồi làm lại.")
        before = {"status": current.status}
        if status in ACTIVE_STATUSES and current.status not in ACTIVE_STATUSES:
            clash = Enrolment.objects.filter(student_id=current.student_id, school_year_id=current.school_year_id,
                                             status__in=ACTIVE_STATUSES).exclude(pk=current.pk).exists()
            if clash:
                raise DomainError("Không đổi được trạng thái: học sinh đang học lớp khác trong năm học này.")
        current.status = status
        current.status_date = status_date or timezone.localdate()
        current.save(update_fields=["status", "status_date"])
        audit_record(actor=by, action="people:enrolment:status", object_type="student", object_id=current.student_id,
                     school_id=current.class_group.school_id, before=before, after={"status": status})
    return current


#: Without an earlier school year on record, how long before a year starts its admissions may be dated.
SUMMER_DAYS = 120


def admission_window(school_year) -> tuple[dt.date, dt.date]:
    """The dates a student may enter a class of ``school_year``: from the day after the previous school year ended
    (tuyển sinh, nhập học in the summer, before the year starts) to the end of the year."""
    previous = (SchoolYear.objects.filter(end_date__lt=school_year.start_date).order_by("-end_date")
                .values_list("end_date", flat=True).first())
    first = previous + dt.timedelta(days=1) if previous else school_year.start_date - dt.timedelta(days=SUMMER_DAYS)
    return first, school_year.end_date


def admission_year_dates(school_year) -> str:
    """The dates a class of ``school_year`` admits students, as the admission page names them: "năm học 2025-2026
    (nhận học sinh từ 01/06/2025 đến 31/05/2026)"."""
    first, last = admission_window(school_year)
    return f"năm học {school_year.name} (nhận học sinh từ {format_vn_date(first)} đến {format_vn_date(last)})"


def _outside_year(entry: dt.date, class_group: ClassGroup, *, given: bool) -> str:
    year = admission_year_dates(class_group.school_year)
    if given:
        return (f"Ngày {format_vn_date(entry)} không thuộc {year} của lớp {class_group.name}: ghi ngày nhập học / "
                "chuyển đến trong năm học đó.")
    return (f"Hôm nay ({format_vn_date(entry)}) không thuộc {year} của lớp {class_group.name}: hãy ghi ngày nhập "
            "học / chuyển đến trong năm học đó.")


def student_admit(*, data: dict[str, Any], class_group: ClassGroup | None, by,
                  status: str = EnrolmentStatus.STUDYING, status_date: str | dt.date | None = None,
                  today: dt.date | None = None) -> Enrolment:
    """Tiếp nhận học sinh: create the student and enrol them in ``class_group`` together, or neither.

    The profile, the class and the date are all checked before anything is written, so that every mistake is
    reported at once, by field label (dates as dd/mm/yyyy or date objects). The date of entry lies within the
    class's school year (and not ahead of today); left empty, it is today — when today is within that year."""
    errors: dict[str, list[str]] = {}
    if class_group is None:
        errors["Lớp"] = ["Chọn lớp để ghi danh học sinh."]
    if status not in ACTIVE_STATUSES:
        errors["Trạng thái"] = ["Học sinh mới phải là 'Đang học' hoặc 'Chuyển đến'."]
    if status_date in ("", None):
        status_date = None
    else:
        try:
            status_date = parse_vn_date(status_date)
            _check_status_date(status_date)
        except ValueError as exc:
            errors["Ngày cập nhật trạng thái"] = [str(exc)]
        except DomainError as exc:
            errors.update(exc.errors)
    if class_group is not None and "Ngày cập nhật trạng thái" not in errors:
        entry = status_date or today or timezone.localdate()
        first, last = admission_window(class_group.school_year)
        if not first <= entry <= last:
            errors["Ngày cập nhật trạng thái"] = [_outside_year(entry, class_group, given=status_date is not None)]
    with transaction.atomic():
        try:
            student = student_create(data=data, by=by, today=today)
        except DomainError as exc:
            raise DomainError(exc.message, {**exc.errors, **errors}) from exc
        _raise(errors, "học sinh")
        return enrolment_create(student=student, class_group=class_group, by=by, status=status,
                                status_date=status_date or today)


# --- teachers: the trích ngang (a teacher's or staff member's profile summary) ------------------------------

TEACHER_LABELS = {**{k: FIELD_LABELS[k] for k in TEACHER_FIELDS}, "subjects": "Môn giảng dạy",
                  "school": "Trường công tác"}


def _clean_teacher(data: dict[str, Any], *, today: dt.date) -> tuple[dict, dict]:
    """A teacher's fields checked as a person's (name, birth date for an age of 18 to 75, personal ID against
    them) and their contact details: a Vietnamese phone number (spaces, dots and dashes dropped), an e-mail
    address."""
    clean, errors = _clean_person(data, model=Teacher, today=today, min_age=18, max_age=75)
    phone, email = clean.get("phone"), clean.get("email")
    if isinstance(phone, str) and TEACHER_LABELS["phone"] not in errors:
        clean["phone"] = re.sub(r"[\s.\-()]", "", phone)
        if clean["phone"] and not PHONE_RE.fullmatch(clean["phone"]):
            errors[TEACHER_LABELS["phone"]] = [
                f"Số điện thoại '{phone}' không hợp lệ: phải gồm 10 chữ số bắt đầu bằng 0 (ví dụ 0912345678) "
                "hoặc viết dạng +84 (ví dụ +84912345678)."]
    if isinstance(email, str) and email and TEACHER_LABELS["email"] not in errors:
        try:
            validate_email(email)
        except ValidationError:
            errors[TEACHER_LABELS["email"]] = [f"Địa chỉ thư điện tử '{email}' không hợp lệ."]
    return clean, errors


def _check_teacher_unique(clean: dict[str, Any], errors: dict, *, teacher_id: int | None = None) -> None:
    """A staff code and a personal ID name one teacher of the city."""
    others = Teacher.objects.exclude(pk=teacher_id)
    code, pid = clean.get("staff_code"), clean.get("personal_id")
    if code and TEACHER_LABELS["staff_code"] not in errors:
        holder = others.filter(staff_code=code).select_related("school").first()
        if holder is not None:
            errors[TEACHER_LABELS["staff_code"]] = [
                f"Mã cán bộ {code} đã được dùng cho một giáo viên khác ({holder.school.name})."]
    if pid and TEACHER_LABELS["personal_id"] not in errors and others.filter(personal_id=pid).exists():
        errors[TEACHER_LABELS["personal_id"]] = ["Số định danh này đã thuộc về giáo viên khác."]


def _teacher_code_taken(exc: IntegrityError) -> DomainError:
    """A concurrent save took the same staff code or personal ID between the check and the write."""
    return DomainError("Không lưu được giáo viên: mã cán bộ hoặc số định danh vừa được lưu cho người khác.",
                       {TEACHER_LABELS["staff_code"]: ["Trùng với dữ liệu vừa được lưu; hãy kiểm tra lại."]})


def _subject_names(teacher: Teacher) -> list[str]:
    return list(teacher.subjects.order_by("display_order", "code").values_list("name", flat=True))


def teacher_create(*, data: dict[str, Any], school, by, subjects=(), today: dt.date | None = None) -> Teacher:
    """Thêm giáo viên: a teacher of ``school`` with the fields of the trích ngang (dates as dd/mm/yyyy or date
    objects) and the catalogue subjects they teach. Every mistake is reported at once, by field label; nothing is
    written unless all is valid. The caller has checked that ``by`` may change the teachers of ``school``."""
    today = today or timezone.localdate()
    unknown = set(data) - set(TEACHER_FIELDS)
    if unknown:
        raise DomainError("Trường dữ liệu không được hỗ trợ.", {k: ["Không có trường này."] for k in unknown})
    clean, errors = _clean_teacher(data, today=today)
    for required in ("full_name", "birth_date", "sex", "staff_code"):
        if not clean.get(required) and TEACHER_LABELS[required] not in errors:
            errors[TEACHER_LABELS[required]] = ["Bắt buộc nhập."]
    if school is None:
        errors[TEACHER_LABELS["school"]] = ["Chọn trường công tác của giáo viên."]
    _check_teacher_unique(clean, errors)
    _raise(errors, "giáo viên")
    teacher = Teacher(school=school, **clean)
    fill_name_keys(teacher)
    try:
        with transaction.atomic():
            teacher.save()
            if subjects:
                teacher.subjects.set(subjects)
            after = _snapshot(teacher, TEACHER_FIELDS)
            after["subjects"] = _subject_names(teacher)
            audit_record(actor=by, action="people:teacher:create", object_type="teacher", object_id=teacher.pk,
                         school_id=school.pk, after=after)
    except IntegrityError as exc:
        raise _teacher_code_taken(exc) from exc
    return teacher


def teacher_update(*, teacher: Teacher, changes: dict[str, Any], by, expected_version: int | None = None,
                   subjects=None, today: dt.date | None = None) -> Teacher:
    """Sửa trích ngang: correct the fields in ``changes`` and, when ``subjects`` is given, set the subjects taught.

    Checked as :func:`teacher_create` checks them. With ``expected_version`` (the version the user opened),
    refused if someone saved meanwhile: the error names the fields they changed with their new values. The audit
    row holds the changed values (subjects as names) before and after; nothing is written for no change."""
    today = today or timezone.localdate()
    unknown = set(changes) - set(TEACHER_FIELDS)
    if unknown:
        raise DomainError("Trường dữ liệu không được hỗ trợ.", {k: ["Không có trường này."] for k in unknown})
    merged = {**_snapshot(teacher, ("full_name", "birth_date", "sex")), **changes}
    clean, errors = _clean_teacher(merged, today=today)
    clean = {k: v for k, v in clean.items() if k in changes or k in ("birth_date", "sex")}
    _check_teacher_unique(clean, errors, teacher_id=teacher.pk)
    _raise(errors, "giáo viên")
    try:
        with transaction.atomic():
            locked = Teacher.objects.select_for_update().get(pk=teacher.pk)
            if expected_version is not None and locked.version != expected_version:
                raise _teacher_stale(locked, expected_version)
            old_subjects = _subject_names(locked)
            same_subjects = subjects is None or (
                {s.pk for s in subjects} == set(locked.subjects.values_list("pk", flat=True)))
            if same_subjects and _unchanged(locked, clean):
                return locked  # the form sent back unchanged: nothing to write
            current, before, after = _versioned_update(Teacher, teacher.pk, clean, TEACHER_FIELDS,
                                                       expected_version)
            if not same_subjects:
                current.subjects.set(subjects)
                before["subjects"], after["subjects"] = old_subjects, _subject_names(current)
            audit_record(actor=by, action="people:teacher:update", object_type="teacher", object_id=current.pk,
                         school_id=current.school_id, before=before, after=after)
    except IntegrityError as exc:
        raise _teacher_code_taken(exc) from exc
    return current


def _unchanged(obj, clean: dict[str, Any]) -> bool:
    """Would writing ``clean`` leave ``obj`` as it is (dates compared as the snapshots write them)?"""
    now = _snapshot(obj, clean)
    return all(now[k] == (format_vn_date(v) if isinstance(v, dt.date) else v) for k, v in clean.items())


#: The writes that make a new version of a teacher (one audit row each).
VERSIONED_TEACHER_ACTIONS = ("people:teacher:update", "people:teacher:leave", "people:teacher:return")


def _teacher_stale(current: Teacher, expected_version: int) -> StaleWriteError:
    """The refusal of an edit over a newer trích ngang: who saved it and when, and each field they changed with
    its value now (from the audit rows of the versions the user did not see: every version is one update)."""
    missed = current.version - expected_version
    entries = []
    if 0 < missed <= 100:
        entries = list(AuditEntry.objects.filter(action__in=VERSIONED_TEACHER_ACTIONS, object_type="teacher",
                                                 object_id=str(current.pk))
                       .select_related("actor").order_by("-seq")[:missed])
    changed = [k for k in TEACHER_LABELS if any(k in (e.after or {}) for e in entries)]
    errors = {TEACHER_LABELS[k]: [f"Vừa được lưu thành: {_teacher_value(current, k)}."] for k in changed}
    if entries:
        last = entries[0]
        who = (last.actor.get_full_name() if last.actor else "") or last.actor_label
        when = timezone.localtime(last.at).strftime("%H:%M ngày %d/%m/%Y")
        message = (f"Chưa lưu: trích ngang vừa được {who} cập nhật lúc {when}. Giá trị mới được ghi cạnh từng ô; "
                   "hãy tải lại trang rồi sửa lại trên bản mới.")
    else:
        message = "Chưa lưu: trích ngang đã được người khác cập nhật; hãy tải lại trang rồi sửa lại trên bản mới."
    return StaleWriteError(message, errors)


def _teacher_value(teacher: Teacher, key: str) -> str:
    """A field's value as the pages show it (a choice by its name, a date as dd/mm/yyyy)."""
    if key == "subjects":
        value = ", ".join(_subject_names(teacher))
    elif key in ("sex", "position", "contract_type"):
        value = getattr(teacher, f"get_{key}_display")()
    else:
        value = getattr(teacher, key)
        value = format_vn_date(value) if isinstance(value, dt.date) else value
    return value or "(để trống)"


def teacher_export_record(*, by, school, teachers: int, full: bool) -> None:
    """Audit one download of a school's trích ngang list: how many teachers, and whether it held their personal
    data (birth date, sex, personal ID, phone, e-mail) or only the summary every reader of the list may see."""
    audit_record(actor=by, action="people:teacher:export", object_type="school", object_id=school.pk,
                 school_id=school.pk, after={"teachers": teachers, "personal_data": full, "to": "web"})


# --- nghỉ việc / chuyển công tác: a teacher who leaves the school, and one who comes back ---------------------

LEAVE_LABELS = {"on": "Ngày nghỉ việc", "reason": "Lý do nghỉ việc", "return_on": "Ngày trở lại công tác"}


def _event_date(value, *, label: str, today: dt.date, errors: dict, not_before: dt.date | None = None):
    """A leaving or return date (dd/mm/yyyy or a date): required, one that has happened (today at the latest),
    and not before ``not_before``; None, with the message in ``errors``, otherwise."""
    if value in (None, ""):
        errors[label] = ["Bắt buộc nhập (dd/mm/yyyy)."]
        return None
    try:
        day = parse_vn_date(value)
    except ValueError as exc:
        errors[label] = [str(exc)]
        return None
    if day > today:
        errors[label] = [f"Ngày {format_vn_date(day)} ở tương lai; chỉ ghi nhận khi việc đã diễn ra (muộn nhất hôm "
                         f"nay, {format_vn_date(today)})."]
    elif not_before is not None and day < not_before:
        errors[label] = [f"Không thể trước ngày nghỉ việc ({format_vn_date(not_before)})."]
    else:
        return day
    return None


def teacher_locked(teacher: Teacher, expected_version: int | None = None) -> Teacher:
    """The teacher's row, locked until the transaction ends, with their login (not locked: PostgreSQL refuses FOR
    UPDATE on the nullable side of the join); StaleWriteError when ``expected_version`` is not the current one."""
    locked = Teacher.objects.select_for_update(of=("self",)).select_related("user").get(pk=teacher.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleWriteError(f"Chưa ghi nhận: hồ sơ của {locked.full_name} vừa được người khác cập nhật; hãy tải "
                              "lại trang rồi làm lại.")
    return locked


def teacher_leave(*, teacher: Teacher, on, reason: str, by, expected_version: int | None = None,
                  today: dt.date | None = None) -> Teacher:
    """Ghi nhận nghỉ việc: ``teacher`` no longer works at their school from ``on`` (a date that has happened:
    leaving closes their login at once), for ``reason`` (required: nghỉ hưu, chuyển công tác đến trường…).

    Refused, naming everything that blocks it and writing nothing, while they are homeroom teacher of a class of
    the current school year, still teach a subject there, or are the school's chosen approval signer
    (``selectors.teacher_leave_blockers``): that work goes to someone else first. Their login, if any, is
    deactivated in the same transaction (``login_closed_on_leave`` remembers it for a return). Records already
    composed, confirmations and signatures they made stay as they are. The caller has checked that ``by`` may
    change the teachers of their school."""
    from hocba.people.selectors import login_is_family, teacher_leave_blockers

    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    day = _event_date(on, label=LEAVE_LABELS["on"], today=today, errors=errors)
    reason = nfc(" ".join((reason or "").split()))
    max_reason = Teacher._meta.get_field("left_reason").max_length
    if not reason:
        errors[LEAVE_LABELS["reason"]] = ["Bắt buộc nhập (ví dụ: nghỉ hưu, chuyển công tác đến trường khác)."]
    elif len(reason) > max_reason:
        errors[LEAVE_LABELS["reason"]] = [f"Tối đa {max_reason} ký tự (đang có {len(reason)})."]
    if errors:
        raise DomainError("Chưa ghi nhận được nghỉ việc: hãy sửa các ô báo lỗi.", errors)
    with transaction.atomic():
        locked = teacher_locked(teacher, expected_version)
        if locked.status == TeacherStatus.LEFT:
            raise DomainError(f"{locked.full_name} đã được ghi nhận nghỉ việc từ ngày "
                              f"{format_vn_date(locked.left_on)}.")
        blockers = teacher_leave_blockers(teacher=locked)
        if blockers:
            raise DomainError(f"Chưa ghi nhận được {locked.full_name} nghỉ việc: {'; '.join(blockers)}. Hãy giao "
                              "các việc này cho giáo viên khác rồi làm lại.", {"Việc còn giao": blockers})
        before = {"status": locked.status}
        user = locked.user
        # A login that is also a family's stays open: the teacher's own rights end with the work handed over above.
        closed = user is not None and user.is_active and not login_is_family(user)
        if closed:
            user.is_active = False
            user.save(update_fields=["is_active"])
        locked.status, locked.left_on, locked.left_reason = TeacherStatus.LEFT, day, reason
        locked.login_closed_on_leave = closed
        locked.version += 1
        locked.save(update_fields=["status", "left_on", "left_reason", "login_closed_on_leave", "version"])
        audit_record(actor=by, action="people:teacher:leave", object_type="teacher", object_id=locked.pk,
                     school_id=locked.school_id, before=before,
                     after={"status": locked.status, "left_on": format_vn_date(day), "reason": reason,
                            "login_closed": user.get_username() if closed else None})
    return locked


def teacher_return(*, teacher: Teacher, on, by, expected_version: int | None = None,
                   today: dt.date | None = None) -> Teacher:
    """Ghi nhận trở lại công tác: a teacher recorded as left works at the school again from ``on`` (not before
    the day they left, not in the future). The date and reason of leaving are cleared (the audit log keeps
    them). Their login is re-activated only if the leaving deactivated it (one closed for another reason stays
    closed); the audit row says which. They can then be given classes and subjects again."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = teacher_locked(teacher, expected_version)
        if locked.status != TeacherStatus.LEFT:
            raise DomainError(f"{locked.full_name} đang công tác; không có gì để ghi nhận trở lại.")
        errors: dict[str, list[str]] = {}
        day = _event_date(on, label=LEAVE_LABELS["return_on"], today=today, errors=errors,
                          not_before=locked.left_on)
        if errors:
            raise DomainError("Chưa ghi nhận được trở lại công tác: hãy sửa các ô báo lỗi.", errors)
        before = {"status": locked.status, "left_on": format_vn_date(locked.left_on), "reason": locked.left_reason}
        user = locked.user
        reopened = locked.login_closed_on_leave and user is not None and not user.is_active
        if reopened:
            user.is_active = True
            user.save(update_fields=["is_active"])
        locked.status, locked.left_on, locked.left_reason = TeacherStatus.WORKING, None, ""
        locked.login_closed_on_leave = False
        locked.version += 1
        locked.save(update_fields=["status", "left_on", "left_reason", "login_closed_on_leave", "version"])
        audit_record(actor=by, action="people:teacher:return", object_type="teacher", object_id=locked.pk,
                     school_id=locked.school_id, before=before,
                     after={"status": locked.status, "returned_on": format_vn_date(day),
                            "login_reopened": user.get_username() if reopened else None})
    return locked
