"""The signing workflow of a year record version.

Order: every subject teacher confirms their subject rows (bound to the version's JSON hash) →
the homeroom teacher signs → the principal, or a deputy authorised in the system ("KT. HIỆU
TRƯỞNG"), approves and signs → the school's organisation certificate seals. Each
signature is a PAdES signature added as an incremental update, time-stamped (B-T) and with
revocation data embedded when reachable (B-LT); each field locks the others (FieldMDP).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from django.db import transaction
from django.utils import timezone

from hocba.core.audit import audit_record
from hocba.core.errors import DomainError, PermissionDeniedError
from hocba.core.models import RoleAssignment
from hocba.org.models import TeachingAssignment
from hocba.people.models import Teacher
from hocba.records import archive
from hocba.records.models import RecordStatus, RecordVersion
from hocba.signing import pki
from hocba.signing.core import pades
from hocba.signing.core.certificates import check_certificate_usable
from hocba.signing.models import Certificate, Signature, SignRole, SubjectConfirmation

ROLE_LABELS = {SignRole.HOMEROOM: pades.ROLE_HOMEROOM,
               SignRole.PRINCIPAL: pades.ROLE_PRINCIPAL, SignRole.SEAL: pades.ROLE_SEAL}
PREVIOUS = {SignRole.PRINCIPAL: SignRole.HOMEROOM, SignRole.SEAL: SignRole.PRINCIPAL}


def field_name(role: str) -> str:
    return f"hocba_{role}"


# --- who may sign ------------------------------------------------------------------------

@dataclass(frozen=True)
class SignerIdentity:
    teacher: Teacher | None
    role_label: str
    certificate: Certificate


def teacher_of(user) -> Teacher | None:
    return Teacher.objects.filter(user=user).first() if getattr(user, "pk", None) else None


def signer_for(*, version: RecordVersion, role: str, by) -> SignerIdentity:
    """The identity and certificate ``by`` signs with for ``role``, or PermissionDeniedError."""
    record = version.year_record
    teacher = teacher_of(by)
    school_id = record.school_id
    if role == SignRole.HOMEROOM:
        if teacher is None or record.class_group.homeroom_teacher_id != teacher.pk:
            raise PermissionDeniedError("Chỉ giáo viên chủ nhiệm của lớp được ký phần của giáo viên chủ nhiệm.")
        label = ROLE_LABELS[SignRole.HOMEROOM]
    else:
        roles = set(RoleAssignment.objects.filter(user=by, school_id=school_id,
                                                  role__in=["principal", "deputy_principal"])
                    .values_list("role", flat=True)) if getattr(by, "pk", None) else set()
        if not roles or teacher is None:
            raise PermissionDeniedError("Chỉ Hiệu trưởng hoặc Phó hiệu trưởng được ủy quyền được ký phê duyệt.")
        label = pades.ROLE_SEAL if role == SignRole.SEAL else approver_label(version, teacher)
    if role == SignRole.SEAL:
        cert = (Certificate.objects.filter(school_id=school_id, is_seal=True, revoked=False)
                .order_by("-not_after").first())
        if cert is None:
            raise DomainError("Trường chưa đăng ký chứng thư số của tổ chức (con dấu số).")
    else:
        cert = (Certificate.objects.filter(teacher=teacher, revoked=False).order_by("-not_after").first())
        if cert is None:
            raise DomainError(f"{teacher.full_name} chưa có chứng thư số đăng ký trong hệ thống.")
    return SignerIdentity(teacher=teacher if role != SignRole.SEAL else None, role_label=label, certificate=cert)


def prints_approver(version: RecordVersion, teacher: Teacher | None) -> bool:
    """Whether the record prints ``teacher`` as the one who signs its approval (or prints nobody).

    By identity (``RecordVersion.approval_signer``, no query): a namesake is not the approver, and the approver
    renamed since composition still is. Versions composed before it was kept compare the printed name.
    """
    if version.approval_signer_id is not None:
        return teacher is not None and teacher.pk == version.approval_signer_id
    name = version.document.get("signatories", {}).get("principal", "")
    return not name or (teacher is not None and name == teacher.full_name)


def approver_label(version: RecordVersion, teacher: Teacher) -> str:
    """The approval is signed by the person the record prints under it (the principal, or the deputy the
    principal authorised before the record was composed), with the title it prints; anyone else is refused:
    their stamp would sit above another person's name and title."""
    printed = version.document.get("signatories", {})
    name, deputy = printed.get("principal", ""), bool(printed.get("principal_is_deputy"))
    if not prints_approver(version, teacher):
        title = "Phó hiệu trưởng được ủy quyền" if deputy else "Hiệu trưởng"
        raise DomainError(
            f"Học bạ này ghi người ký phê duyệt là {title} {name}; {teacher.full_name} không ký thay được. "
            "Hiệu trưởng chọn người ký phê duyệt ở trang Ký số của trường trước khi lập học bạ; "
            "học bạ đã lập cần lập lại để đổi người ký.")
    return pades.ROLE_DEPUTY if deputy else pades.ROLE_PRINCIPAL


