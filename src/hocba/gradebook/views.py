"""Pages of the e-gradebook (sổ điểm): parse, authorise, call one service or selector, render.

The entry grid and the homeroom page save cell by cell through small JSON endpoints
(``cell_save``, ``homeroom_save``) called by ``static/hocba/gradebook.js``; every other
action is a plain form POST that redirects back with a message.
"""

from __future__ import annotations

import functools
import json

from django.contrib import messages
from django.db.models import F
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from hocba.core.access import requires
from hocba.core.context_processors import register_nav
from hocba.core.errors import DomainError, PermissionDeniedError, StaleWriteError
from hocba.core.permissions import has_any
from hocba.gradebook import aggregates, moves, page_selectors, selectors, services, year_selectors
from hocba.gradebook import permissions as perms
from hocba.gradebook.locks import edit_reading, entry_deadline
from hocba.gradebook.models import CONDUCT_LEVELS, ClosingRun, EditGrant, GradebookLock, LockLevel, Period, Source
from hocba.gradebook.sheet import sheet_shape
from hocba.gradebook.values import display
from hocba.org.models import ClassGroup, School, Subject, TeachingAssignment
from hocba.org.selectors import current_school_year
from hocba.people.models import Student

TERM_NAMES = {1: "Học kì I", 2: "Học kì II"}


# --- helpers ----------------------------------------------------------------------------

def _term(term: int) -> int:
    if term not in TERM_NAMES:
        raise Http404("Học kì không hợp lệ.")
    return term


def _posted_else(page: str):
    """For an action that takes a form: its refusal is shown at its own address, so a reload, a bookmark or a
    copied link opens that address with GET — which leads back to ``page`` (same URL arguments), not to an
    empty 405."""
    def wrap(view):
        @functools.wraps(view)
        def action(request, **kwargs):
            if request.method != "POST":
                return redirect(page, **kwargs)
            return view(request, **kwargs)
        return action
    return wrap


def _sheet_objects(user, class_id: int, subject_id: int, term: int) -> tuple[ClassGroup, Subject]:
    """The class and subject of a sheet the user may view (403 otherwise; 404 if the class lacks it)."""
    _term(term)
    class_group = get_object_or_404(ClassGroup.objects.select_related("school", "school_year"), pk=class_id)
    assignment = get_object_or_404(TeachingAssignment.objects.select_related("subject"),
                                   class_group=class_group, subject_id=subject_id)
    if not perms.may_view_sheet(user, class_group, subject_id):
        raise PermissionDeniedError("Bạn không được xem sổ điểm của môn này ở lớp này.")
    return class_group, assignment.subject


def _class_for_homeroom(user, class_id: int, term: int | None) -> ClassGroup:
    """The class of a homeroom page the user may view; ``term`` None for the year page."""
    if term is not None:
        _term(term)
    class_group = get_object_or_404(ClassGroup.objects.select_related("school", "school_year",
                                                                      "homeroom_teacher"), pk=class_id)
    if not perms.may_view_sheet(user, class_group):
        raise PermissionDeniedError("Chỉ giáo viên chủ nhiệm và Ban giám hiệu được xem trang này.")
    return class_group


def _school_for_board(user, school_id: int) -> School:
    school = get_object_or_404(School, pk=school_id)
    if not perms.may_view_school_locks(user, school.pk):
        raise PermissionDeniedError("Chỉ Ban giám hiệu của trường được xem trang khoá sổ.")
    return school


def person_name(user) -> str:
    """A user's name in Vietnamese order (family name first), preferring the teacher profile."""
    if user is None:
        return ""
    teacher = getattr(user, "teacher", None) if hasattr(user, "teacher") else None
    if teacher is not None:
        return teacher.full_name
    return f"{user.last_name} {user.first_name}".strip() or user.get_username()


