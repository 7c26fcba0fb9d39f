"""Verification of a học bạ by anyone (by code, by uploaded PDF), share links, the access log.

The answer (:class:`Verdict`) is one plain verdict, then each check on its own line, then the
minimal facts (name, birth year, class, school, year results) — never the personal ID, the
address or the guardians. Signature validation of a signed PDF is cached per SHA-256 (a signed
file never changes), in this process and in :class:`ValidationResult`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from hocba.core.permissions import STAFF_ROLES, roles_for
from hocba.people.models import Guardianship
from hocba.records import archive
from hocba.records.document.codes import CODE_LENGTH, normalise_verification_code
from hocba.records.models import RecordStatus, RecordVersion, YearRecord
from hocba.signing.core.validate import validate_pdf
from hocba.signing.models import Signature, SignRole
from hocba.verification.checks import active_content, revision_prefix_hashes, summarise
from hocba.verification.models import AccessEvent, AccessKind, ShareLink, ValidationResult

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
SHARE_MAX_DAYS = 90
_PLACEHOLDER_CODE = "0" * CODE_LENGTH

V_VALID = "Học bạ hợp lệ"
V_INVALID = "Không xác thực được"
V_SUPERSEDED = "Học bạ đã được thay thế bởi phiên bản mới hơn"
V_UNSIGNED = "Học bạ chưa được ký đủ — chưa có giá trị chính thức"
V_UNKNOWN = "Không tìm thấy học bạ với mã xác thực này"
V_INTERMEDIATE = "Bản thật nhưng chưa phải bản đã ký đầy đủ cuối cùng"
V_NOT_ORIGINAL = "Không phải bản gốc điện tử"
V_FOREIGN = "Chữ ký hợp lệ nhưng không có trong kho học bạ của hệ thống"
V_RESAVED = "Tệp đã bị lưu lại hoặc sửa đổi sau khi ký — không phải bản gốc"
V_DAMAGED = "Tệp PDF bị hỏng, không đọc được"
UNKNOWN_MESSAGE = ("Mã xác thực không đúng hoặc không tồn tại. Hãy kiểm tra lại mã in ở chân mỗi trang học bạ "
                   "(16 ký tự, dạng XXXX-XXXX-XXXX-XXXX).")

ROLE_NAMES = {SignRole.HOMEROOM: "Giáo viên chủ nhiệm", SignRole.PRINCIPAL: "Hiệu trưởng",
              SignRole.SEAL: "Con dấu nhà trường"}


class UploadRefused(Exception):
    """The uploaded file is refused before any check (too large, not a PDF); ``status`` for HTTP."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class Check:
    """One line of the answer: ``ok`` True (passed), False (failed) or None (could not tell / not applicable)."""

    key: str
    name: str
    ok: bool | None
    text: str


@dataclass
class SignatureFact:
    role: str
    role_label: str
    signer: str
    signed_at: str
    valid: bool
    signed_at_local: str = ""  # "dd/mm/yyyy HH:MM", Vietnam time

    def __post_init__(self) -> None:
        if self.signed_at and not self.signed_at_local:
            self.signed_at_local = _vn(self.signed_at)


@dataclass
class Verdict:
    """The whole answer of a verification (by code, file or share link)."""

    found: bool
    verdict: str
    level: str  # "ok" | "warn" | "bad"
    genuine: bool = False
    current: bool = False
    final: bool = False
    school: str = ""
    school_year: str = ""
    class_name: str = ""
    student_name: str = ""
    birth_year: str = ""
    conduct: str = ""
    learning: str = ""
    version_number: int | None = None
    checks: list[Check] = field(default_factory=list)
    signatures: list[SignatureFact] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    year_record_id: int | None = None
    version_id: int | None = None

    def public_dict(self) -> dict[str, Any]:
        """The JSON answer of the API (no internal ids); computed once per verdict (verdicts are not modified)."""
        cached = self.__dict__.get("_public")
        if cached is not None:
            return cached
        data = asdict(self)
        data.pop("year_record_id")
        data.pop("version_id")
        data.pop("found")
        if self.found:
            self.__dict__["_public"] = data
        return data


def unknown_verdict() -> Verdict:
    """The one answer for every unknown or malformed code (uniform: no difference between them)."""
    return Verdict(found=False, verdict=V_UNKNOWN, level="bad", notes=[UNKNOWN_MESSAGE])