def certificate_problems(cert: Certificate, *, teacher: Teacher | None, at: dt.datetime | None = None,
                         check_revocation: bool = True) -> list[str]:
    """Why this certificate may not sign now (expired, not yet valid, revoked, wrong person, untrusted)."""
    problems = []
    if cert.revoked:
        problems.append("Chứng thư số đã bị thu hồi (theo đăng ký trong hệ thống).")
    x = x509.load_pem_x509_certificate(cert.pem.encode())
    roots = pki.trust_roots()
    if check_revocation:
        pki.ensure_demo_trust_services()
    problems += check_certificate_usable(
        x, at or timezone.now(), trust_roots=roots or None, check_revocation=bool(roots) and check_revocation,
        expected_personal_id=(teacher.personal_id if teacher and teacher.personal_id else None))
    return problems


# --- confirmations ----------------------------------------------------------------------

def _check_current(version: RecordVersion) -> None:
    if version.status == RecordStatus.SUPERSEDED or version.year_record.current_version_id != version.pk:
        raise DomainError(f"Phiên bản {version.number} đã bị thay thế bởi phiên bản mới hơn; không ký phiên bản cũ.")


def subjects_of(*, version: RecordVersion, teacher: Teacher) -> list[str]:
    """Subject rows of this version taught by ``teacher`` (by the class's teaching assignments)."""
    names = {s["name"] for s in version.document.get("subjects", [])}
    taught = TeachingAssignment.objects.filter(class_group_id=version.year_record.class_group_id, teacher=teacher)
    return sorted(ta.subject.name for ta in taught.select_related("subject") if ta.subject.name in names)


def subject_confirm(*, version: RecordVersion, by, subject_names: list[str] | None = None) -> list[str]:
    """The subject teacher confirms their rows of the version (audited, bound to its JSON hash)."""
    teacher = teacher_of(by)
    if teacher is None:
        raise PermissionDeniedError("Chỉ giáo viên bộ môn được xác nhận điểm môn học.")
    mine = subjects_of(version=version, teacher=teacher)
    wanted = mine if subject_names is None else [n for n in subject_names if n in mine]
    if not wanted:
        raise PermissionDeniedError("Bạn không dạy môn nào của học bạ này.")
    done = []
    with transaction.atomic():
        version = RecordVersion.objects.select_for_update().select_related("year_record").get(pk=version.pk)
        _check_current(version)
        for name in wanted:
            _, created = SubjectConfirmation.objects.get_or_create(
                version=version, subject_name=name,
                defaults={"teacher": teacher, "json_sha256": version.json_sha256, "confirmed_at": timezone.now()})
            if created:
                done.append(name)
        if done:
            audit_record(actor=by, action="records:subject:confirm", object_type="record_version",
                         object_id=version.pk, school_id=version.year_record.school_id,
                         after={"subjects": done, "json_sha256": version.json_sha256})
    return done


