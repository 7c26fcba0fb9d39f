"""Links from a page to the pages of later apps, shown only to users who may open them.

The class, school and student pages belong to ``org`` and ``people``, which import nothing from
the apps after them (gradebook → records → signing: every arrow goes one way). Those apps
register here, per kind of object, a provider that yields the links to their own pages that a
user may open, checked with the same permission helpers as the target view uses; the page then
asks :func:`page_link_list` for the links of its object, so a page never shows a link that leads
to "Không có quyền truy cập".

Kinds: ``"school"`` (a School), ``"class"`` (a ClassGroup), ``"teaching"`` (a TeachingAssignment
with its class loaded: one subject of one class) and ``"student"`` (a Student the user may view).
Providers must read only the user's scope (no query per link: the pages' query counts are pinned).

``"home"`` (the user themself): the home page's next steps that wait for the user in a later app
("còn 32 học bạ chờ bạn xác nhận"), shown only when something waits; such a provider may read the
database, in a fixed number of queries whatever the user's classes and records.

``"admission"`` (a ClassGroup chosen on the Thêm học sinh page): not a way to a page but what the school board
must know before admitting a student there (its locked terms, from the gradebook), one query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Model


@dataclass(frozen=True)
class PageLink:
    """One link: the text the user sees and where it goes."""

    label: str
    url: str


LinkProvider = Callable[[object, Model], Iterable[PageLink]]

#: kind → the providers registered for it, in registration (app) order.
LINK_PROVIDERS: dict[str, list[LinkProvider]] = {}


def register_page_links(kind: str, provider: LinkProvider) -> None:
    """Apps call this once (from ``AppConfig.ready``) for each kind of page they link from."""
    providers = LINK_PROVIDERS.setdefault(kind, [])
    if provider not in providers:
        providers.append(provider)


def page_link_list(*, user, kind: str, obj: Model) -> list[PageLink]:
    """The links of ``obj``'s page that ``user`` may open (none for an unknown kind)."""
    return [link for provider in LINK_PROVIDERS.get(kind, ()) for link in provider(user, obj)]