# --- cached validation --------------------------------------------------------------------

_memo: OrderedDict[str, dict[str, Any]] = OrderedDict()
_memo_lock = threading.Lock()
_MEMO_SIZE = 2048


def _memo_get(sha: str) -> dict[str, Any] | None:
    with _memo_lock:
        found = _memo.get(sha)
        if found is not None:
            _memo.move_to_end(sha)
        return found


def _memo_put(sha: str, summary: dict[str, Any]) -> None:
    with _memo_lock:
        _memo[sha] = summary
        while len(_memo) > _MEMO_SIZE:
            _memo.popitem(last=False)


def clear_validation_cache() -> None:
    """Forget cached validations (this process and the table), e.g. after the trust roots changed."""
    with _memo_lock:
        _memo.clear()
        _verdicts.clear()
    ValidationResult.objects.all().delete()


def validation_summary(pdf: bytes, *, sha256: str | None = None, store: bool = True) -> dict[str, Any]:
    """Validate ``pdf``'s signatures against the registered trust roots, cached by its SHA-256."""
    sha = sha256 or hashlib.sha256(pdf).hexdigest()
    cached = _memo_get(sha)
    if cached is not None:
        return cached
    row = ValidationResult.objects.filter(sha256=sha).first()
    if row is not None:
        _memo_put(sha, row.summary)
        return row.summary
    from hocba.signing.pki import trust_roots

    summary = summarise(validate_pdf(pdf, trust_roots()))
    _memo_put(sha, summary)
    if store:
        ValidationResult.objects.update_or_create(sha256=sha, defaults={"summary": summary,
                                                                          "validated_at": timezone.now()})
    return summary


def archived_summary(sha: str) -> dict[str, Any]:
    """Validation of an archived signed PDF (reads the archive only on a cache miss)."""
    cached = _memo_get(sha)
    if cached is not None:
        return cached
    row = ValidationResult.objects.filter(sha256=sha).first()
    if row is not None:
        _memo_put(sha, row.summary)
        return row.summary
    try:
        data = archive.archive_get(sha)
    except Exception:
        return {"sha256": "", "is_pdf": False, "all_valid": False, "empty_fields": [], "signatures": [],
                "problems": ["Không đọc được tệp trong kho lưu trữ."]}
    return validation_summary(data, sha256=sha)


# --- building the answer ------------------------------------------------------------------

def _vn(iso: str) -> str:
    if not iso:
        return ""
    from zoneinfo import ZoneInfo

    return dt.datetime.fromisoformat(iso).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y %H:%M")


def _role_of_field(field_name: str) -> str:
    return field_name.removeprefix("hocba_") if field_name.startswith("hocba_") else ""


def _minimal_facts(verdict: Verdict, version: RecordVersion) -> None:
    doc = version.document or {}
    student = doc.get("student") or {}
    year = (doc.get("results") or {}).get("year") or {}
    record = version.year_record
    verdict.school = record.school.name
    verdict.school_year = str(record.school_year)
    verdict.class_name = doc.get("class_name") or record.class_group.name
    verdict.student_name = student.get("full_name", "")
    birth = str(student.get("birth_date", ""))
    verdict.birth_year = birth[-4:] if len(birth) >= 4 else ""
    verdict.conduct = year.get("conduct", "")
    verdict.learning = year.get("learning", "")
    verdict.version_number = version.number
    verdict.year_record_id = record.pk
    verdict.version_id = version.pk


