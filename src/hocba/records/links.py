"""Links to the học bạ pages from the class and student pages (see core.links)."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from hocba.core.links import PageLink, register_page_links
from hocba.core.permissions import has_any
from hocba.records.permissions import may_open_book, may_view_class_records


def class_links(user, class_group) -> Iterator[PageLink]:
    """The class's record status: the school board and the class's teachers (as ``class_records`` checks)."""
    if may_view_class_records(user, class_group):
        yield PageLink("Học bạ của lớp", reverse("records:class_records", args=[class_group.pk]))


def student_links(user, student) -> Iterator[PageLink]:
    """The student's book, for a user who may open it (:func:`may_open_book`: the one link of the student page
    that costs a query — a single object's page, not a list)."""
    if has_any(user, "records:record:view") and may_open_book(user, student):
        yield PageLink("Xem học bạ", reverse("records:book", args=[student.pk]))


def register() -> None:
    register_page_links("class", class_links)
    register_page_links("student", student_links)