def missing_confirmations(version: RecordVersion) -> list[str]:
    return missing_confirmations_of([version])[version.pk]


def missing_confirmations_of(versions: list[RecordVersion]) -> dict[int, list[str]]:
    """version id → the subject rows still awaiting their teacher's confirmation, in one query for all."""
    confirmed: dict[int, set[str]] = {v.pk: set() for v in versions}
    wanted = {v.pk: v.json_sha256 for v in versions}
    for version_id, subject, sha in (SubjectConfirmation.objects.filter(version_id__in=list(wanted))
                                     .values_list("version_id", "subject_name", "json_sha256")):
        if sha == wanted[version_id]:
            confirmed[version_id].add(subject)
    return {v.pk: [s["name"] for s in v.document.get("subjects", [])
                   if s["name"] not in confirmed[v.pk] and s.get("term1") != "Miễn"] for v in versions}


def _check_order(version: RecordVersion, role: str) -> None:
    signed = set(Signature.objects.filter(version=version).values_list("role", flat=True))
    if role in signed:
        raise DomainError("Học bạ này đã được ký ở vai trò này.")
    if role == SignRole.HOMEROOM:
        missing = missing_confirmations(version)
        if missing:
            raise DomainError("Chưa đủ xác nhận của giáo viên bộ môn.", {"Môn chưa xác nhận": missing})
    elif PREVIOUS[role] not in signed:
        before = {SignRole.HOMEROOM: "giáo viên chủ nhiệm", SignRole.PRINCIPAL: "Hiệu trưởng"}[PREVIOUS[role]]
        raise DomainError(f"Cần chữ ký của {before} trước.")


# --- signing ----------------------------------------------------------------------------

def _options(trust_roots) -> pades.SigningOptions:
    """B-LT (revocation data embedded) when trust roots are known, unless HOCBA_SIGNING_LEVEL = "B-T"."""
    from django.conf import settings

    lt = bool(trust_roots) and getattr(settings, "HOCBA_SIGNING_LEVEL", "B-LT") != "B-T"
    return pades.SigningOptions(timestamp_url=pki.timestamp_url(), trust_roots=tuple(trust_roots),
                                embed_revocation_info=lt, check_certificate=False)


def _box(version: RecordVersion, role: str) -> pades.SignatureBox:
    try:
        page, x1, y1, x2, y2 = version.signature_boxes[role]
    except KeyError as exc:
        raise DomainError("Mẫu học bạ không có ô ký cho vai trò này.") from exc
    return pades.SignatureBox(field_name(role), page, x1, y1, x2, y2)


def _store_signature(*, version: RecordVersion, role: str, identity: SignerIdentity, signed_pdf: bytes, base_sha: str,
                     by, audit_entries: list[dict] | None = None) -> Signature:
    """Store one signed revision if the version did not change meanwhile (called under the row lock).

    The audit entry is written at once, or appended to ``audit_entries`` for a caller storing a round
    of records that writes the round's entries together at its end (the audit chain's head is then
    locked for the end of the round only, not for all of it).
    """
    current_base = version.signed_pdf_sha256 or version.pdf_sha256
    if current_base != base_sha:
        raise DomainError("Học bạ đã thay đổi (vừa được ký hoặc lập lại) trong khi ký; hãy tải lại và ký lại.")
    sha = archive.archive_put(signed_pdf, "application/pdf")
    now = timezone.now()
    signature = Signature.objects.create(
        version=version, role=role, signer_name=identity.teacher.full_name if identity.teacher else
        version.year_record.school.name, role_label=identity.role_label, certificate=identity.certificate,
        signed_at=now, pdf_sha256=sha, field_name=field_name(role))
    version.signed_pdf_sha256 = sha
    # Complete ("Đã ký đủ") once the school has sealed: the seal's field is prepared in every record's PDF, and
    # verification counts a record without it as not fully signed.
    version.status = RecordStatus.SEALED if role == SignRole.SEAL else RecordStatus.SIGNING
    version.save(update_fields=["signed_pdf_sha256", "status"])
    entry = {"action": "records:signature:add", "object_type": "record_version", "object_id": version.pk,
             "school_id": version.year_record.school_id,
             "after": {"role": role, "signer": signature.signer_name, "certificate": identity.certificate.serial,
                       "pdf_sha256": sha}}
    if audit_entries is None:
        audit_record(actor=by, **entry)
    else:
        audit_entries.append(entry)
    return signature