def _signature_checks(summary: dict[str, Any]) -> list[Check]:
    sigs = summary.get("signatures", [])
    if not sigs:
        return [Check("signatures", "Chữ ký số", False, "Tệp không có chữ ký số.")]
    checks = []
    broken = [s for s in sigs if not s["intact"] or s["modification"] not in ("none", "form_filling")]
    checks.append(Check("integrity", "Toàn vẹn nội dung", not broken,
                        "Nội dung không bị thay đổi sau khi ký." if not broken else
                        "Nội dung đã bị thay đổi sau khi ký: " + "; ".join(
                            f"chữ ký của {s['signer'] or '?'}" for s in broken) + "."))
    untrusted = [s for s in sigs if not s["trusted"]]
    # a broken signature's chain is never checked (pyHanko stops at the broken hash): say so, not "không hợp lệ"
    unchecked = all(s in broken for s in untrusted)
    checks.append(Check("chain", "Chuỗi chứng thư của người ký", None if untrusted and unchecked else not untrusted,
                        "Chứng thư số của người ký do tổ chức cung cấp dịch vụ tin cậy cấp." if not untrusted else
                        "Không kiểm tra được vì chữ ký không còn nguyên vẹn." if unchecked else
                        "; ".join(f"{s['signer'] or '?'}: " + ("không kiểm tra được vì chữ ký không còn nguyên vẹn"
                                                               if s in broken else
                                                               s["trust_problem"] or "không tin cậy")
                                  for s in untrusted) + "."))
    no_ts = [s for s in sigs if not s["timestamp_present"]]
    bad_ts = [s for s in sigs if s["timestamp_present"] and not s["timestamp_valid"]]
    checks.append(Check("timestamp", "Dấu thời gian", False if bad_ts else (None if no_ts else True),
                        "Dấu thời gian không hợp lệ." if bad_ts else
                        ("Một số chữ ký không có dấu thời gian (thời điểm ký do người ký tự khai)." if no_ts else
                         "Mọi chữ ký có dấu thời gian hợp lệ của " + ", ".join(
                             sorted({s["tsa"] for s in sigs if s["tsa"]})) + ".")))
    revoked = [s for s in sigs if s["revocation"] == "revoked"]
    unknown = [s for s in sigs if s["revocation"] == "unknown"]
    checks.append(Check("revocation", "Tình trạng thu hồi chứng thư", False if revoked else (None if unknown else True),
                        "Chứng thư số đã bị thu hồi." if revoked else
                        ("Không có thông tin thu hồi (OCSP/CRL) trong tệp cho một số chữ ký." if unknown else
                         "Chứng thư số chưa bị thu hồi tại thời điểm ký (OCSP/CRL nhúng trong tệp).")))
    return checks


def _signatures_from_summary(summary: dict[str, Any]) -> list[SignatureFact]:
    return [SignatureFact(role=_role_of_field(s["field"]), role_label=s["role_label"], signer=s["signer"],
                          signed_at=s["signed_at"], valid=bool(s["ok"])) for s in summary.get("signatures", [])]


def _archived_checks(verdict: Verdict, version: RecordVersion, summary: dict[str, Any]) -> None:
    """Checks and verdict of an archived version (its latest signed copy)."""
    record = version.year_record
    signatures = list(Signature.objects.filter(version=version).select_related("certificate").order_by("signed_at"))
    checks: list[Check] = []
    if not signatures:
        checks.append(Check("signatures", "Chữ ký số", False, "Học bạ chưa được ký."))
    else:
        stored_ok = summary.get("sha256") == version.signed_pdf_sha256
        checks.append(Check("archive", "Bản lưu trữ", stored_ok,
                            "Tệp đã ký trong kho lưu trữ khớp mã băm SHA-256 đã ghi." if stored_ok else
                            "Tệp trong kho lưu trữ không khớp mã băm đã ghi."))
        checks += _signature_checks(summary)
    by_field = {s["field"]: s for s in summary.get("signatures", [])}
    verdict.signatures = [SignatureFact(role=s.role, role_label=s.role_label, signer=s.signer_name,
                                        signed_at=s.signed_at.isoformat(),
                                        valid=bool(by_field.get(s.field_name, {}).get("ok")))
                          for s in signatures]
    complete = version.status in (RecordStatus.SEALED, RecordStatus.SUPERSEDED) and not summary.get("empty_fields")
    if signatures:
        checks.append(Check("complete", "Đủ chữ ký", complete,
                            "Đã có đủ chữ ký theo quy trình (giáo viên chủ nhiệm, hiệu trưởng, con dấu)." if complete
                            else "Còn thiếu chữ ký: " + ", ".join(summary.get("empty_fields") or ["?"]) + "."))
    current = version.is_current and version.status != RecordStatus.SUPERSEDED
    checks.append(Check("current", "Phiên bản hiện hành", current,
                        f"Đây là phiên bản hiện hành (phiên bản {version.number})." if current else
                        f"Phiên bản {version.number} đã được thay thế bởi phiên bản mới hơn (sửa chữa sau khi ký). "
                        "Hãy đề nghị người nộp cung cấp phiên bản mới nhất."))
    wrong_school = [s for s in signatures if s.certificate.school_id != record.school_id]
    registered = bool(signatures) and not wrong_school
    checks.append(Check("school", "Trường cấp học bạ đã đăng ký", registered if signatures else None,
                        f"{record.school.name} có trong danh mục trường của Sở và chứng thư số của người ký "
                        "đã đăng ký cho trường." if registered else
                        "Chứng thư số của người ký không đăng ký cho trường này." if signatures else
                        f"{record.school.name} có trong danh mục trường của Sở."))
    verdict.checks = checks
    signed_ok = bool(signatures) and summary.get("all_valid", False) and registered and all(
        c.ok is not False for c in checks if c.key in ("archive", "integrity", "chain", "timestamp", "revocation"))
    verdict.genuine = signed_ok and complete
    verdict.final = complete
    verdict.current = current
    if signatures and not signed_ok:
        verdict.verdict, verdict.level = V_INVALID, "bad"
    elif not current:
        verdict.verdict, verdict.level = V_SUPERSEDED, "warn"
        verdict.notes.append("Một phiên bản mới hơn của học bạ năm học này đã được lập và ký.")
    elif not complete:
        verdict.verdict, verdict.level = V_UNSIGNED, "warn"
    else:
        verdict.verdict, verdict.level = V_VALID, "ok"


