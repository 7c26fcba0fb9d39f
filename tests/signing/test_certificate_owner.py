"""A registered certificate stays with its owner: uploading it again for someone else (it is public, anyone can
copy it out of a signed PDF) is refused, and a person's certificate never becomes the school's seal."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocba.people.models import Teacher
from hocba.signing.models import Certificate

pytestmark = pytest.mark.django_db


def _upload(client, owner: str, pem: str):
    return client.post(reverse("signing:certificate_upload"),
                       {"owner": owner, "backend": "pkcs11", "certificate": SimpleUploadedFile("c.pem", pem.encode())},
                       follow=True)


def test_the_seal_certificate_is_not_moved_to_a_teacher(city, login):
    seal = Certificate.objects.filter(is_seal=True).select_related("school").first()
    teacher = Teacher.objects.filter(school=seal.school).order_by("pk").first()
    page = _upload(login("bgh"), str(teacher.pk), seal.pem).content.decode()
    assert "đã được đăng ký cho người khác" in page and f"con dấu số của {seal.school.name}" in page
    seal.refresh_from_db()
    assert seal.is_seal and seal.teacher_id is None and seal.backend == "pkcs12"
    assert "Con dấu số</th>" in page and "Chưa có</span>" not in page  # the school still has its seal


def test_a_teacher_certificate_is_not_moved_to_a_colleague_nor_to_the_seal(city, login):
    cert = Certificate.objects.filter(is_seal=False, teacher__user__username="gvcn").select_related("teacher").first()
    colleague = Teacher.objects.filter(school=cert.school).exclude(pk=cert.teacher_id).order_by("pk").first()
    Teacher.objects.filter(pk=colleague.pk).update(personal_id="")  # no CCCD on file: nothing to compare with
    bgh = login("bgh")
    refused = _upload(bgh, str(colleague.pk), cert.pem).content.decode()
    assert "đã được đăng ký cho người khác" in refused and cert.teacher.full_name in refused
    as_seal = _upload(bgh, f"seal:{cert.school_id}", cert.pem).content.decode()
    assert "Chứng thư số của cá nhân không dùng làm con dấu số của trường" in as_seal
    cert.refresh_from_db()
    assert cert.teacher.user.username == "gvcn" and not cert.is_seal


def test_registering_again_for_the_same_owner_updates_how_the_key_is_reached(city, login):
    cert = Certificate.objects.filter(is_seal=False, teacher__user__username="gvcn").first()
    page = _upload(login("bgh"), str(cert.teacher_id), cert.pem).content.decode()
    assert "Đã đăng ký chứng thư số" in page
    cert.refresh_from_db()
    assert cert.backend == "pkcs11" and cert.teacher.user.username == "gvcn"
