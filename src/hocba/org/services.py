"""Writes to the school system; bulk loaders for catalogues and years."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from hocba.core.audit import audit_record
from hocba.core.errors import DomainError
from hocba.core.text import nfc, search_key, sort_key
from hocba.org.catalogue import CATALOGUE
from hocba.org.models import (
    ClassGroup,
    Commune,
    CurriculumEntry,
    Deadline,
    DeadlineKind,
    Department,
    School,
    SchoolYear,
    Subject,
    TeachingAssignment,
    Term,
)


def catalogue_load(*, by=None) -> int:
    """Create or update the programme-2018 subjects and their per-grade periods (idempotent)."""
    count = 0
    with transaction.atomic():
        for item in CATALOGUE:
            subject, _ = Subject.objects.update_or_create(
                code=item.code, defaults={"name": item.name, "mode": item.mode, "display_order": item.order})
            for grade, periods in item.periods.items():
                CurriculumEntry.objects.update_or_create(
                    subject=subject, grade=grade, school_year=None,
                    defaults={"periods_per_year": periods, "kind": item.kind[grade]})
                count += 1
        audit_record(actor=by, action="org:catalogue:load", object_type="catalogue", after={"entries": count})
    return count


def school_year_create(*, name: str, by=None, make_current: bool = True) -> SchoolYear:
    """Create a school year "2025-2026" with its two terms and the plan's deadlines."""
    try:
        first, second = (int(p) for p in name.split("-"))
    except ValueError as exc:
        raise DomainError("Tên năm học không hợp lệ.", {"Năm học": ["Định dạng yyyy-yyyy, ví dụ 2025-2026."]}) from exc
    if second != first + 1:
        raise DomainError("Tên năm học không hợp lệ.", {"Năm học": ["Hai năm phải liên tiếp."]})
    with transaction.atomic():
        if make_current:
            SchoolYear.objects.filter(is_current=True).update(is_current=False)
        year = SchoolYear.objects.create(name=name, start_date=dt.date(first, 9, 5), end_date=dt.date(second, 5, 31),
                                         is_current=make_current)
        Term.objects.create(school_year=year, number=1, start_date=dt.date(first, 9, 5),
                            end_date=dt.date(second, 1, 15))
        Term.objects.create(school_year=year, number=2, start_date=dt.date(second, 1, 16),
                            end_date=dt.date(second, 5, 31))
        Deadline.objects.bulk_create([
            Deadline(school_year=year, kind=DeadlineKind.DATA_ENTRY, due_date=dt.date(second, 5, 20),
                     note="Hoàn thành nhập điểm, nhận xét, đánh giá"),
            Deadline(school_year=year, kind=DeadlineKind.SIGNING, due_date=dt.date(second, 5, 31),
                     grades=[6, 7, 8, 10, 11], note="Ký số học bạ"),
            Deadline(school_year=year, kind=DeadlineKind.SIGNING, due_date=dt.date(second, 5, 21), grades=[9, 12],
                     note="Ký số học bạ lớp cuối cấp"),
            Deadline(school_year=year, kind=DeadlineKind.CERTIFICATES, due_date=dt.date(first, 12, 16),
                     note="Cấp chứng thư số cho toàn bộ cán bộ, giáo viên"),
        ])
        audit_record(actor=by, action="org:school_year:create", object_type="school_year", object_id=year.pk,
                     after={"name": name})
    return year


def department_create(*, code: str, name: str, province: str, by=None) -> Department:
    with transaction.atomic():
        dep = Department.objects.create(code=code, name=nfc(name), province=nfc(province))
        audit_record(actor=by, action="org:department:create", object_type="department", object_id=dep.pk,
                     after={"code": code, "name": dep.name})
    return dep


def commune_build(*, department: Department, code: str, name: str) -> Commune:
    name = nfc(name)
    return Commune(department=department, code=code, name=name, sort_name=sort_key(name))


def school_build(*, department: Department, commune: Commune, code: str, name: str, level: str,
                 address: str = "") -> School:
    name = nfc(name)
    return School(department=department, commune=commune, code=code, name=name, level=level, address=address,
                  search_name=search_key(name), sort_name=sort_key(name))


def _working_teacher(teacher, *, what: str) -> None:
    """New work goes to a teacher who still works at the school: the teacher's row is locked (a leaving waits for
    this transaction, and then sees the new work among what blocks it), and one who left is refused."""
    from hocba.people.models import Teacher, TeacherStatus

    current = Teacher.objects.select_for_update().filter(pk=teacher.pk).values_list("status", flat=True).first()
    if current == TeacherStatus.LEFT:
        raise DomainError(f"Không {what} được.", {"Giáo viên": [
            f"{teacher.full_name} đã nghỉ việc; hãy chọn giáo viên đang công tác."]})


def class_create(*, school: School, school_year: SchoolYear, grade: int, name: str, homeroom_teacher=None,
                 by=None) -> ClassGroup:
    if grade not in school.grades():
        raise DomainError("Không tạo được lớp.", {"Khối": [f"Khối {grade} không thuộc cấp học của {school.name}."]})
    with transaction.atomic():
        if homeroom_teacher is not None:
            _working_teacher(homeroom_teacher, what="tạo lớp với giáo viên chủ nhiệm này")
        cg = ClassGroup.objects.create(school=school, school_year=school_year, grade=grade, name=nfc(name),
                                       homeroom_teacher=homeroom_teacher)
        audit_record(actor=by, action="org:class:create", object_type="class", object_id=cg.pk, school_id=school.pk,
                     after={"name": cg.name, "grade": grade, "school_year": school_year.name})
    return cg


def assignment_set(*, class_group: ClassGroup, subject: Subject, teacher, by=None) -> TeachingAssignment:
    """Phân công giảng dạy: ``teacher`` teaches ``subject`` in ``class_group`` (a teacher who left is refused)."""
    with transaction.atomic():
        _working_teacher(teacher, what="phân công giảng dạy")
        ta, _ = TeachingAssignment.objects.update_or_create(class_group=class_group, subject=subject,
                                                            defaults={"teacher": teacher})
        audit_record(actor=by, action="org:assignment:set", object_type="class", object_id=class_group.pk,
                     school_id=class_group.school_id, after={"subject": subject.code, "teacher": teacher.staff_code})
    return ta