def _version_by_code(code: str | None) -> RecordVersion | None:
    # Malformed codes run the same query as well-formed ones: no timing difference.
    lookup = code or _PLACEHOLDER_CODE
    version = (RecordVersion.objects.select_related("year_record__school", "year_record__school_year",
                                                    "year_record__class_group")
               .filter(verification_code=lookup).order_by()[:1])
    # (no ordering: the models' default orderings would join up to the student for one row)
    return version[0] if code and version else None


def verdict_for_version(version: RecordVersion) -> Verdict:
    verdict = Verdict(found=True, verdict="", level="")
    _minimal_facts(verdict, version)
    summary = archived_summary(version.signed_pdf_sha256) if version.signed_pdf_sha256 else {
        "signatures": [], "all_valid": False, "empty_fields": [], "sha256": ""}
    _archived_checks(verdict, version, summary)
    return verdict


_verdicts: OrderedDict[tuple, Verdict] = OrderedDict()
_VERDICTS_SIZE = 4096


def _state_by_code(code: str | None) -> tuple | None:
    """What a code's answer depends on, in one indexed query (a malformed code runs the same query).

    Plain SQL on the hot path (the ORM's query building costs more than the query itself).
    """
    version_table, record_table = RecordVersion._meta.db_table, YearRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.id, v.year_record_id, v.number, v.status, v.signed_pdf_sha256, y.current_version_id "  # noqa: S608
            f"FROM {version_table} v JOIN {record_table} y ON y.id = v.year_record_id "
            f"WHERE v.verification_code = %s", [code or _PLACEHOLDER_CODE])
        row = cursor.fetchone()
    return tuple(row) if code and row else None


def _log_code_access(state: tuple, kind: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {AccessEvent._meta.db_table} (year_record_id, version_id, kind, what, at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s)",
            [state[1], state[0], str(kind), f"Xác thực phiên bản {state[2]} bằng mã",
             connection.ops.adapt_datetimefield_value(timezone.now())])


def verify_code(*, text: str, kind: str = AccessKind.PUBLIC_CODE) -> Verdict:
    """Verify by the code printed on the record (or the QR URL); logs the access when found.

    The answer is memoised per process, keyed by everything it depends on (version, status,
    signed file, the record's current version), so a new version or signature changes the key.
    The returned verdict is shared: callers must not modify it.
    """
    state = _state_by_code(normalise_verification_code(text or ""))
    if state is None:
        return unknown_verdict()
    with _memo_lock:
        verdict = _verdicts.get(state)
    if verdict is None:
        version = _version_by_code(normalise_verification_code(text or ""))
        if version is None:
            return unknown_verdict()
        verdict = verdict_for_version(version)
        with _memo_lock:
            _verdicts[state] = verdict
            while len(_verdicts) > _VERDICTS_SIZE:
                _verdicts.popitem(last=False)
    _log_code_access(state, kind)
    return verdict


