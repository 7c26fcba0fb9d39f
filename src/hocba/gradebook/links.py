"""Links to the sổ điểm (gradebook) pages from the class, school and student pages (see core.links).

Each link is shown under the same rule as its page's view checks: the homeroom page and the
subject grids with ``may_view_sheet``, the school's locks page with ``may_view_school_locks``,
the closing page with ``may_run_closing``, the student's class move with ``may_move_student``.

Kind ``"admission"`` (a ClassGroup chosen on people's Thêm học sinh page): not a way to a page but what the
school board must know before admitting a student there — each term whose sổ điểm is locked for the class, as a
Vietnamese sentence, linked to the school's locks page of that term. ``people`` imports nothing from gradebook
(the arrows go one way), so it asks for these through :func:`hocba.core.links.page_link_list`.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q
from django.urls import reverse

from hocba.core.links import PageLink, register_page_links
from hocba.core.permissions import has_any
from hocba.gradebook import moves
from hocba.gradebook import permissions as perms
from hocba.gradebook.models import GradebookLock, LockLevel

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


#: term number → its name in a sentence ("học kì II").
TERM_WORDS = {1: "học kì I", 2: "học kì II"}


def admission_links(user, class_group) -> Iterator[PageLink]:
    """Per term, in order, the locks on the class's sổ điểm a new student's scores would meet (the rule of
    ``locks.edit_status``: the school's or the class's lock holds every subject; a subject's lock holds that
    subject), in one query: "Sổ điểm lớp 9A1 đã khoá học kì II: …". The link goes to the school's locks page
    of the term for whoever may see it (the school board, who admits); else the sentence stands alone."""
    locks = (GradebookLock.objects.filter(Q(level=LockLevel.SCHOOL) | Q(class_group=class_group),
                                          school_id=class_group.school_id, school_year_id=class_group.school_year_id)
             .select_related("subject").order_by("term", "subject__display_order", "subject__code"))
    by_term: dict[int, list[GradebookLock]] = {}
    for lock in locks:
        by_term.setdefault(lock.term, []).append(lock)
    may_see = perms.may_view_school_locks(user, class_group.school_id)
    for term, held in by_term.items():
        if any(lock.level != LockLevel.SUBJECT for lock in held):
            text = (f"Sổ điểm lớp {class_group.name} đã khoá {TERM_WORDS[term]}: điểm của học sinh mới chỉ nhập "
                    "được sau khi Hiệu trưởng mở khoá.")
        else:
            names = ", ".join(dict.fromkeys(lock.subject.name for lock in held if lock.subject_id))
            text = (f"Lớp {class_group.name} đã chốt điểm {TERM_WORDS[term]} các môn {names}: điểm các môn này của "
                    "học sinh mới chỉ nhập được sau khi Hiệu trưởng mở khoá.")
        yield PageLink(text, reverse("gradebook:school_locks", args=[class_group.school_id, term]) if may_see else "")


def register() -> None:
    register_page_links("class", class_links)
    register_page_links("teaching", teaching_links)
    register_page_links("school", school_links)
    register_page_links("student", student_links)
    register_page_links("admission", admission_links)
