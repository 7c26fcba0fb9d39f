"""Pages of the học bạ: a student's book, a class's record status, downloads."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hocba.core.access import forbidden, requires
from hocba.core.audit import audit_record
from hocba.org.selectors import class_get
from hocba.records import archive, selectors, services
from hocba.records.permissions import (
    may_compose_class,
    may_open_class_books,
    may_view_class_records,
    offers_record_json,
)
from hocba.verification.services import access_log_read


@requires("records:record:view")
def book(request, student_id: int):
    student, records = selectors.book_get(user=request.user, student_id=student_id)
    if records:
        audit_record(actor=request.user, action="records:book:view", object_type="student", object_id=student.pk,
                     school_id=records[-1].school_id)
    for record in records:
        if record.current_version is not None:
            access_log_read(user=request.user, version=record.current_version,
                            what="Xem sổ học bạ trên trang quản lý của nhà trường")
    return render(request, "records/book.html", {"student": student, "records": records,
                                                 "offer_json": offers_record_json(request.user)})


def _download(request, version_id: int, kind: str):
    version = selectors.version_get(user=request.user, version_id=version_id)
    sha = version.json_sha256 if kind == "json" else (version.signed_pdf_sha256 or version.pdf_sha256)
    data = archive.archive_get(sha)
    audit_record(actor=request.user, action=f"records:version:download_{kind}", object_type="record_version",
                 object_id=version.pk, school_id=version.year_record.school_id)
    access_log_read(user=request.user, version=version,
                    what=f"Tải tệp {kind.upper()} phiên bản {version.number} từ trang quản lý")
    content_type = "application/json" if kind == "json" else "application/pdf"
    response = HttpResponse(data, content_type=content_type)
    name = f"hocba-{version.verification_code}-v{version.number}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires("records:record:view")
def version_pdf(request, version_id: int):
    return _download(request, version_id, "pdf")


@requires("records:record:view")
def version_json(request, version_id: int):
    return _download(request, version_id, "json")


@requires("records:class:status")
def class_records(request, class_id: int):
    class_group = class_get(user=request.user, pk=class_id)
    if not may_view_class_records(request.user, class_group):
        return forbidden(request)
    return render(request, "records/class_records.html", {
        "class_group": class_group, "rows": selectors.class_records(class_group=class_group),
        "may_compose": may_compose_class(request.user, class_group),
        "may_open_books": may_open_class_books(request.user, class_group)})


@require_POST
@requires("records:record:compose")
def class_compose(request, class_id: int):
    class_group = class_get(user=request.user, pk=class_id)
    if not may_compose_class(request.user, class_group):
        return forbidden(request)
    report = services.compose_class(class_group=class_group, by=request.user)
    text = (f"Đã lập {report.created} học bạ mới, cập nhật {report.updated}, {report.new_versions} phiên bản sửa "
            f"chữa, {report.unchanged} không đổi.")
    if report.failed:
        messages.error(request, text + f" {len(report.failed)} học sinh chưa lập được (xem lý do trong bảng).")
    else:
        messages.success(request, text)
    return redirect("records:class_records", class_id=class_group.pk)