def _json_body(request) -> dict:
    try:
        data = json.loads(request.body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DomainError("Dữ liệu gửi lên không hợp lệ.") from exc
    if not isinstance(data, dict):
        raise DomainError("Dữ liệu gửi lên không hợp lệ.")
    return data


def _student_id(data: dict) -> int:
    try:
        return int(data.get("student"))
    except (TypeError, ValueError) as exc:
        raise DomainError("Thiếu mã học sinh.") from exc


def _json_error(exc: DomainError) -> JsonResponse:
    """409 stale write (with the newer value), 403 refused, 422 anything else a person can fix."""
    body = exc.as_dict()
    if isinstance(exc, StaleWriteError):
        body["current"] = (exc.errors.get("current") or [""])[0]
        return JsonResponse(body, status=409)
    if isinstance(exc, PermissionDeniedError):
        return JsonResponse(body, status=403)
    return JsonResponse(body, status=422)


def _errors_list(exc: DomainError) -> list[tuple[str, str]]:
    return [(key, "; ".join(values)) for key, values in exc.errors.items()]


# --- my sheets --------------------------------------------------------------------------

@requires("gradebook:sheet:view")
def my_sheets(request):
    """Sổ điểm: the sheets a subject teacher enters, a homeroom class's pages, the school's classes."""
    data = page_selectors.my_sheets(user=request.user)
    return render(request, "gradebook/my_sheets.html", {**data, "year": current_school_year(),
                                                        "terms": TERM_NAMES})


# --- the entry grid ---------------------------------------------------------------------

def _grid_context(request, class_group: ClassGroup, subject: Subject, term: int) -> dict:
    sheet = selectors.sheet_get(class_group=class_group, subject=subject, term=term)
    can_edit = perms.may_edit_sheet(request.user, class_group, subject.pk)
    if sheet.blocked:
        readonly_reason = sheet.blocked
    elif not can_edit:
        readonly_reason = "Bạn chỉ được xem sổ điểm này; giáo viên dạy môn nhập điểm."
    else:
        readonly_reason = ""
    fields = list(zip(sheet.shape.fields, sheet.shape.headers, strict=True))
    rows = [{"row": row, "cells": [(f, h, row.shown(f)) for f, h in fields], "average": display(row.average),
             "average_missing": row.average_missing} for row in sheet.rows]
    finalised = any(lock.level == "subject" for lock in GradebookLock.objects.filter(
        class_group=class_group, subject=subject, term=term))
    return {
        "sheet": sheet, "class_group": class_group, "subject": subject, "term": term,
        "term_name": TERM_NAMES[term], "fields": fields, "rows": rows, "editable": not readonly_reason,
        "readonly_reason": readonly_reason, "open_until": "" if readonly_reason else sheet.open_until,
        "can_edit": can_edit, "finalised": finalised,
        "average_label": "ĐTBmhk" if sheet.shape.mode == "score" else "Kết quả",
        "can_homeroom": perms.may_view_sheet(request.user, class_group),
        "history_url": reverse("gradebook:cell_history", kwargs={
            "class_id": class_group.pk, "subject_id": subject.pk, "term": term, "student_id": 0,
            "field": "__field__"}),
    }


@requires("gradebook:sheet:view")
def sheet(request, class_id: int, subject_id: int, term: int):
    """The entry grid of one class × subject × term (read-only for viewers, after locks and deadlines)."""
    class_group, subject = _sheet_objects(request.user, class_id, subject_id, term)
    return render(request, "gradebook/sheet.html", _grid_context(request, class_group, subject, term))


@requires("gradebook:sheet:edit")
@require_POST
def cell_save(request, class_id: int, subject_id: int, term: int):
    """Save one cell: JSON ``{student, field, value, expected}`` → the shown value and the term average (or, while
    it is empty, ``average_missing``: why)."""
    try:
        class_group, subject = _sheet_objects(request.user, class_id, subject_id, term)
        data = _json_body(request)
        saved = services.score_update(class_group=class_group, subject=subject, student_id=_student_id(data),
                                      term=term, field=str(data.get("field", "")), raw=data.get("value"),
                                      expected=data.get("expected"), by=request.user, source=Source.GRID)
    except DomainError as exc:
        return _json_error(exc)
    return JsonResponse({"field": saved.field, "value": saved.value, "shown": saved.shown,
                         "average": saved.average, "average_missing": saved.average_missing,
                         "version": saved.row_version})


@requires("gradebook:sheet:view")
def cell_history(request, class_id: int, subject_id: int, term: int, student_id: int, field: str):
    """Who changed a cell, when, old → new, from where (an HTML fragment for the grid's side panel)."""
    class_group, subject = _sheet_objects(request.user, class_id, subject_id, term)
    shape = sheet_shape(class_group=class_group, subject=subject)
    if field not in [*shape.fields, "comment"]:
        raise Http404("Không có ô này.")
    changes = selectors.cell_history(class_group=class_group, subject=subject, term=term,
                                     student_id=student_id, field=field)
    label = services.field_label(field)
    items = [{"at": c.at, "by": person_name(c.by) or c.by_label,
              "old": c.old if field == "comment" else display(c.old),
              "new": c.new if field == "comment" else display(c.new),
              "source": c.get_source_display(), "note": c.note} for c in changes]
    return render(request, "gradebook/partials/cell_history.html", {"items": items, "label": label})


@requires("gradebook:subject:finalise")
@_posted_else("gradebook:sheet")
def subject_finalise(request, class_id: int, subject_id: int, term: int):
    """Chốt điểm môn: lock the subject for the term; refused with the list of what is missing."""
    class_group, subject = _sheet_objects(request.user, class_id, subject_id, term)
    try:
        services.subject_finalise(class_group=class_group, subject=subject, term=term, by=request.user)
    except DomainError as exc:
        context = _grid_context(request, class_group, subject, term)
        context.update({"refusal": exc.message, "refusal_items": _errors_list(exc)})
        return render(request, "gradebook/sheet.html", context, status=422)
    messages.success(request, f"Đã chốt điểm môn {subject.name} lớp {class_group.name}, {TERM_NAMES[term]}.")
    return redirect("gradebook:sheet", class_id=class_id, subject_id=subject_id, term=term)


# --- Excel in and out --------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    return HttpResponse(data, content_type=XLSX,
                        headers={"Content-Disposition": content_disposition_header(True, filename)})


