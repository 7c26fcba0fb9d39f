"""Links to the ký số (signing) pages from the class and school pages (see core.links)."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from hocba.core.links import PageLink, register_page_links
from hocba.signing.permissions import may_view_class, may_view_school


def class_links(user, class_group) -> Iterator[PageLink]:
    """Confirming and signing the class's records: the school board and the class's teachers."""
    if may_view_class(user, class_group):
        yield PageLink("Ký số học bạ", reverse("signing:class", args=[class_group.pk]))


def school_links(user, school) -> Iterator[PageLink]:
    """The principal's signing of the whole school and its progress: the school board."""
    if may_view_school(user, school.pk):
        yield PageLink("Ký số học bạ toàn trường", reverse("signing:school", args=[school.pk]))


def register() -> None:
    register_page_links("class", class_links)
    register_page_links("school", school_links)