def open_backend(certificate: Certificate, secret: str):
    """The signer backend holding the certificate's key (the key itself never passes through here)."""
    from hocba.signing.backends import backend_for

    return backend_for(certificate, secret)


def version_sign(*, version: RecordVersion, role: str, by, secret: str) -> Signature:
    """Sign one version in ``role`` after checking who signs, the order, the version and the certificate."""
    identity = signer_for(version=version, role=role, by=by)
    problems = certificate_problems(identity.certificate, teacher=identity.teacher)
    if problems:
        raise DomainError("Không ký được với chứng thư số này.", {"Chứng thư số": problems})
    backend = open_backend(identity.certificate, secret)
    try:
        with transaction.atomic():
            version = RecordVersion.objects.select_for_update().select_related(
                "year_record__school", "year_record__class_group").get(pk=version.pk)
            _check_current(version)
            _check_order(version, role)
            base_sha = version.signed_pdf_sha256 or version.pdf_sha256
            pdf = archive.archive_get(base_sha)
            roots = pki.trust_roots()
            signed = asyncio.run(pades.async_add_signature_field_and_sign(
                pdf, field_name=field_name(role), box=_box(version, role), backend=backend,
                role_label=identity.role_label,
                signer_name=identity.teacher.full_name if identity.teacher else version.year_record.school.name,
                options=_options(roots)))
            return _store_signature(version=version, role=role, identity=identity, signed_pdf=signed,
                                    base_sha=base_sha, by=by)
    finally:
        backend.close()


# --- the demo's full workflow -------------------------------------------------------------

def confirm_as_assigned_teachers(*, version: RecordVersion, source: str = "cli") -> int:
    """Record every subject teacher's confirmation (used by the demo sample, acting for each teacher)."""
    count = 0
    with transaction.atomic():
        for ta in TeachingAssignment.objects.filter(class_group_id=version.year_record.class_group_id) \
                .select_related("subject", "teacher"):
            _, created = SubjectConfirmation.objects.get_or_create(
                version=version, subject_name=ta.subject.name,
                defaults={"teacher": ta.teacher, "json_sha256": version.json_sha256, "confirmed_at": timezone.now()})
            count += created
        audit_record(actor=None, action="records:subject:confirm", object_type="record_version", object_id=version.pk,
                     school_id=version.year_record.school_id, source=source,
                     after={"subjects": count, "json_sha256": version.json_sha256, "on_behalf": "demo"})
    return count


def sign_sample(version: RecordVersion) -> RecordVersion:
    """Sign the demo student's version through the whole workflow (subject rows → GVCN → HT → seal)."""
    from django.contrib.auth import get_user_model

    from hocba.signing.core.pki import DEMO_PASSPHRASE

    users = {u.username: u for u in get_user_model().objects.filter(username__in=["gvcn", "hieutruong"])}
    signed = set(Signature.objects.filter(version=version).values_list("role", flat=True))
    if not signed:
        confirm_as_assigned_teachers(version=version)
    for role, username in ((SignRole.HOMEROOM, "gvcn"), (SignRole.PRINCIPAL, "hieutruong"),
                           (SignRole.SEAL, "hieutruong")):
        if role not in signed:
            version_sign(version=version, role=role, by=users[username], secret=DEMO_PASSPHRASE)
    version.refresh_from_db()
    return version