@requires("gradebook:sheet:view")
def sheet_export(request, class_id: int, subject_id: int, term: int):
    """The sheet as .xlsx, laid out for Excel and importable back (``hocba.gradebook.excel``)."""
    from hocba.gradebook import excel

    class_group, subject = _sheet_objects(request.user, class_id, subject_id, term)
    data = excel.sheet_export(class_group=class_group, subject=subject, term=term)
    services.export_record(by=request.user, class_group=class_group, term=term, subject=subject, where="web")
    return _xlsx(data, f"so-diem-{class_group.name}-{subject.code}-hk{term}.xlsx")


@requires("gradebook:sheet:edit")
@_posted_else("gradebook:sheet")
def sheet_import(request, class_id: int, subject_id: int, term: int):
    """Import this sheet from .xlsx: all or nothing; every bad cell listed (row, column, reason); the cells kept
    because they changed in the system since the export are named in a warning."""
    from hocba.gradebook import excel

    class_group, subject = _sheet_objects(request.user, class_id, subject_id, term)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise DomainError("Hãy chọn tệp Excel (.xlsx) để nhập.")
        named = excel.sheet_identify(fileobj=upload)
        if (named[0].pk, named[1].pk, named[2]) != (class_group.pk, subject.pk, term):
            raise DomainError(f"Tệp này là sổ điểm môn {named[1].name} lớp {named[0].name}, "
                              f"{TERM_NAMES.get(named[2], named[2])} — không phải sổ đang mở; chưa nhập gì.")
        upload.seek(0)
        report = excel.sheet_import_file(fileobj=upload, by=request.user)
    except DomainError as exc:
        context = _grid_context(request, class_group, subject, term)
        context.update({"refusal": exc.message, "refusal_items": _errors_list(exc)})
        return render(request, "gradebook/sheet.html", context, status=422)
    messages.success(request, f"Đã nhập từ Excel: {report.changed_cells} ô thay đổi, "
                              f"{report.students} học sinh.")
    if report.kept:
        messages.warning(request, excel.kept_message(report))
    return redirect("gradebook:sheet", class_id=class_id, subject_id=subject_id, term=term)