def verify_pdf(*, data: bytes, kind: str = AccessKind.PUBLIC_FILE) -> Verdict:
    """Check an uploaded PDF: compare with the archive by hash, and validate its signatures itself."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(f"Tệp quá lớn (tối đa {MAX_UPLOAD_BYTES // (1024 * 1024)} MB).", 413)
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise UploadRefused("Tệp không phải PDF. Hãy tải lên tệp học bạ điện tử (.pdf) đã nhận từ nhà trường.", 415)
    sha = hashlib.sha256(data).hexdigest()
    active = active_content(data)
    final = RecordVersion.objects.filter(signed_pdf_sha256=sha).select_related(
        "year_record__school", "year_record__school_year", "year_record__class_group").first()
    if final is not None:
        verdict = verdict_for_version(final)
        verdict.notes.insert(0, "Tệp trùng khớp từng byte với bản đã ký lưu trong kho học bạ (SHA-256).")
        _note_active(verdict, active)
        access_log(version=final, kind=kind, what=f"Kiểm tra tệp PDF (phiên bản {final.number})")
        return verdict
    summary = validation_summary(data, sha256=sha)
    intermediate = Signature.objects.filter(pdf_sha256=sha).select_related(
        "version__year_record__school", "version__year_record__school_year",
        "version__year_record__class_group").first()
    unsigned = None if intermediate else RecordVersion.objects.filter(pdf_sha256=sha).select_related(
        "year_record__school", "year_record__school_year", "year_record__class_group").first()
    resaved = None
    if intermediate is None and unsigned is None and summary.get("signatures"):
        prefixes = revision_prefix_hashes(data)
        resaved = (RecordVersion.objects.filter(signed_pdf_sha256__in=prefixes).select_related(
            "year_record__school", "year_record__school_year", "year_record__class_group").first()
            if prefixes else None)
        if resaved is None and prefixes:
            sig = Signature.objects.filter(pdf_sha256__in=prefixes).select_related(
                "version__year_record__school", "version__year_record__school_year",
                "version__year_record__class_group").first()
            resaved = sig.version if sig else None
    verdict = Verdict(found=False, verdict="", level="bad")
    verdict.signatures = _signatures_from_summary(summary)
    verdict.checks = _signature_checks(summary)
    known = (intermediate.version if intermediate else None) or unsigned or resaved
    if known is not None:
        _minimal_facts(verdict, known)
        verdict.found = True
        verdict.current = known.is_current and known.status != RecordStatus.SUPERSEDED
    if intermediate is not None:
        ok = summary.get("all_valid", False)
        verdict.genuine = ok
        verdict.verdict = V_INTERMEDIATE if ok else V_INVALID
        verdict.level = "warn" if ok else "bad"
        verdict.checks.append(Check("archive", "Bản lưu trữ", True,
                                    "Tệp trùng khớp một bản trung gian trong quá trình ký (chưa đủ chữ ký)."))
        verdict.notes.append("Đây là bản trong quá trình ký, chưa phải bản cuối cùng đã ký đầy đủ. "
                             "Hãy đề nghị người nộp cung cấp bản cuối cùng.")
    elif unsigned is not None:
        verdict.verdict, verdict.level = V_UNSIGNED, "warn"
        verdict.checks.append(Check("archive", "Bản lưu trữ", True, "Tệp trùng khớp bản dựng trước khi ký."))
    elif not summary.get("is_pdf"):
        verdict.verdict = V_DAMAGED
        verdict.checks = [Check("file", "Đọc tệp", False, "Tệp bị hỏng hoặc không đầy đủ (ví dụ tải về chưa xong), "
                                                          "không đọc được nội dung và chữ ký số.")]
        verdict.notes.append("Hãy tải lại tệp gốc từ người nộp hoặc nhà trường rồi kiểm tra lại; hoặc tra cứu bằng "
                             "mã xác thực in trên học bạ.")
    elif not summary.get("signatures"):
        verdict.verdict = V_NOT_ORIGINAL
        verdict.notes.append("Tệp không có chữ ký số: có thể là bản quét, bản in ra PDF hoặc bản đã bị chuyển đổi. "
                             "Chỉ tệp PDF gốc do nhà trường phát hành mới xác thực được; hoặc tra cứu bằng mã "
                             "xác thực in trên học bạ.")
    elif resaved is not None:
        verdict.verdict = V_RESAVED
        verdict.checks.append(Check("archive", "Bản lưu trữ", False,
                                    "Phần đã ký khớp với học bạ trong kho, nhưng tệp đã bị thêm nội dung hoặc lưu "
                                    "lại sau khi ký (mã băm toàn tệp không khớp)."))
        verdict.notes.append("Hãy tra cứu bằng mã xác thực hoặc đề nghị người nộp cung cấp tệp gốc.")
    elif summary.get("all_valid"):
        verdict.verdict, verdict.level = V_FOREIGN, "warn"
        verdict.checks.append(Check("archive", "Bản lưu trữ", None,
                                    "Không có tệp này trong kho học bạ của hệ thống."))
    else:
        verdict.verdict = V_INVALID
        verdict.checks.append(Check("archive", "Bản lưu trữ", False,
                                    "Tệp không trùng khớp bất kỳ bản nào trong kho học bạ (đã bị sửa đổi?)."))
    _note_active(verdict, active)
    if known is not None:
        access_log(version=known, kind=kind, what=f"Kiểm tra tệp PDF: {verdict.verdict}")
    return verdict


def _note_active(verdict: Verdict, active: list[str]) -> None:
    if active:
        verdict.checks.append(Check("active", "Nội dung thực thi", False,
                                    "Tệp chứa mã hoặc hành động tự chạy (" + ", ".join(active) + "); "
                                    "hệ thống không thực thi chúng. Bản gốc của nhà trường không có nội dung này."))
        if verdict.level == "ok":
            verdict.level = "warn"


# --- access log ---------------------------------------------------------------------------

def access_log(*, version: RecordVersion, kind: str, what: str) -> AccessEvent:
    """Record one view or verification of a record (shown to the family)."""
    return AccessEvent.objects.create(year_record_id=version.year_record_id, version=version, kind=kind,
                                      what=what[:200], at=timezone.now())


def access_log_read(*, user, version: RecordVersion, what: str) -> AccessEvent:
    """Log a signed-in user's read of a record where its family sees it, as staff or as family."""
    kind = AccessKind.STAFF if roles_for(user, "records:record:view") & STAFF_ROLES else AccessKind.FAMILY
    return access_log(version=version, kind=kind, what=what)


