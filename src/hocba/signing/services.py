"""Writes of the signing app: certificates and trust roots (the workflow is in workflow.py)."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import models, transaction
from django.utils import timezone

from hocba.core.audit import audit_record
from hocba.core.errors import DomainError, PermissionDeniedError
from hocba.core.models import Role, RoleAssignment
from hocba.signing.core.certificates import certificate_facts
from hocba.signing.models import Certificate, TrustRoot
from hocba.signing.permissions import may_choose_approver


def load_certificate(data: bytes) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data else x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise DomainError("Tệp không phải chứng thư số X.509 (PEM hoặc DER).") from exc


def certificate_register(*, data: bytes, school, teacher=None, is_seal: bool = False, backend: str,
                         backend_ref: dict, by=None) -> Certificate:
    """Register a certificate (uploaded, or read from a token) for a staff member or the school seal; not for a
    teacher who left the school (they sign nothing more)."""
    if teacher is not None and teacher.has_left:
        raise DomainError("Không đăng ký chứng thư số cho người đã nghỉ việc.", {"Chủ chứng thư": [
            f"{teacher.full_name} đã nghỉ việc từ ngày {teacher.left_on:%d/%m/%Y}."]})
    cert = load_certificate(data)
    facts = certificate_facts(cert)
    if teacher is not None and teacher.personal_id and facts.personal_id and facts.personal_id != teacher.personal_id:
        raise DomainError("Chứng thư số không phải của người này.",
                          {"Chứng thư số": [f"Số định danh trong chứng thư ({facts.personal_id}) khác số định danh "
                                            f"của {teacher.full_name}."]})
    if is_seal and facts.personal_id:
        raise DomainError("Chứng thư số của cá nhân không dùng làm con dấu số của trường.",
                          {"Chứng thư số": [f"Chứng thư số mang số định danh cá nhân {facts.personal_id}; con dấu số "
                                            "là chứng thư số của tổ chức (nhà trường)."]})
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    with transaction.atomic():
        _check_owner(facts.fingerprint_sha256, school=school, teacher=teacher, is_seal=is_seal)
        row, created = Certificate.objects.update_or_create(
            sha256=facts.fingerprint_sha256,
            defaults={"teacher": teacher, "school": school, "is_seal": is_seal, "subject": facts.subject,
                      "issuer": facts.issuer, "serial": facts.serial_hex, "not_before": facts.not_before,
                      "not_after": facts.not_after, "key_usage": ",".join(facts.key_usage), "pem": pem,
                      "backend": backend, "backend_ref": backend_ref, "registered_at": timezone.now()})
        audit_record(actor=by, action="signing:certificate:register", object_type="certificate", object_id=row.pk,
                     school_id=school.pk, after={"subject": facts.subject, "serial": facts.serial_hex,
                                                 "not_after": facts.not_after.isoformat(), "created": created})
    return row


def _check_owner(sha256: str, *, school, teacher, is_seal: bool) -> None:
    """A certificate already registered stays with its owner: registering it again updates how its key is
    reached, never moves it to another person, the seal or another school (a certificate is public: anyone
    can copy it out of a signed PDF)."""
    existing = (Certificate.objects.select_for_update(of=("self",)).select_related("teacher", "school")
                .filter(sha256=sha256).first())
    if existing is None or (existing.school_id == school.pk and existing.is_seal == is_seal
                            and existing.teacher_id == (teacher.pk if teacher is not None else None)):
        return
    if existing.school_id != school.pk:
        owner = "một trường khác"
    elif existing.is_seal:
        owner = f"con dấu số của {existing.school.name}"
    else:
        owner = existing.teacher.full_name
    raise DomainError("Chứng thư số này đã được đăng ký cho người khác.",
                      {"Chứng thư số": [f"Đã đăng ký cho {owner}; một chứng thư số chỉ thuộc về một chủ thể."]})


def trust_root_add(*, name: str, pem: bytes, by=None) -> TrustRoot:
    cert = load_certificate(pem)
    facts = certificate_facts(cert)
    with transaction.atomic():
        row, _ = TrustRoot.objects.get_or_create(
            sha256=facts.fingerprint_sha256,
            defaults={"name": name, "pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
                      "added_at": timezone.now()})
        audit_record(actor=by, action="signing:trust_root:add", object_type="trust_root", object_id=row.pk,
                     after={"name": name, "sha256": facts.fingerprint_sha256})
    return row


def approval_signers(school) -> list:
    """Who may be chosen to sign the school's records for approval: its principal and the deputies holding
    the authorised-deputy role (phó hiệu trưởng được ủy quyền), principal first; none who left the school."""
    from hocba.people.models import Position, Teacher, TeacherStatus

    deputies = RoleAssignment.objects.filter(school=school, role=Role.DEPUTY_PRINCIPAL).values("user_id")
    teachers = Teacher.objects.filter(school=school, status=TeacherStatus.WORKING).filter(
        models.Q(position=Position.PRINCIPAL) | models.Q(user_id__in=deputies, user__isnull=False))
    return sorted(teachers, key=lambda t: (t.position != Position.PRINCIPAL, t.sort_name, t.pk))


def approval_signer_set(*, school, teacher, by) -> None:
    """The principal chooses who signs the approval of records composed from now on (``teacher`` None or
    the principal: the principal; a deputy: "KT. HIỆU TRƯỞNG"). Records already composed keep the approver
    they print."""
    from hocba.org.models import School
    from hocba.people.models import Position, Teacher, TeacherStatus

    if not may_choose_approver(by, school):
        raise PermissionDeniedError("Chỉ Hiệu trưởng chọn người ký phê duyệt học bạ.")
    if teacher is not None and teacher.pk not in {t.pk for t in approval_signers(school)}:
        raise DomainError("Không chọn được người này.", {"Người ký phê duyệt": [
            f"{teacher.full_name} không phải Hiệu trưởng hay Phó hiệu trưởng được ủy quyền của {school.name}."]})
    chosen = None if teacher is None or teacher.position == Position.PRINCIPAL else teacher
    with transaction.atomic():
        if chosen is not None:  # the teacher's row first, as a leaving takes it: one of the two waits for the other
            status = Teacher.objects.select_for_update().filter(pk=chosen.pk).values_list("status", flat=True).first()
            if status != TeacherStatus.WORKING:
                raise DomainError("Không chọn được người này.", {"Người ký phê duyệt": [
                    f"{chosen.full_name} đã nghỉ việc; hãy chọn người đang công tác."]})
        current = School.objects.select_for_update().get(pk=school.pk)
        before = current.approval_signer_id
        School.objects.filter(pk=school.pk).update(approval_signer=chosen)
        audit_record(actor=by, action="signing:approval_signer:set", object_type="school", object_id=school.pk,
                     school_id=school.pk, before={"approval_signer": before},
                     after={"approval_signer": chosen.pk if chosen else None,
                            "name": chosen.full_name if chosen else "Hiệu trưởng"})
    school.approval_signer = chosen
