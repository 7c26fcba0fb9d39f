"""Links to the ký số (signing) pages from the home, class and school pages (see core.links)."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from hocba.core.links import PageLink, register_page_links
from hocba.signing.permissions import may_view_class, may_view_school
from hocba.signing.selectors import confirmation_due_list


def home_links(user, _user) -> Iterator[PageLink]:
    """A subject teacher's step before the homeroom teacher signs ("Xác nhận các môn tôi dạy"), on their home
    page: one link per class whose records still wait for their confirmation (none when nothing waits)."""
    for due in confirmation_due_list(user=user):
        yield PageLink(f"Còn {due.records} học bạ lớp {due.class_group.name} chờ bạn xác nhận môn "
                       f"{', '.join(due.subjects)} — Xác nhận các môn tôi dạy →",
                       reverse("signing:class", args=[due.class_group.pk]))


def class_links(user, class_group) -> Iterator[PageLink]:
    """Confirming and signing the class's records: the school board and the class's teachers."""
    if may_view_class(user, class_group):
        yield PageLink("Ký số học bạ", reverse("signing:class", args=[class_group.pk]))


def school_links(user, school) -> Iterator[PageLink]:
    """The principal's signing of the whole school and its progress: the school board."""
    if may_view_school(user, school.pk):
        yield PageLink("Ký số học bạ toàn trường", reverse("signing:school", args=[school.pk]))


def register() -> None:
    register_page_links("home", home_links)
    register_page_links("class", class_links)
    register_page_links("school", school_links)
