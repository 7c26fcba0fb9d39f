"""Batch signing: a class by its homeroom teacher, a school by the principal, failures reported per record."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from hocba.core.errors import DomainError, PermissionDeniedError
from hocba.people.models import Teacher
from hocba.records import archive
from hocba.records.models import RecordStatus, RecordVersion
from hocba.signing import pki
from hocba.signing.batch import awaiting, open_secret, signing_batch_run, signing_batch_start
from hocba.signing.core.validate import validate_pdf
from hocba.signing.models import Certificate, Signature, SigningBatch, SignRole
from tests.signing.djangofix import (  # noqa: F401  (fixtures)
    SECRET,
    archive_dir,
    composed,
    confirm_all,
    current_versions,
    days,
    homeroom_class,
    register_certificate,
    users,
)


@pytest.mark.django_db
def test_class_batch_reports_a_record_changed_meanwhile_and_signs_the_others(composed):
    gvcn, = users("gvcn")
    confirm_all(composed)
    versions = current_versions(composed)
    batch = signing_batch_start(class_group=composed, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET)
    assert batch.status == SigningBatch.Status.QUEUED and batch.total == len(versions)
    stored = SigningBatch.objects.get(pk=batch.pk).secret_token
    assert stored and SECRET not in stored and open_secret(stored) == SECRET  # encrypted, not in clear
    victim = versions[1]

    def supersede_once(progress):
        if progress.done == 0 and progress.failed == 0:  # the records are read; nothing is signed yet
            RecordVersion.objects.filter(pk=victim.pk).update(status=RecordStatus.SUPERSEDED)

    batch = signing_batch_run(batch.pk, on_progress=supersede_once)
    assert batch.status == SigningBatch.Status.DONE
    assert (batch.done, batch.failed) == (len(versions) - 1, 1)
    assert len(batch.messages) == 1 and victim.year_record.student.full_name in batch.messages[0]
    assert "thay thế" in batch.messages[0]
    assert batch.secret_token == ""  # wiped
    signed = set(Signature.objects.filter(role=SignRole.HOMEROOM).values_list("version_id", flat=True))
    assert signed == {v.pk for v in versions} - {victim.pk}
    one = RecordVersion.objects.get(pk=versions[0].pk)
    assert one.status == RecordStatus.SIGNING
    report = validate_pdf(archive.archive_get(one.signed_pdf_sha256), pki.trust_roots())
    assert report.all_valid and report.signatures[0].signer_name and report.signatures[0].timestamp_valid


@pytest.mark.django_db
def test_principal_signs_the_whole_school_after_the_homeroom_teacher(composed):
    gvcn, ht = users("gvcn", "hieutruong")
    with pytest.raises(DomainError, match="Không có học bạ nào đang chờ ký"):
        signing_batch_start(school=composed.school, role=SignRole.PRINCIPAL, by=ht, secret=SECRET)
    confirm_all(composed)
    signing_batch_start(class_group=composed, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET, run_inline=True)
    assert awaiting(role=SignRole.PRINCIPAL, school=composed.school).count() == len(current_versions(composed))
    batch = signing_batch_start(school=composed.school, role=SignRole.PRINCIPAL, by=ht, secret=SECRET,
                                run_inline=True)
    assert batch.status == SigningBatch.Status.DONE and batch.failed == 0 and batch.done == batch.total > 0
    assert not awaiting(role=SignRole.PRINCIPAL, school=composed.school).exists()
    version = current_versions(composed)[0]
    assert version.status == RecordStatus.SIGNING  # approved, not yet sealed: not complete
    report = validate_pdf(archive.archive_get(version.signed_pdf_sha256), pki.trust_roots())
    assert report.all_valid and not report.complete and report.empty_signature_fields == ["hocba_seal"]
    assert [s.modification_level for s in report.signatures] == ["form_filling", "none"]
    # The school's seal, applied by the principal for the whole school, completes every record.
    assert awaiting(role=SignRole.SEAL, school=composed.school).count() == len(current_versions(composed))
    with pytest.raises(PermissionDeniedError):
        signing_batch_start(school=composed.school, role=SignRole.SEAL, by=gvcn, secret=SECRET)
    sealed = signing_batch_start(school=composed.school, role=SignRole.SEAL, by=ht, secret=SECRET, run_inline=True)
    assert sealed.status == SigningBatch.Status.DONE and sealed.failed == 0 and sealed.done == sealed.total > 0
    assert sealed.signer.user == ht  # who applied it; the certificate is the school's
    version = current_versions(composed)[0]
    assert version.status == RecordStatus.SEALED
    report = validate_pdf(archive.archive_get(version.signed_pdf_sha256), pki.trust_roots())
    assert report.all_valid and report.complete, report.problems
    assert [s.field_name for s in report.signatures] == ["hocba_homeroom", "hocba_principal", "hocba_seal"]
    assert Signature.objects.get(version=version, role=SignRole.SEAL).signer_name == composed.school.name


@pytest.mark.django_db
def test_every_signature_of_a_batch_is_in_the_audit_chain_by_its_signer(composed):
    from hocba.core.audit import audit_verify
    from hocba.core.models import AuditEntry
    from hocba.signing.models import Signature

    gvcn, = users("gvcn")
    confirm_all(composed)
    batch = signing_batch_start(class_group=composed, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET,
                                run_inline=True)
    signatures = Signature.objects.filter(version__year_record__class_group=composed, role=SignRole.HOMEROOM)
    entries = AuditEntry.objects.filter(action="records:signature:add", actor=gvcn)
    assert batch.done == signatures.count() == entries.count() > 0
    assert sorted(e.after["pdf_sha256"] for e in entries) == sorted(s.pdf_sha256 for s in signatures)
    assert audit_verify().ok


@pytest.mark.django_db
def test_homeroom_batch_needs_the_subject_confirmations(composed):
    gvcn, = users("gvcn")
    with pytest.raises(DomainError) as refused:
        signing_batch_start(class_group=composed, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET)
    assert "Toán" in refused.value.errors["Môn chưa xác nhận"]
    assert not SigningBatch.objects.exists()


@pytest.mark.django_db
def test_wrong_passphrase_and_invalid_certificate_are_refused_before_anything_is_signed(composed):
    gvcn, gvbm = users("gvcn", "gvbm")
    confirm_all(composed)
    with pytest.raises(DomainError, match="Không mở được khoá ký"):
        signing_batch_start(class_group=composed, role=SignRole.HOMEROOM, by=gvcn, secret="sai-mat-khau")
    with pytest.raises(DomainError):  # not this class's homeroom teacher
        signing_batch_start(class_group=composed, role=SignRole.HOMEROOM, by=gvbm, secret=SECRET)
    teacher = Teacher.objects.get(user=gvcn)
    register_certificate(teacher, key=f"old-{teacher.pk}", not_before=days(-500), not_after=days(-2))
    with pytest.raises(DomainError) as refused:
        signing_batch_start(class_group=composed, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET)
    assert any("hết hạn" in p for p in refused.value.errors["Chứng thư số"])
    assert not Signature.objects.exists() and not SigningBatch.objects.exists()


@pytest.mark.django_db
def test_a_certificate_revoked_after_queueing_fails_the_whole_batch(composed):
    gvcn, = users("gvcn")
    confirm_all(composed)
    batch = signing_batch_start(class_group=composed, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET)
    Certificate.objects.filter(pk=batch.certificate_id).update(revoked=True)
    batch = signing_batch_run(batch.pk)
    assert batch.status == SigningBatch.Status.FAILED and batch.done == 0
    assert "thu hồi" in batch.messages[0] and batch.secret_token == ""
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_a_second_batch_is_refused_while_one_is_queued(composed):
    gvcn, = users("gvcn")
    confirm_all(composed)
    signing_batch_start(class_group=composed, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET)
    with pytest.raises(DomainError, match="Đang có một lượt ký hàng loạt"):
        signing_batch_start(class_group=composed, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET)
    assert SigningBatch.objects.count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_on_one_school_do_not_double_sign(composed):
    """Two principals' sessions press "Ký toàn trường" at the same moment: one batch runs, one is refused;
    two runs of the same batch (a retried task) never sign a record twice."""
    gvcn, ht = users("gvcn", "hieutruong")
    confirm_all(composed)
    signing_batch_start(class_group=composed, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET, run_inline=True)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def start():
        try:
            barrier.wait()
            outcomes.append(signing_batch_start(school=composed.school, role=SignRole.PRINCIPAL, by=ht,
                                                secret=SECRET))
        except DomainError as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    batches = [o for o in outcomes if isinstance(o, SigningBatch)]
    assert len(batches) == 1 and len(outcomes) == 2, outcomes
    assert "Đang có một lượt" in str(next(o for o in outcomes if isinstance(o, DomainError)))
    # The same queued batch run twice at once (a retried task): every record is signed exactly once.
    batch_id = batches[0].pk

    def run():
        try:
            signing_batch_run(batch_id)
        finally:
            connection.close()

    runners = [threading.Thread(target=run) for _ in range(2)]
    for t in runners:
        t.start()
    for t in runners:
        t.join()
    total = len(current_versions(composed))
    assert Signature.objects.filter(role=SignRole.PRINCIPAL).count() == total
    assert Signature.objects.filter(role=SignRole.PRINCIPAL).values("version_id").distinct().count() == total


@pytest.mark.django_db
def test_an_authorised_deputy_signs_for_the_principal(homeroom_class):
    """"KT. HIỆU TRƯỞNG / PHÓ HIỆU TRƯỞNG": the deputy the principal chose before composing signs; the batch
    carries that label in the PDF and the row."""
    from hocba.records.services import compose_class
    from hocba.signing.services import approval_signer_set

    gvcn, deputy, principal = users("gvcn", "phohieutruong", "hieutruong")
    approval_signer_set(school=homeroom_class.school, teacher=Teacher.objects.get(user=deputy), by=principal)
    composed = homeroom_class
    assert not compose_class(class_group=composed).failed
    confirm_all(composed)
    signing_batch_start(class_group=composed, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET, run_inline=True)
    batch = signing_batch_start(school=composed.school, role=SignRole.PRINCIPAL, by=deputy, secret=SECRET,
                                run_inline=True)
    assert batch.failed == 0 and batch.done > 0
    signature = Signature.objects.filter(role=SignRole.PRINCIPAL).first()
    assert signature.role_label.startswith("KT. HIỆU TRƯỞNG")
    report = validate_pdf(archive.archive_get(signature.pdf_sha256), pki.trust_roots())
    assert report.all_valid and "KT. HIỆU TRƯỞNG" in report.signatures[1].role_label
