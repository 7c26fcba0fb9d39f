"""The signing pages as their users see them: a class, the school's batch with progress, certificates,
validation of an uploaded PDF."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocba.org.models import School
from hocba.people.models import Teacher
from hocba.records import archive
from hocba.signing import pki
from hocba.signing.core.pki import PersonSpec
from hocba.signing.models import Certificate, Signature, SigningBatch, SignRole, SubjectConfirmation
from tests.signing.djangofix import SECRET, archive_dir, composed, confirm_all, current_versions, homeroom_class, users  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_subject_teacher_confirms_and_homeroom_teacher_signs_the_class(composed, login, immediate_tasks,
                                                                       django_capture_on_commit_callbacks):
    url = reverse("signing:class", args=[composed.pk])
    page = login("gvbm").get(url).content.decode()
    assert "Xác nhận các môn tôi dạy" in page and "Ký toàn bộ lớp" not in page
    assert "Môn còn chờ giáo viên bộ môn xác nhận" in page
    response = login("gvbm").post(reverse("signing:class_confirm", args=[composed.pk]), follow=True)
    assert "Đã xác nhận" in response.content.decode()
    versions = current_versions(composed)
    assert SubjectConfirmation.objects.filter(subject_name="Toán").count() == len(versions)

    gvcn = login("gvcn")
    page = gvcn.get(url).content.decode()
    assert "Ký toàn bộ lớp" in page and "Mã PIN / mật khẩu khoá ký" in page
    refused = gvcn.post(reverse("signing:class_sign", args=[composed.pk]), {"secret": SECRET}, follow=True)
    assert "Chưa đủ xác nhận của giáo viên bộ môn" in refused.content.decode()
    confirm_all(composed)
    with django_capture_on_commit_callbacks(execute=True):
        gvcn.post(reverse("signing:class_sign", args=[composed.pk]), {"secret": SECRET})
    assert Signature.objects.filter(role=SignRole.HOMEROOM).count() == len(versions)
    status = gvcn.get(reverse("signing:class_status", args=[composed.pk])).json()
    assert status["finished"] and status["done"] == len(versions) and status["percent"] == 100
    page = gvcn.get(url).content.decode()
    assert f"{len(versions)}/{len(versions)} học bạ đã có chữ ký của giáo viên chủ nhiệm" in page
    assert page.count("<span class=\"ok\">đủ</span>") == len(versions)
    assert "Giáo viên chủ nhiệm: " in page


def test_principal_signs_the_school_with_progress(composed, login, immediate_tasks,
                                                  django_capture_on_commit_callbacks):
    from hocba.signing.batch import signing_batch_start

    gvcn, = users("gvcn")
    confirm_all(composed)
    signing_batch_start(class_group=composed, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET, run_inline=True)
    ht = login("hieutruong")
    url = reverse("signing:school", args=[composed.school_id])
    page = ht.get(url).content.decode()
    assert "Ký toàn trường" in page and "đang chờ Hiệu trưởng ký" in page and "data-batch-status" in page
    assert "Ký toàn trường" not in login("bgh").get(url).content.decode()  # the school admin does not sign
    wrong = ht.post(reverse("signing:school_sign", args=[composed.school_id]), {"secret": "sai"}, follow=True)
    assert "Không mở được khoá ký" in wrong.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        ht.post(reverse("signing:school_sign", args=[composed.school_id]), {"secret": SECRET})
    batch = SigningBatch.objects.get(role=SignRole.PRINCIPAL)
    assert batch.status == SigningBatch.Status.DONE and batch.done == len(current_versions(composed))
    status = ht.get(reverse("signing:school_status", args=[composed.school_id])).json()
    assert status["status"] == "done" and status["failed"] == 0 and status["total"] == batch.done
    # Then the school's seal, from the same page, completes the records ("Đã ký đủ").
    n = len(current_versions(composed))
    page = ht.get(url).content.decode()
    assert f"<strong>{n}</strong> học bạ đã có chữ ký của Hiệu trưởng, đang chờ đóng dấu" in page
    assert "Đóng dấu toàn trường" in page and "Đóng dấu toàn trường" not in login("bgh").get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = ht.post(reverse("signing:school_sign", args=[composed.school_id]), {"secret": SECRET, "role": "seal"},
                       follow=True)
    assert f"Đã bắt đầu đóng dấu {n} học bạ" in done.content.decode()
    assert SigningBatch.objects.get(role=SignRole.SEAL).done == n
    assert all(v.status == "sealed" for v in current_versions(composed))
    assert ht.get(reverse("signing:school_status", args=[composed.school_id])).json()["role"] == "seal"


def test_certificates_page_shows_progress_and_registers_an_upload(city, login):
    so = login("so").get(reverse("signing:certificates")).content.decode()
    schools = list(School.objects.order_by("name"))
    assert all(s.name in so for s in schools) and "16/12/2025" in so
    with_certs = School.objects.get(classes__homeroom_teacher__user__username="gvcn")
    others = [s for s in schools if s.pk != with_certs.pk]
    assert "100%" in so and "0%" in so  # the demo school is fully provisioned, the others not yet
    lacking = Teacher.objects.filter(school=others[0]).order_by("full_name").first()
    assert lacking.full_name in so

    bgh = login("bgh")
    page = bgh.get(reverse("signing:certificates")).content.decode()
    assert "Đăng ký chứng thư số" in page and others[0].name not in page
    teacher = Teacher.objects.filter(school=with_certs).order_by("pk").first()
    Certificate.objects.filter(teacher=teacher).delete()
    page = bgh.get(reverse("signing:certificates")).content.decode()
    assert teacher.full_name in page  # now missing
    issued = pki.demo_pki().issue(PersonSpec(f"up-{teacher.pk}", teacher.full_name, teacher.personal_id or ""))
    der = x509.load_pem_x509_certificate(issued.cert_path.read_bytes()).public_bytes(Encoding.DER)
    upload = SimpleUploadedFile("cert.der", der)
    response = bgh.post(reverse("signing:certificate_upload"),
                        {"owner": str(teacher.pk), "backend": "pkcs11", "token": "hocba", "key_label": "k1",
                         "certificate": upload}, follow=True)
    assert "Đã đăng ký chứng thư số" in response.content.decode()
    cert = Certificate.objects.get(teacher=teacher)
    assert cert.backend == "pkcs11" and cert.backend_ref["key_label"] == "k1"
    bad = bgh.post(reverse("signing:certificate_upload"), {"owner": str(teacher.pk), "backend": "pkcs11",
                                                          "certificate": SimpleUploadedFile("x.pem", b"hello")},
                   follow=True)
    assert "không phải chứng thư số" in bad.content.decode()
    foreign = Teacher.objects.filter(school=others[0]).first()
    assert bgh.post(reverse("signing:certificate_upload"), {"owner": str(foreign.pk), "backend": "pkcs11",
                                                           "certificate": SimpleUploadedFile("c.pem", b"x")}
                    ).status_code == 403


def test_validation_page_reports_in_vietnamese(composed, login):
    from hocba.signing.batch import signing_batch_start

    gvcn, = users("gvcn")
    confirm_all(composed)
    signing_batch_start(class_group=composed, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET, run_inline=True)
    version = current_versions(composed)[0]
    client = login("so")
    page = client.post(reverse("signing:validate"), {"pdf": SimpleUploadedFile(
        "hocba.pdf", archive.archive_get(version.signed_pdf_sha256), content_type="application/pdf")}).content.decode()
    assert "HỢP LỆ" in page and "KHÔNG HỢP LỆ" not in page and "Tin cậy" in page and "Giáo viên chủ nhiệm" in page
    assert "Chưa đủ chữ ký" in page  # the principal's and the seal's boxes are still empty
    junk = client.post(reverse("signing:validate"), {"pdf": SimpleUploadedFile("x.pdf", b"not a pdf")})
    assert "KHÔNG HỢP LỆ" in junk.content.decode() and "không phải PDF" in junk.content.decode()


def test_starting_a_class_batch_counts_only_the_records_ready_to_sign(composed, login):
    """Records still missing a subject teacher's confirmation are not signed: the start message says how many
    will be signed and how many wait (it said "4" when 3 of the 4 were sure to fail)."""
    from hocba.signing.workflow import confirm_as_assigned_teachers

    versions = current_versions(composed)
    confirm_as_assigned_teachers(version=versions[0], source="test")
    response = login("gvcn").post(reverse("signing:class_sign", args=[composed.pk]), {"secret": SECRET},
                                  follow=True)
    text = response.content.decode()
    assert (f"Đã bắt đầu ký 1 học bạ của lớp {composed.name}; {len(versions) - 1} học bạ chưa đủ xác nhận "
            "của giáo viên bộ môn sẽ chưa được ký.") in text
