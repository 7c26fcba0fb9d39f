"""The class page's link to "Thêm học sinh" (see core.links)."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from hocba.core.links import PageLink, register_page_links
from hocba.core.permissions import reaches_class


def class_links(user, class_group) -> Iterator[PageLink]:
    """A class of the current year, for its school's board (as ``student_admit`` checks; no query)."""
    if class_group.school_year.is_current and reaches_class(user, "people:student:enrol", class_group):
        yield PageLink("Thêm học sinh vào lớp", f"{reverse('people:student_admit')}?lop={class_group.pk}")


def register() -> None:
    register_page_links("class", class_links)
