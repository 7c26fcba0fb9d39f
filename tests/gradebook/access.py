"""Access rules of the gradebook pages (merged into tests/core/test_access_matrix.py).

Scores are individual data: the Department and communes do not open sheets (they read the
numbers per school on Tổng hợp sổ điểm, with the school board); subject teachers open their own
subject; the homeroom teacher the whole class; the school board the school. Closing is started by
the principal or the school admin for a school and by the Department for the city; a student is moved to another
class of the school (Chuyển lớp) by the school admin and the principal.
"""

from __future__ import annotations

SCHOOL_BOARD = {"bgh", "hieutruong", "phohieutruong"}

PAGES = {
    "gradebook:my_sheets": SCHOOL_BOARD | {"gvcn", "gvbm"},
    # gvcn's class, Toán (taught there by gvbm), term I.
    "gradebook:sheet": SCHOOL_BOARD | {"gvcn", "gvbm"},
    "gradebook:cell_history": SCHOOL_BOARD | {"gvcn", "gvbm"},
    "gradebook:sheet_export": SCHOOL_BOARD | {"gvcn", "gvbm"},
    "gradebook:homeroom": SCHOOL_BOARD | {"gvcn"},
    "gradebook:homeroom_year": SCHOOL_BOARD | {"gvcn"},
    "gradebook:class_summary_export": SCHOOL_BOARD | {"gvcn"},
    "gradebook:school_locks": SCHOOL_BOARD,
    "gradebook:closing": {"so", "bgh", "hieutruong"},
    "gradebook:closing_status": {"so", "bgh", "hieutruong"},
    "gradebook:aggregate_list": SCHOOL_BOARD | {"so", "xa"},
    # Chuyển lớp (a student of gvcn's class): the school board and the principal, as for enrolments. The POST is
    # tested with bodies in tests/gradebook/test_class_move.py.
    "gradebook:student_move": {"bgh", "hieutruong"},
}
#: POST-only endpoints; tested with bodies in tests/gradebook/test_pages.py.
API_WRITES = {
    "gradebook:cell_save", "gradebook:subject_finalise", "gradebook:sheet_import", "gradebook:homeroom_save",
    "gradebook:class_close",
    "gradebook:school_lock", "gradebook:lock_remove", "gradebook:edit_grant", "gradebook:edit_grant_revoke",
    "gradebook:closing_start", "gradebook:homeroom_year_save",
}


def url_kwargs(name: str):
    if not name.startswith("gradebook:"):
        return None
    from hocba.org.models import ClassGroup, Subject
    from hocba.people.models import ACTIVE_STATUSES, Enrolment

    cls = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn", school_year__is_current=True)
    toan = Subject.objects.get(code="TOAN")
    if name in ("gradebook:sheet", "gradebook:sheet_export"):
        return {"class_id": cls.pk, "subject_id": toan.pk, "term": 1}
    if name == "gradebook:cell_history":
        student = (Enrolment.objects.filter(class_group=cls, status__in=ACTIVE_STATUSES)
                   .order_by("student__sort_name").values_list("student_id", flat=True)[0])
        return {"class_id": cls.pk, "subject_id": toan.pk, "term": 1, "student_id": student, "field": "tx1"}
    if name in ("gradebook:homeroom", "gradebook:class_summary_export"):
        return {"class_id": cls.pk, "term": 1}
    if name == "gradebook:homeroom_year":
        return {"class_id": cls.pk}
    if name == "gradebook:student_move":
        return {"student_id": Enrolment.objects.filter(class_group=cls, status__in=ACTIVE_STATUSES)
                .order_by("student__sort_name").values_list("student_id", flat=True)[0]}
    if name == "gradebook:school_locks":
        return {"school_id": cls.school_id, "term": 1}
    return {}