# --- share links --------------------------------------------------------------------------

def share_link_create(*, year_record: YearRecord, by, days: int, note: str = "") -> ShareLink:
    """A new share link (token: 32 bytes from :mod:`secrets`, 256 bits) valid for ``days`` days."""
    days = max(1, min(int(days), SHARE_MAX_DAYS))
    now = timezone.now()
    return ShareLink.objects.create(year_record=year_record, token=secrets.token_urlsafe(32), created_by=by,
                                    created_at=now, expires_at=now + dt.timedelta(days=days), note=note[:120])


def share_link_revoke(*, link: ShareLink, by) -> ShareLink:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


def share_link_active(token: str) -> ShareLink | None:
    """The link for ``token`` if it is neither expired nor revoked, and whoever made it still reaches the student
    (None otherwise): the student's own account, or a guardian's while the school keeps them as the student's
    cha mẹ / người giám hộ. A guardian the school removed from the student (``people.services.guardian_remove``)
    loses the links they had sent out, as they lose the portal."""
    if not token or len(token) > 64:
        return None
    now = timezone.now()
    return (ShareLink.objects.select_related("year_record__current_version")
            .filter(Q(token=token) & Q(revoked_at__isnull=True) & Q(expires_at__gt=now))
            .filter(share_link_maker_reaches()).first())


def share_link_maker_reaches() -> Q:
    """A share link's maker still reaches its student (see :func:`share_link_active`): the student's own account,
    or a guardian's the school keeps as the student's cha mẹ / người giám hộ."""
    still_guardian = Guardianship.objects.filter(student_id=OuterRef("year_record__student_id"),
                                                 guardian__user_id=OuterRef("created_by_id"))
    return Q(created_by_id=F("year_record__student__user_id")) | Exists(still_guardian)


def verify_share(*, token: str) -> Verdict | None:
    link = share_link_active(token)
    if link is None:
        return None
    version = (RecordVersion.objects.select_related("year_record__school", "year_record__school_year",
                                                    "year_record__class_group")
               .filter(pk=link.year_record.current_version_id).first())
    if version is None:
        return None
    verdict = verdict_for_version(version)
    access_log(version=version, kind=AccessKind.SHARE_LINK,
               what="Mở liên kết chia sẻ" + (f" ({link.note})" if link.note else ""))
    return verdict
