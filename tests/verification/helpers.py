"""Test helpers: a corrected (second) version of a signed record, PDF variants."""

from __future__ import annotations

from io import BytesIO

from hocba.gradebook.closing import close_classes
from hocba.records.services import record_compose


def correct_and_recompose(*, class_group, student, staff):
    """The real correction path: reopen, correct one score, close again, compose → version 2."""
    from hocba.gradebook import services as gb

    math = class_group.assignments.get(subject__code="TOAN").subject
    gb.subject_finalise(class_group=class_group, subject=math, term=2, by=staff["gvbm"])
    lock = class_group.locks.get(subject=math, term=2)
    gb.lock_remove(lock=lock, reason="Nhập nhầm điểm cuối kì môn Toán", by=staff["hieutruong"])
    gb.edit_grant_create(school=class_group.school, class_group=class_group, subject=math,
                         reason="Sửa điểm nhập nhầm sau hạn", days=2, by=staff["hieutruong"])
    gb.score_update(class_group=class_group, subject=math, student_id=student.pk, term=2, field="ck",
                    raw="10", expected="8,0", by=staff["gvbm"])
    close_classes(class_ids=[class_group.pk], period="hk2")
    close_classes(class_ids=[class_group.pk], period="year")
    return record_compose(student=student, class_group=class_group, by=staff["gvcn"]).version


def incremental_noop(pdf: bytes) -> bytes:
    """Re-save with an (empty) incremental update, as a PDF editor's "save" does."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def with_open_action_javascript(pdf: bytes) -> bytes:
    """Append an incremental update that makes the document run JavaScript when opened."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    action = generic.DictionaryObject({
        generic.NameObject("/S"): generic.NameObject("/JavaScript"),
        generic.NameObject("/JS"): generic.TextStringObject("app.alert('hello');"),
    })
    writer.root[generic.NameObject("/OpenAction")] = writer.add_object(action)
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def unsigned_pdf(text: str = "Bản quét học bạ") -> bytes:
    """A PDF with no signature (what a scan or a "print to PDF" gives)."""
    import typst

    return typst.compile(f"#set page(paper: \"a4\")\n{text}".encode())
