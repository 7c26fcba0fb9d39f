"""Links to the sổ điểm (gradebook) pages from the class, school and student pages (see core.links).

Each link is shown under the same rule as its page's view checks: the homeroom page and the
subject grids with ``may_view_sheet``, the school's locks page with ``may_view_school_locks``,
the closing page with ``may_run_closing``, the student's class move with ``may_move_student``.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from hocba.core.links import PageLink, register_page_links
from hocba.core.permissions import has_any
from hocba.gradebook import moves
from hocba.gradebook import permissions as perms

#: term number → its short name on buttons and in table cells.
TERMS = {1: "HK I", 2: "HK II"}


def class_links(user, class_group) -> Iterator[PageLink]:
    """The class's homeroom page per term and for the whole year: its homeroom teacher and the school board."""
    if perms.may_view_sheet(user, class_group):
        for term, name in TERMS.items():
            yield PageLink(f"Sổ điểm {name}", reverse("gradebook:homeroom", args=[class_group.pk, term]))
        yield PageLink("Sổ điểm cả năm", reverse("gradebook:homeroom_year", args=[class_group.pk]))


def teaching_links(user, assignment) -> Iterator[PageLink]:
    """One subject's grid per term: its subject teacher, the homeroom teacher, the school board."""
    if perms.may_view_sheet(user, assignment.class_group, assignment.subject_id):
        for term, name in TERMS.items():
            yield PageLink(name, reverse("gradebook:sheet",
                                         args=[assignment.class_group_id, assignment.subject_id, term]))


def school_links(user, school) -> Iterator[PageLink]:
    """Khoá sổ per term (the school board; only the principal locks there) and Tổng kết."""
    if perms.may_view_school_locks(user, school.pk):
        for term, name in TERMS.items():
            yield PageLink(f"Khoá sổ toàn trường {name}", reverse("gradebook:school_locks", args=[school.pk, term]))
    if perms.may_run_closing(user, school.pk):
        yield PageLink("Tổng kết", reverse("gradebook:closing"))
    if perms.may_view_aggregates(user, school):
        yield PageLink("Tổng hợp sổ điểm", f"{reverse('gradebook:aggregate_list')}#truong-{school.pk}")


def student_links(user, student) -> Iterator[PageLink]:
    """Chuyển lớp: the school board and the principal of the school the student is in this year. Only they pay a
    query (the student's enrolment: a single object's page, not a list)."""
    if not has_any(user, "gradebook:student:move"):
        return
    enrolment = moves.student_enrolment(student=student)
    if enrolment is not None and perms.may_move_student(user, enrolment.class_group.school_id):
        yield PageLink("Chuyển lớp", reverse("gradebook:student_move", args=[student.pk]))


def register() -> None:
    register_page_links("class", class_links)
    register_page_links("teaching", teaching_links)
    register_page_links("school", school_links)
    register_page_links("student", student_links)
