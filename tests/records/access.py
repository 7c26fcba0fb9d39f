"""Access rules of the học bạ pages (merged into tests/core/test_access_matrix.py)."""

from __future__ import annotations

SCHOOL_BOARD = {"bgh", "hieutruong", "phohieutruong"}

PAGES = {
    # The demo student's book: the school board, the homeroom teacher, the student and the guardian (the record
    # carries the whole profile, ethnicity included: not for a subject teacher, who sees the class's status).
    "records:book": SCHOOL_BOARD | {"gvcn", "hocsinh", "phuhuynh"},
    "records:class_records": SCHOOL_BOARD | {"gvcn", "gvbm"},
}
API_WRITES = {"records:class_compose", "records:version_pdf", "records:version_json"}


def url_kwargs(name: str):
    from hocba.org.models import ClassGroup
    from hocba.people.models import Student

    if name == "records:book":
        return {"student_id": Student.objects.get(user__username="hocsinh").pk}
    if name == "records:class_records":
        return {"class_id": ClassGroup.objects.get(homeroom_teacher__user__username="gvcn").pk}
    return None