@requires("gradebook:sheet:view")
def class_summary_export(request, class_id: int, term: int):
    """The whole class for a term as .xlsx: subject results, learning, conduct, absences."""
    from hocba.gradebook import excel

    class_group = _class_for_homeroom(request.user, class_id, term)
    data = excel.class_summary_export(class_group=class_group, term=term)
    services.export_record(by=request.user, class_group=class_group, term=term, where="web")
    return _xlsx(data, f"tong-hop-{class_group.name}-hk{term}.xlsx")


# --- the homeroom page ------------------------------------------------------------------

def _homeroom_context(request, class_group: ClassGroup, term: int) -> dict:
    data = selectors.homeroom_sheet(class_group=class_group, term=term)
    can_edit = perms.may_edit_homeroom(request.user, class_group)
    levels, blocked, notice = edit_reading(class_group=class_group, term=term, subject_id=None)
    if blocked:
        readonly_reason = blocked
    elif not can_edit:
        readonly_reason = "Bạn chỉ được xem; giáo viên chủ nhiệm nhập mục này."
    else:
        readonly_reason = ""
    subjects = [{"ta": ta, "short": page_selectors.short_name(ta.subject)} for ta in data["subjects"]]
    closed = LockLevel.CLASS in levels
    return {"class_group": class_group, "term": term, "term_name": TERM_NAMES[term], "rows": data["rows"],
            "subjects": subjects, "progress": data["progress"], "editable": not readonly_reason,
            "readonly_reason": readonly_reason, "can_edit": can_edit, "closed": closed,
            "open_until": "" if readonly_reason else notice,
            "school_locked": LockLevel.SCHOOL in levels,
            "conduct_levels": CONDUCT_LEVELS,
            "staleness": selectors.results_staleness(class_group=class_group, period=f"hk{term}"),
            "finalised_count": sum(1 for p in data["progress"] if p["finalised"])}


@requires("gradebook:sheet:view")
def homeroom(request, class_id: int, term: int):
    """The homeroom teacher's page: conduct, comment, absences; the class's subject results; progress."""
    class_group = _class_for_homeroom(request.user, class_id, term)
    return render(request, "gradebook/homeroom.html", _homeroom_context(request, class_group, term))


@requires("gradebook:homeroom:edit")
@require_POST
def homeroom_save(request, class_id: int, term: int):
    """Save one homeroom cell: JSON ``{student, field, value, expected}``."""
    try:
        class_group = _class_for_homeroom(request.user, class_id, term)
        data = _json_body(request)
        field = str(data.get("field", ""))
        value = services.homeroom_update(class_group=class_group, student_id=_student_id(data), term=term,
                                         field=field, raw=data.get("value"), expected=data.get("expected"),
                                         by=request.user)
    except DomainError as exc:
        return _json_error(exc)
    return JsonResponse({"field": field, "value": value, "shown": value})


