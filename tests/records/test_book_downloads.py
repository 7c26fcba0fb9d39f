"""The book page's downloads: the PDF for everyone who may see the record, the JSON for school staff only."""

from __future__ import annotations

from hocba.people.models import Student
from hocba.records.services import record_compose


def test_families_get_the_pdf_and_staff_also_the_json(homeroom_class, staff, login):
    student = Student.objects.get(user__username="hocsinh")  # the demo student, child of phuhuynh
    version = record_compose(student=student, class_group=homeroom_class, by=staff["gvcn"]).version
    book = f"/hoc-ba/hoc-sinh/{student.pk}/"
    pdf = f"/hoc-ba/phien-ban/{version.pk}/pdf/"
    json = f"/hoc-ba/phien-ban/{version.pk}/json/"
    for family_member in ("phuhuynh", "hocsinh"):
        page = login(family_member).get(book).content.decode()
        assert f'href="{pdf}"' in page
        assert f'href="{json}"' not in page and ">JSON<" not in page
    for school_staff in ("gvcn", "hieutruong"):
        page = login(school_staff).get(book).content.decode()
        assert f'href="{pdf}"' in page and f'href="{json}"' in page
