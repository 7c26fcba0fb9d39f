"""A record no longer shows what the gradebook holds: the class's records page says so, per student."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from hocba.records.selectors import out_of_date
from tests.gradebook.test_demo import seeded  # noqa: F401  (fixture: the demo year, closed and signed)

AT = dt.datetime(2026, 5, 25, 9, 0, tzinfo=dt.UTC)


class _Version:
    created_at = AT


@pytest.mark.parametrize(("changed", "would_change", "words"), [
    (False, False, ""),
    (True, False, "Điểm đã sửa sau lần tổng kết năm"),
    (False, True, "Kết quả tổng kết mới hơn học bạ"),
    (True, True, "Điểm đã sửa sau lần tổng kết năm"),  # the closing must run again first
])
def test_what_a_record_is_behind_on(changed, would_change, words):
    said = out_of_date(version=_Version(), score_changed=changed, would_change=would_change)
    assert (words in said) if words else said == ""
    assert out_of_date(version=None, score_changed=changed, would_change=would_change) == ""


def _notes(client, class_id) -> dict[str, str]:
    import re

    html = client.get(reverse("records:class_records", args=[class_id])).content.decode()
    rows = re.findall(r"<tr>\s*<td>\d+</td><td><a [^>]*>([^<]+)</a></td>(.*?)</tr>", html, flags=re.S)
    return {name: (re.search(r'class="notice out-of-date">([^<]+)<', rest) or [None, ""])[1] for name, rest in rows}


@pytest.mark.django_db
def test_a_mark_corrected_after_signing_shows_on_the_records_page_until_closed_and_composed_again(seeded):
    from hocba.gradebook import services
    from hocba.gradebook.closing import close_classes
    from hocba.gradebook.models import SubjectTermScore
    from hocba.org.models import ClassGroup, Subject

    users = get_user_model().objects
    cls = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn")
    toan = Subject.objects.get(code="TOAN")
    client = Client()
    client.force_login(users.get(username="gvcn"))
    before = _notes(client, cls.pk)
    assert before and not any(before.values())  # freshly signed: nothing behind
    row = SubjectTermScore.objects.filter(class_group=cls, subject=toan, term=2).first()
    services.score_update(class_group=cls, subject=toan, student_id=row.student_id, term=2, field="ck",
                          raw="9,5" if row.ck != "9.5" else "9,0", expected=row.ck, by=users.get(username="gvbm"))
    name = row.student.full_name
    notes = _notes(client, cls.pk)
    assert "Điểm đã sửa sau lần tổng kết năm" in notes[name]
    assert not any(note for other, note in notes.items() if other != name)
    close_classes(class_ids=[cls.pk], period="year")  # every result is newer; only one record would change
    notes = _notes(client, cls.pk)
    assert "Kết quả tổng kết mới hơn học bạ" in notes[name]
    assert not any(note for other, note in notes.items() if other != name)
    from hocba.records.services import compose_class

    compose_class(class_group=cls, by=users.get(username="hieutruong"))
    assert not any(_notes(client, cls.pk).values())