@requires("gradebook:class:close")
@_posted_else("gradebook:homeroom")
def class_close(request, class_id: int, term: int):
    """Khoá sổ lớp: every subject finalised and every conduct entered; computes the term's results."""
    class_group = _class_for_homeroom(request.user, class_id, term)
    try:
        services.class_term_close(class_group=class_group, term=term, by=request.user)
    except DomainError as exc:
        context = _homeroom_context(request, class_group, term)
        context.update({"refusal": exc.message, "refusal_items": _errors_list(exc)})
        return render(request, "gradebook/homeroom.html", context, status=422)
    messages.success(request, f"Đã khoá sổ lớp {class_group.name}, {TERM_NAMES[term]}; kết quả đã được tính.")
    return redirect("gradebook:homeroom", class_id=class_id, term=term)


# --- the homeroom year page ---------------------------------------------------------------

YEAR_TEXT_FIELDS = ("homeroom_comment", "certificates", "competitions", "other_awards")


def _year_context(request, class_group: ClassGroup) -> dict:
    sheet = year_selectors.year_sheet(class_group=class_group)
    can_edit = perms.may_edit_homeroom(request.user, class_group)
    return {"class_group": class_group, "sheet": sheet, "rows": sheet.rows, "can_edit": can_edit,
            "readonly_reason": "" if can_edit else "Bạn chỉ được xem; giáo viên chủ nhiệm nhập mục này.",
            "conduct_levels": CONDUCT_LEVELS, "final_grade": class_group.grade in year_selectors.FINAL_GRADES}


@requires("gradebook:sheet:view")
def homeroom_year(request, class_id: int):
    """The homeroom teacher's year page: year results, the year comment, summer re-evaluation and re-tests."""
    class_group = _class_for_homeroom(request.user, class_id, None)
    return render(request, "gradebook/homeroom_year.html", _year_context(request, class_group))


def _year_changes(post) -> dict:
    """The year row form → the service's ``changes`` (re-tests only when the row showed them)."""
    changes: dict = {name: post.get(name, "") for name in YEAR_TEXT_FIELDS}
    if "summer_conduct" in post:
        changes["summer_conduct"] = post["summer_conduct"]
    if post.get("retests_shown"):
        changes["retests"] = {key.removeprefix("retest_"): value for key, value in post.items()
                              if key.startswith("retest_")}
    return changes


@requires("gradebook:homeroom:edit")
@_posted_else("gradebook:homeroom_year")
def homeroom_year_save(request, class_id: int):
    """Save one student's year row (all or nothing); the year closing of the class follows a re-test."""
    class_group = _class_for_homeroom(request.user, class_id, None)
    student_id = int(request.POST["student"]) if request.POST.get("student", "").isdigit() else 0
    version = request.POST.get("version", "")
    expected = int(version) if version.isdigit() else None
    changes = _year_changes(request.POST)
    try:
        entry = services.year_entry_update(class_group=class_group, student_id=student_id, changes=changes,
                                           by=request.user, expected_version=expected)
    except DomainError as exc:
        if isinstance(exc, PermissionDeniedError):
            raise
        context = _year_context(request, class_group)
        context.update({"refusal": exc.message, "refusal_items": _errors_list(exc), "refused_student": student_id})
        # Keep what was typed, to correct it (422) or to save it again once the newer values the refusal shows
        # have been seen (409: the row keeps the database's current version, so that next save goes through).
        for row in context["rows"]:
            if row.student.pk == student_id:
                year_selectors.row_with_typed(row, changes)
        return render(request, "gradebook/homeroom_year.html", context,
                      status=409 if isinstance(exc, StaleWriteError) else 422)
    messages.success(request, f"Đã lưu thông tin cả năm của {entry.student.full_name}.")
    return redirect(f"{reverse('gradebook:homeroom_year', args=[class_id])}#hs-{student_id}")


# --- locks ------------------------------------------------------------------------------

