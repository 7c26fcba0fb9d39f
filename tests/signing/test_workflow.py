"""The signing workflow on a real composed học bạ: order, who, certificates, supersession, validation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from hocba.core.errors import DomainError, PermissionDeniedError
from hocba.people.models import Teacher
from hocba.records import archive
from hocba.records.models import RecordStatus, RecordVersion
from hocba.signing import pki
from hocba.signing.core.validate import validate_pdf
from hocba.signing.models import Signature, SignRole
from hocba.signing.workflow import confirm_as_assigned_teachers, subject_confirm, version_sign
from tests.signing.djangofix import (  # noqa: F401  (fixtures)
    SECRET,
    archive_dir,
    composed,
    current_versions,
    days,
    homeroom_class,
    register_certificate,
    users,
)

pytestmark = pytest.mark.django_db(transaction=False)


def _version(class_group):
    return current_versions(class_group)[0]


def test_order_is_enforced_and_the_signed_record_validates(composed, tmp_path):
    gvcn, gvbm, ht = users("gvcn", "gvbm", "hieutruong")
    version = _version(composed)

    with pytest.raises(DomainError) as principal_first:
        version_sign(version=version, role=SignRole.PRINCIPAL, by=ht, secret=SECRET)
    assert "giáo viên chủ nhiệm trước" in str(principal_first.value)

    with pytest.raises(DomainError) as unconfirmed:
        version_sign(version=version, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET)
    missing = unconfirmed.value.errors["Môn chưa xác nhận"]
    assert "Toán" in missing and len(missing) >= 5  # names the subjects still unconfirmed

    mine = subject_confirm(version=version, by=gvbm)  # gvbm teaches Toán in this class
    assert "Toán" in mine
    with pytest.raises(DomainError) as still:
        version_sign(version=version, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET)
    assert "Toán" not in still.value.errors["Môn chưa xác nhận"]
    confirm_as_assigned_teachers(version=version, source="test")

    with pytest.raises(PermissionDeniedError):  # a subject teacher is not the class's homeroom teacher
        version_sign(version=version, role=SignRole.HOMEROOM, by=gvbm, secret=SECRET)
    version_sign(version=version, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET)
    with pytest.raises(PermissionDeniedError):  # the homeroom teacher may not approve as principal
        version_sign(version=version, role=SignRole.PRINCIPAL, by=gvcn, secret=SECRET)
    with pytest.raises(DomainError, match="đã được ký ở vai trò này"):
        version_sign(version=version, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET)
    version_sign(version=version, role=SignRole.PRINCIPAL, by=ht, secret=SECRET)
    version_sign(version=version, role=SignRole.SEAL, by=ht, secret=SECRET)

    version.refresh_from_db()
    assert version.status == RecordStatus.SEALED
    assert list(Signature.objects.filter(version=version).values_list("role", flat=True)) == [
        "homeroom", "principal", "seal"]
    pdf = archive.archive_get(version.signed_pdf_sha256)
    report = validate_pdf(pdf, pki.trust_roots())
    assert report.all_valid, report.problems
    assert [s.field_name for s in report.signatures] == ["hocba_homeroom", "hocba_principal", "hocba_seal"]
    # Every earlier signature sees only later signatures filling their own boxes (the real document's
    # fields are prepared in signing order, so the principal's lock leaves the seal box open).
    assert [s.modification_level for s in report.signatures[:2]] == ["form_filling", "form_filling"]
    assert all(s.trusted and s.intact and s.timestamp_valid for s in report.signatures)

    # The independent validator agrees.
    path, roots = tmp_path / "signed.pdf", tmp_path / "roots.pem"
    path.write_bytes(pdf)
    roots.write_bytes(pki.demo_pki().export_roots_pem())
    out = subprocess.run([str(Path(sys.executable).parent / "pyhanko"), "sign", "validate", "--pretty-print",
                          "--trust-replace", "--trust", str(roots), "--no-revocation-check", str(path)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.count("The signer's certificate is trusted.") == 3
    assert out.stdout.count("The signature is judged VALID.") == 3
    assert "illegitimate" not in out.stdout


def test_field_locks_follow_the_signing_order(composed):
    """The FieldMDP lock of each prepared field leaves open exactly the boxes of the later signers."""
    version = _version(composed)
    reader = PdfFileReader(__import__("io").BytesIO(archive.archive_get(version.pdf_sha256)))
    locks = {}
    for field in reader.root["/AcroForm"]["/Fields"]:
        field = field.get_object()
        if "/Lock" in field:
            locks[str(field["/T"])] = sorted(str(f) for f in field["/Lock"].get("/Fields", []))
    assert locks == {"hocba_homeroom": ["hocba_principal", "hocba_seal"], "hocba_principal": ["hocba_seal"],
                     "hocba_seal": []}


def test_a_superseded_version_is_not_signed(composed):
    gvcn, ht = users("gvcn", "hieutruong")
    version = _version(composed)
    confirm_as_assigned_teachers(version=version, source="test")
    version_sign(version=version, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET)
    # A correction superseded it meanwhile (the records app marks the old version so).
    RecordVersion.objects.filter(pk=version.pk).update(status=RecordStatus.SUPERSEDED)
    with pytest.raises(DomainError, match="đã bị thay thế"):
        version_sign(version=version, role=SignRole.PRINCIPAL, by=ht, secret=SECRET)
    assert not Signature.objects.filter(version=version, role=SignRole.PRINCIPAL).exists()


@pytest.mark.parametrize(("kind", "reason"), [
    ("expired", "đã hết hạn"),
    ("future", "chưa có hiệu lực"),
    ("revoked", "đã bị thu hồi"),
])
def test_an_unusable_certificate_is_refused_with_the_reason(composed, kind, reason):
    gvcn, = users("gvcn")
    teacher = Teacher.objects.get(user=gvcn)
    when = {"expired": {"not_before": days(-400), "not_after": days(-1)},
            "future": {"not_before": days(10), "not_after": days(400)}, "revoked": {"revoke": True}}[kind]
    register_certificate(teacher, key=f"bad-{kind}-{teacher.pk}", **when)
    version = _version(composed)
    confirm_as_assigned_teachers(version=version, source="test")
    with pytest.raises(DomainError) as refused:
        version_sign(version=version, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET)
    assert any(reason in p for p in refused.value.errors["Chứng thư số"])
    assert not Signature.objects.filter(version=version).exists()


def test_a_wrong_person_certificate_is_refused(composed):
    gvcn, = users("gvcn")
    teacher = Teacher.objects.get(user=gvcn)
    other = Teacher.objects.filter(school=teacher.school).exclude(pk=teacher.pk).exclude(personal_id="").first()
    assert teacher.personal_id and other is not None
    # A certificate issued to another person (their CCCD) registered under gvcn by mistake.
    from hocba.signing.core.pki import PersonSpec
    from hocba.signing.models import BackendKind, Certificate

    issued = pki.demo_pki().issue(PersonSpec(f"wrong-{teacher.pk}", teacher.full_name, other.personal_id))
    Certificate.objects.filter(teacher=teacher).update(revoked=True)
    from hocba.signing.services import certificate_register

    with pytest.raises(DomainError, match="không phải của người này"):
        certificate_register(data=issued.cert_path.read_bytes(), school=teacher.school, teacher=teacher,
                             backend=BackendKind.PKCS12, backend_ref={"pki_key": f"wrong-{teacher.pk}"})
