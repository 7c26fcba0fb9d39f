"""Số đăng bộ: the profile and the document keep the number alone; the book prints it once as "<số>/THCS"."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from hocba.people.models import Student
from hocba.records import archive
from hocba.records.models import YearRecord
from hocba.records.services import compose_class

pytestmark = pytest.mark.django_db


def test_the_demo_city_stores_register_numbers_without_the_level(city):
    numbers = list(Student.objects.values_list("register_number", flat=True))
    assert numbers and all(re.fullmatch(r"\d{4}", n) for n in numbers), numbers[:5]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed")
def test_the_record_prints_the_register_number_with_its_level_once(homeroom_class, staff):
    compose_class(class_group=homeroom_class, by=staff["gvcn"])
    student = Student.objects.get(user__username="hocsinh")
    version = YearRecord.objects.get(student=student).current_version
    assert version.document["student"]["register_number"] == student.register_number
    cover = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-enc", "UTF-8", "-", "-"],
                           input=archive.archive_get(version.pdf_sha256), capture_output=True, check=True
                           ).stdout.decode()
    assert f"Số đăng bộ: {student.register_number}/THCS" in cover
    assert "/THCS/THCS" not in cover