@requires("gradebook:sheet:view")
def school_locks(request, school_id: int, term: int):
    """The principal's page: each class's status, the school lock, unlocking and edits after the deadline."""
    _term(term)
    school = _school_for_board(request.user, school_id)
    year = current_school_year()
    locks = list(GradebookLock.objects.filter(school=school, school_year=year, term=term)
                 .select_related("class_group", "subject", "locked_by__teacher")
                 .order_by(F("class_group__grade").asc(nulls_first=True), "class_group__name", "level",
                           "subject__display_order"))
    for lock in locks:
        lock.locked_by_name = person_name(lock.locked_by)
    grants = list(EditGrant.objects.filter(school=school, school_year=year, expires_at__gt=timezone.now())
                  .select_related("class_group", "subject", "granted_by"))
    classes = page_selectors.school_lock_status(school=school, year=year, term=term)
    grades = sorted({row["class_group"].grade for row in classes})
    deadlines = [(g, entry_deadline(year.pk, g)) for g in grades] if year else []
    return render(request, "gradebook/school_locks.html", {
        "school": school, "year": year, "term": term, "term_name": TERM_NAMES[term], "locks": locks,
        "lock_groups": page_selectors.lock_groups(locks), "grants": grants, "classes": classes,
        "deadlines": [(g, d) for g, d in deadlines if d],
        "school_locked": any(lock.level == "school" for lock in locks),
        "open_classes": [row["class_group"].name for row in classes if not row["closed"]],
        "can_lock": perms.may_lock_school(request.user, school.pk),
        "can_unlock": perms.may_remove_lock(request.user, school.pk),
        "subjects": Subject.objects.filter(assignments__class_group__school=school,
                                           assignments__class_group__school_year=year).distinct(),
    })


def _back_to_locks(school_id: int, term: int):
    return redirect("gradebook:school_locks", school_id=school_id, term=term)


def _flash_error(request, exc: DomainError) -> None:
    messages.error(request, str(exc))


def _posted_object(request, field: str, label: str, queryset):
    """The object a form field names by its id (None when left empty); a value that is not one of them is
    refused with a Vietnamese message naming the field (never a server error)."""
    raw = request.POST.get(field, "").strip()
    if not raw:
        return None
    # isascii: str.isdigit() also accepts "²", which int() refuses (a server error, not a message).
    found = queryset.filter(pk=int(raw)).first() if raw.isascii() and raw.isdigit() else None
    if found is None:
        raise DomainError(f"{label} không hợp lệ: không có mục nào mang mã '{raw}'.")
    return found


@requires("gradebook:school:lock")
@require_POST
def school_lock(request, school_id: int, term: int):
    """Khoá sổ toàn trường for the term."""
    _term(term)
    school = get_object_or_404(School, pk=school_id)
    year = current_school_year()
    try:
        services.school_term_lock(school=school, school_year_id=year.pk, term=term, by=request.user,
                                  open_classes_confirmed=request.POST.get("confirm") == "1")
    except DomainError as exc:
        _flash_error(request, exc)
    else:
        messages.success(request, f"Đã khoá sổ toàn trường, {TERM_NAMES[term]}.")
    return _back_to_locks(school_id, term)


@requires("gradebook:lock:remove")
@require_POST
def lock_remove(request, school_id: int, term: int, lock_id: int):
    """Mở khoá: the principal removes a lock, with a reason (audited)."""
    _term(term)
    lock = get_object_or_404(GradebookLock, pk=lock_id, school_id=school_id)
    try:
        services.lock_remove(lock=lock, reason=request.POST.get("reason", ""), by=request.user)
    except DomainError as exc:
        _flash_error(request, exc)
    else:
        messages.success(request, "Đã mở khoá; lý do đã được ghi vào nhật ký.")
    return _back_to_locks(school_id, term)


