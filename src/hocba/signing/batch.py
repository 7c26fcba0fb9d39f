"""Ký hàng loạt (batch signing): the principal signs every record of a school awaiting the principal,
the homeroom teacher (giáo viên chủ nhiệm, GVCN) every record of their class, in one action with one
PIN/passphrase.

The batch runs as background work (``hocba.signing.tasks.run_signing_batch``) with a
:class:`SigningBatch` row for the live progress bar. How the secret travels: the view hands the
PIN/passphrase to :func:`signing_batch_start`, which stores it in the batch row only as a Fernet token
encrypted with a key derived (HKDF-SHA256) from ``settings.SECRET_KEY``; the task decrypts it (the
token expires after :data:`SECRET_TTL_SECONDS`) and wipes it from the row when the batch ends,
whatever the outcome. It never goes into the task queue's arguments, logs or the audit trail.

Each record is signed by the core ``sign_many`` (time-stamp round trips overlapped) and stored under
the version's row lock after re-checking that the version is still current, still awaiting this
role, and that its PDF is still the one that was signed; a record that changed meanwhile is reported
and skipped, the others go on. A round of records is stored in one transaction, each record in its
own savepoint (one commit per round, not per record). A certificate that may not sign fails the whole
batch before anything is signed. Two batches for the same school/class and role are refused while one
is queued or running; the (version, role) unique constraint of :class:`Signature` is the last line.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from hocba.core.audit import audit_record, audit_record_many
from hocba.core.errors import DomainError, PermissionDeniedError
from hocba.org.models import ClassGroup, School
from hocba.records import archive
from hocba.records.models import RecordStatus, RecordVersion
from hocba.signing import pki, workflow
from hocba.signing.core import pades
from hocba.signing.models import Signature, SigningBatch, SignRole

SECRET_TTL_SECONDS = 6 * 3600
#: records signed per round (progress is saved after each round)
CHUNK = 100


# --- the secret ----------------------------------------------------------------------------

def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"hocba.signing.batch",
               info=b"batch-secret").derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def open_secret(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode(), ttl=SECRET_TTL_SECONDS).decode()
    except InvalidToken as exc:
        raise DomainError("Mã PIN/mật khẩu của lượt ký đã hết hạn hoặc không đọc được; hãy bắt đầu lại.") from exc


# --- what awaits -------------------------------------------------------------------------------

def _current_ids():
    from hocba.records.models import YearRecord

    return YearRecord.objects.exclude(current_version=None).values("current_version_id")


def awaiting(*, role: str, school: School | None = None, class_group: ClassGroup | None = None):
    """Current versions awaiting ``role``: homeroom → not yet signed; principal → homeroom signed."""
    qs = RecordVersion.objects.filter(pk__in=_current_ids()).exclude(status=RecordStatus.SUPERSEDED)
    if class_group is not None:
        qs = qs.filter(year_record__class_group=class_group)
    if school is not None:
        qs = qs.filter(year_record__school=school)
    signed = Signature.objects.filter(version=OuterRef("pk"))
    qs = qs.exclude(Exists(signed.filter(role=role)))
    previous = workflow.PREVIOUS.get(role)
    if previous:
        qs = qs.filter(Exists(signed.filter(role=previous)))
    return qs.order_by("year_record__class_group__name", "year_record__student__sort_name", "pk")


# --- starting ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Scope:
    school: School
    class_group: ClassGroup | None


#: Roles signed for a whole school at once (the principal's approval, then the school's seal).
SCHOOL_ROLES = (SignRole.PRINCIPAL, SignRole.SEAL)


def _scope(role: str, school, class_group) -> _Scope:
    if role == SignRole.HOMEROOM:
        if class_group is None:
            raise DomainError("Ký hàng loạt của giáo viên chủ nhiệm cần chọn lớp.")
        return _Scope(class_group.school, class_group)
    if role in SCHOOL_ROLES:
        if school is None:
            raise DomainError("Ký hàng loạt của Hiệu trưởng cần chọn trường.")
        return _Scope(school, None)
    raise DomainError("Vai trò ký hàng loạt không hợp lệ.")


def _first_for(candidates: list, *, role: str, by):
    """The version whose signer is checked for the whole batch: for the approval, the first that prints ``by``
    as its approver (the others fail one by one, saying who they print), else the first."""
    if role == SignRole.PRINCIPAL:
        teacher = workflow.teacher_of(by)
        mine = next((v for v in candidates if workflow.prints_approver(v, teacher)), None)
        if mine is not None:
            return mine
    return candidates[0] if candidates else None


def unready_count(class_group: ClassGroup) -> int:
    """Records of the class awaiting the homeroom teacher that still miss a subject teacher's confirmation (a
    class batch leaves them unsigned)."""
    versions = list(awaiting(role=SignRole.HOMEROOM, class_group=class_group))
    return sum(1 for missing in workflow.missing_confirmations_of(versions).values() if missing)


def signing_batch_start(*, school: School | None = None, class_group: ClassGroup | None = None, role: str, by,
                        secret: str, run_inline: bool = False) -> SigningBatch:
    """Queue a batch: ``role`` = homeroom (a class), principal or seal (a school), signed by ``by`` with
    ``secret`` (for the seal: the principal or an authorised deputy applies the school's organisation
    certificate, with that certificate's secret).

    Checked before anything is queued: who signs (the class's homeroom teacher; the school's principal
    or an authorised deputy), that something awaits, the certificate (expired, not yet valid, revoked,
    wrong person, untrusted → refused with the reason), that the secret opens the key, and that no other
    batch of the same scope is queued or running. ``run_inline=True`` runs it in this process (CLI, tests).
    """
    scope = _scope(role, school, class_group)
    candidates = awaiting(role=role, school=scope.school if role in SCHOOL_ROLES else None,
                          class_group=scope.class_group)
    first = _first_for(list(candidates.select_related("year_record__class_group", "year_record__school")),
                       role=role, by=by)
    if first is None:
        raise DomainError("Không có học bạ nào đang chờ ký ở vai trò này.")
    identity = workflow.signer_for(version=first, role=role, by=by)
    applier = identity.teacher or workflow.teacher_of(by)  # the seal's certificate is the school's
    if applier is None:
        raise PermissionDeniedError("Không xác định được người ký.")
    missing_of = workflow.missing_confirmations_of(list(candidates)) if role == SignRole.HOMEROOM else {}
    if role == SignRole.HOMEROOM and all(missing_of.values()):
        missing = sorted({s for subjects in missing_of.values() for s in subjects})
        raise DomainError("Chưa đủ xác nhận của giáo viên bộ môn.", {"Môn chưa xác nhận": missing})
    problems = workflow.certificate_problems(identity.certificate, teacher=identity.teacher)
    if problems:
        raise DomainError("Không ký được với chứng thư số này.", {"Chứng thư số": problems})
    workflow.open_backend(identity.certificate, secret).close()  # a wrong PIN/passphrase fails here, now
    with transaction.atomic():
        # Two starts at the same moment queue on the school's row, so the second sees the first batch.
        School.objects.select_for_update().filter(pk=scope.school.pk).first()
        active = SigningBatch.objects.filter(school=scope.school, role=role, status__in=SigningBatch.ACTIVE)
        if scope.class_group is not None:
            active = active.filter(class_group=scope.class_group)
        if active.exists():
            raise DomainError("Đang có một lượt ký hàng loạt cho phạm vi này; hãy chờ lượt đó xong.")
        batch = SigningBatch.objects.create(
            role=role, school=scope.school, class_group=scope.class_group, signer=applier,
            certificate=identity.certificate, total=candidates.count(), started_by=by, created_at=timezone.now(),
            secret_token=seal_secret(secret))
        audit_record(actor=by, action="signing:batch:start", object_type="signing_batch", object_id=batch.pk,
                     school_id=scope.school.pk,
                     after={"role": role, "class": scope.class_group.name if scope.class_group else None,
                            "total": batch.total, "certificate": identity.certificate.serial})
    if run_inline:
        return signing_batch_run(batch.pk)
    from hocba.signing.tasks import run_signing_batch

    transaction.on_commit(lambda: run_signing_batch.enqueue(batch.pk))
    return batch


# --- running -----------------------------------------------------------------------------------

def _label(version: RecordVersion) -> str:
    record = version.year_record
    return f"{record.student.full_name} ({record.class_group.name})"


def _store_chunk(results: list[pades.SignResult], *, role: str, identity: workflow.SignerIdentity,
                 bases: dict[int, str], labels: dict[int, str], by) -> tuple[int, list[str]]:
    """Store a round of signed records in ONE transaction; return (stored, messages of the others).

    The versions are locked (in primary-key order) before any is checked; each record is then
    re-checked (still current, still awaiting this role, PDF unchanged) and stored in its own
    savepoint, so a record that changed meanwhile is reported and skipped and the others are kept.
    One commit per round instead of one per record: a commit waits for the disk.
    """
    stored, messages = 0, []
    signed = [r for r in results if r.ok]
    entries: list[dict] = []
    with transaction.atomic():
        locked = {v.pk: v for v in RecordVersion.objects.select_for_update(of=("self", "year_record"))
                  .select_related("year_record__school", "year_record__class_group")
                  .filter(pk__in=[r.key for r in signed]).order_by("pk")}
        for result in results:
            if not result.ok:
                messages.append(f"{labels[result.key]}: {result.error}")
                continue
            try:
                with transaction.atomic():
                    version = locked.get(result.key)
                    if version is None:
                        raise DomainError("Học bạ không còn trong hệ thống.")
                    workflow._check_current(version)
                    workflow._check_order(version, role)
                    workflow._store_signature(version=version, role=role, identity=identity,
                                              signed_pdf=result.pdf, base_sha=bases[result.key], by=by,
                                              audit_entries=entries)
                stored += 1
            except DomainError as exc:
                messages.append(f"{labels[result.key]}: {_message(exc)}")
            except IntegrityError:
                messages.append(f"{labels[result.key]}: đã được ký ở vai trò này (bởi lượt ký khác).")
        audit_record_many(actor=by, entries=entries)  # the chain's head is locked from here to the commit
    return stored, messages


def signing_batch_run(batch_id: int, on_progress: Callable[[SigningBatch], None] | None = None) -> SigningBatch:
    """Run a queued batch in this process (called by the background task)."""
    batch = SigningBatch.objects.select_related("signer", "certificate", "school", "class_group", "started_by") \
        .get(pk=batch_id)
    if batch.status not in SigningBatch.ACTIVE:
        return batch
    SigningBatch.objects.filter(pk=batch.pk).update(status=SigningBatch.Status.RUNNING)
    messages: list[str] = []
    done = failed = 0
    status = SigningBatch.Status.FAILED
    try:
        secret = open_secret(batch.secret_token)
        SigningBatch.objects.filter(pk=batch.pk).update(secret_token="")  # the task holds it now
        role = batch.role
        candidates = list(awaiting(role=role, school=batch.school if role in SCHOOL_ROLES else None,
                                   class_group=batch.class_group)
                          .select_related("year_record__student", "year_record__class_group", "year_record__school"))
        SigningBatch.objects.filter(pk=batch.pk).update(total=len(candidates))
        problems = workflow.certificate_problems(batch.certificate,
                                                 teacher=None if role == SignRole.SEAL else batch.signer)
        if problems:
            raise DomainError("Không ký được với chứng thư số này: " + " ".join(problems))
        if not candidates:
            raise DomainError("Không có học bạ nào đang chờ ký ở vai trò này.")
        identity = workflow.signer_for(version=_first_for(candidates, role=role, by=batch.started_by), role=role,
                                       by=batch.started_by)
        if identity.certificate.pk != batch.certificate_id:
            raise DomainError("Chứng thư số của người ký đã thay đổi từ khi bắt đầu lượt ký; hãy bắt đầu lại.")
        jobs: list[pades.SignJob] = []
        bases: dict[int, str] = {}
        labels = {v.pk: _label(v) for v in candidates}
        missing_of = workflow.missing_confirmations_of(candidates) if role == SignRole.HOMEROOM else {}
        for version in candidates:
            if role == SignRole.HOMEROOM:
                missing = missing_of[version.pk]
                if missing:
                    failed += 1
                    messages.append(f"{labels[version.pk]}: chưa đủ xác nhận của giáo viên bộ môn "
                                    f"({', '.join(missing)}).")
                    continue
            try:
                box = workflow._box(version, role)
                label = (workflow.approver_label(version, identity.teacher) if role == SignRole.PRINCIPAL
                         else identity.role_label)
            except DomainError as exc:
                failed += 1
                messages.append(f"{labels[version.pk]}: {exc}")
                continue
            base = version.signed_pdf_sha256 or version.pdf_sha256
            bases[version.pk] = base
            jobs.append(pades.SignJob(key=version.pk, pdf=b"", box=box, role_label=label,
                                      signer_name=identity.teacher.full_name if identity.teacher
                                      else batch.school.name))
        _progress(batch, done, failed, messages, on_progress)
        backend = workflow.open_backend(batch.certificate, secret)
        del secret
        options = workflow._options(pki.trust_roots())
        try:
            for start in range(0, len(jobs), CHUNK):
                chunk = [pades.SignJob(key=j.key, pdf=archive.archive_get(bases[j.key]), box=j.box,
                                       role_label=j.role_label, signer_name=j.signer_name)
                         for j in jobs[start:start + CHUNK]]
                results = asyncio.run(pades.sign_many(chunk, backend=backend, options=options))
                stored, chunk_messages = _store_chunk(results, role=role, identity=identity, bases=bases,
                                                     labels=labels, by=batch.started_by)
                done += stored
                failed += len(results) - stored
                messages += chunk_messages
                _progress(batch, done, failed, messages, on_progress)
        finally:
            backend.close()
        status = SigningBatch.Status.DONE
    except DomainError as exc:
        messages.insert(0, _message(exc))
    except Exception as exc:  # the batch must end visibly, whatever happened
        messages.insert(0, f"Lỗi hệ thống: {type(exc).__name__}: {exc}")
        raise
    finally:
        SigningBatch.objects.filter(pk=batch.pk).update(
            status=status, done=done, failed=failed, messages=messages[:1000], secret_token="",
            finished_at=timezone.now())
        audit_record(actor=batch.started_by, action="signing:batch:finish", object_type="signing_batch",
                     object_id=batch.pk, school_id=batch.school_id,
                     after={"status": str(status), "done": done, "failed": failed})
    batch.refresh_from_db()
    return batch


def _message(exc: DomainError) -> str:
    return str(exc)


def _progress(batch: SigningBatch, done: int, failed: int, messages: list[str], on_progress) -> None:
    SigningBatch.objects.filter(pk=batch.pk).update(done=done, failed=failed, messages=messages[:1000])
    if on_progress is not None:
        batch.done, batch.failed = done, failed
        on_progress(batch)


def latest_batch(*, school: School, class_group: ClassGroup | None = None, role: str | None = None,
                 school_level: bool = False):
    """The latest batch of the school (of the class when given; of the school itself with ``school_level``)."""
    qs = SigningBatch.objects.filter(school=school)
    if class_group is not None:
        qs = qs.filter(class_group=class_group)
    elif school_level:
        qs = qs.filter(class_group__isnull=True)
    if role is not None:
        qs = qs.filter(role=role)
    return qs.order_by("-created_at", "-pk").first()


def batch_status(batch: SigningBatch | None) -> dict:
    """What the progress bar shows (JSON)."""
    if batch is None:
        return {"status": None}
    return {**batch.progress(messages=200), "role": batch.role}


__all__ = ["awaiting", "batch_status", "latest_batch", "signing_batch_run", "signing_batch_start"]