@requires("gradebook:lock:remove")
@require_POST
def edit_grant(request, school_id: int, term: int):
    """Cho phép sửa sau hạn: open edits after the data-entry deadline for some days, with a reason."""
    _term(term)
    school = get_object_or_404(School, pk=school_id)
    try:
        days = int(request.POST.get("days") or 0)
    except ValueError:
        days = 0
    try:
        class_group = _posted_object(request, "class_group", "Lớp", ClassGroup.objects.filter(school=school))
        subject = _posted_object(request, "subject", "Môn học", Subject.objects.all())
        services.edit_grant_create(school=school, class_group=class_group, subject=subject,
                                   reason=request.POST.get("reason", ""), days=days, by=request.user)
    except DomainError as exc:
        _flash_error(request, exc)
    else:
        messages.success(request, f"Đã cho phép sửa sau hạn trong {days} ngày.")
    return _back_to_locks(school_id, term)


@requires("gradebook:lock:remove")
@require_POST
def edit_grant_revoke(request, school_id: int, term: int, grant_id: int):
    """Thu hồi quyền sửa sau hạn before it expires."""
    _term(term)
    grant = get_object_or_404(EditGrant, pk=grant_id, school_id=school_id)
    try:
        services.edit_grant_revoke(grant=grant, by=request.user)
    except DomainError as exc:
        _flash_error(request, exc)
    else:
        messages.success(request, "Đã thu hồi quyền sửa sau hạn; từ giờ sửa điểm lại cần Hiệu trưởng cho phép.")
    return _back_to_locks(school_id, term)


# --- moving a student to another class of the school ---------------------------------------

def _student_to_move(user, student_id: int):
    """(student, their active enrolment of the current year) for the school board of its school; else 403 (also
    for an unknown id: the page says nothing about students elsewhere)."""
    student = Student.objects.filter(pk=student_id).first()
    enrolment = moves.student_enrolment(student=student) if student else None
    if enrolment is None or not perms.may_move_student(user, enrolment.class_group.school_id):
        raise PermissionDeniedError("Chỉ Ban quản lý học bạ và Hiệu trưởng của trường đang có học sinh được chuyển "
                                    "lớp cho học sinh (trong năm học hiện tại).")
    return student, enrolment


def _move_context(student, enrolment, **extra) -> dict:
    plan = moves.student_move_plan(student=student, source=enrolment.class_group)
    return {"student": student, "source": enrolment.class_group, "plan": plan,
            "closed": bool(plan.blockers) or not plan.open_targets, "chosen": None, "reason": "", **extra}


@requires("gradebook:student:move")
def student_move(request, student_id: int):
    """Chuyển lớp: the student's class changes within the school, their marks, conduct and absences with them
    (GET: what would move and where to; POST: the move, then back to the student's page)."""
    student, enrolment = _student_to_move(request.user, student_id)
    if request.method != "POST":
        return render(request, "gradebook/student_move.html", _move_context(student, enrolment))
    reason = request.POST.get("reason", "")
    raw_to = request.POST.get("to_class", "").strip()
    try:
        to_class = _posted_object(request, "to_class", "Lớp chuyển đến",
                                  ClassGroup.objects.select_related("school", "school_year"))
        if to_class is None:
            raise DomainError("Hãy chọn lớp chuyển đến.", {"Lớp chuyển đến": ["Chưa chọn lớp."]})
        seen = _posted_object(request, "from_class", "Lớp hiện tại", ClassGroup.objects.all())
        move = services.student_class_move(student=student, to_class=to_class, by=request.user, reason=reason,
                                           from_class=seen)
    except DomainError as exc:
        if isinstance(exc, PermissionDeniedError):
            raise
        student, enrolment = _student_to_move(request.user, student_id)  # where the student is now
        context = _move_context(student, enrolment, refusal=exc.message, refusal_items=_errors_list(exc),
                                chosen=int(raw_to) if raw_to.isascii() and raw_to.isdigit() else None, reason=reason)
        return render(request, "gradebook/student_move.html", context,
                      status=409 if isinstance(exc, StaleWriteError) else 422)
    moved = [f"{move.scores} dòng điểm môn học"] if move.scores else []
    if move.homeroom:
        moved.append(f"{move.homeroom} học kì rèn luyện, chuyên cần")
    if move.years:
        moved.append("thông tin cả năm")
    messages.success(request, f"Đã chuyển {student.full_name} từ lớp {move.source.name} sang lớp {move.target.name}"
                              + (f", cùng {', '.join(moved)}." if moved else "."))
    return redirect("people:student_detail", pk=student.pk)


# --- closing ----------------------------------------------------------------------------

def _run_json(run: ClosingRun) -> dict:
    return {**run.progress(), "period": run.get_period_display(),
            "scope": run.school.name if run.school else "Toàn thành phố"}


@requires("gradebook:closing:run")
def closing(request):
    """Tổng kết: one button per school (principal, school admin) and for the city (Department)."""
    schools, city = page_selectors.closing_scope(user=request.user)
    year = current_school_year()
    runs = page_selectors.closing_runs(user=request.user, year=year)
    readiness = page_selectors.closing_readiness(schools=schools, year=year, city=city)
    return render(request, "gradebook/closing.html", {
        "schools": [(school, readiness[school.pk]) for school in schools], "city": readiness[None] if city else None,
        "year": year, "periods": Period.choices,
        "runs": [(_run_json(r), r) for r in runs]})


@requires("gradebook:closing:run")
@require_POST
def closing_start(request):
    """Start a background closing of a school (or the city) for a term or the year."""
    try:
        school = _posted_object(request, "school", "Trường", School.objects.all())
        run = services.closing_run_start(school=school, period=request.POST.get("period", ""),
                                         by=request.user)
    except DomainError as exc:
        _flash_error(request, exc)
        return redirect("gradebook:closing")
    messages.success(request, f"Đã bắt đầu tổng kết {run.get_period_display()} "
                              f"({school.name if school else 'toàn thành phố'}).")
    return redirect(f"{reverse('gradebook:closing')}?run={run.pk}")


@requires("gradebook:closing:run")
def closing_status(request):
    """JSON progress of the user's recent closing runs (``?run=ID`` for one), polled by the page."""
    run_id = request.GET.get("run")
    if run_id is not None and not run_id.isdigit():
        return JsonResponse({"message": "Mã lượt tổng kết không hợp lệ."}, status=422)
    runs = page_selectors.closing_runs(user=request.user, year=None, run_id=int(run_id) if run_id else None)
    if run_id and not runs:
        return JsonResponse({"message": "Không tìm thấy lượt tổng kết."}, status=404)
    return JsonResponse({"runs": [_run_json(r) for r in runs]})


@requires("gradebook:aggregate:view")
def aggregate_list(request):
    """Tổng hợp sổ điểm: each school's entry, locks and results in numbers (no name, no score)."""
    period = request.GET.get("ky", Period.YEAR)
    if period not in Period.values:
        period = Period.YEAR
    year = current_school_year()
    late_only = request.GET.get("cham") == "1"
    rows, total = aggregates.school_summaries(schools=aggregates.visible_schools(user=request.user), year=year,
                                              period=period, today=timezone.localdate(), late_only=late_only)
    return render(request, "gradebook/aggregates.html", {
        "rows": rows, "total": total, "year": year, "period": period, "periods": Period.choices,
        "period_label": Period(period).label, "levels": aggregates.LEVELS, "late_only": late_only,
        "deadlines": aggregates.plan_deadlines(year=year, total=total),
        "may_see_certificates": has_any(request.user, "signing:certificate:progress")})


def _register_nav() -> None:
    from hocba.core.context_processors import NAV_ITEMS

    for label, name, perm in (("Sổ điểm", "gradebook:my_sheets", "gradebook:sheet:view"),
                              ("Tổng kết", "gradebook:closing", "gradebook:closing:run"),
                              ("Tổng hợp sổ điểm", "gradebook:aggregate_list", "gradebook:aggregate:view")):
        if not any(item[1] == name for item in NAV_ITEMS):
            register_nav(label, name, perm)


_register_nav()
