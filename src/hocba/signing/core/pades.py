"""PAdES signatures on the học bạ PDF: fields, visible Vietnamese stamps, locks, B-T/B-LT, batches.

Locking scheme (chosen because it validates cleanly with sequential signatures in pyHanko):

* Before the first signature, every planned signature box (homeroom teacher, principal, school
  seal) is created as an *empty* signature field (:func:`prepare_signature_fields`). pyHanko
  (stricter than Acrobat) treats a *new visible* signature field added after a certification
  signature as a suspicious change, so the fields must exist first.
* The first signature is a **certification** signature (DocMDP, P=2: only form filling and
  signing are allowed afterwards). Every later change other than filling those fields makes the
  validator report modification level "other".
* Every signature field carries a **FieldMDP lock** (``/Lock``, action Exclude), written when the
  field is created, that locks every form field except the boxes of the later signers, so a later
  signer can only fill their own box. (Adding ``/Lock`` to an existing field at signing time is
  itself flagged as a suspicious change by pyHanko, hence "at creation".)
* The role label is written into the signature's ``/Reason`` (and shown in the stamp); the
  signer's name comes from the certificate CN and is also written into ``/Name``.

Each signature is an incremental update, so earlier signatures stay intact. No Django import here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as pdf_fields
from pyhanko.sign.fields import FieldMDPAction, FieldMDPSpec, MDPPerm, SigFieldSpec
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from .backends import SignerBackend, to_asn1, use_pades_signed_attributes
from .certificates import async_check_certificate_usable
from .pdf_speedups import install as _install_pdf_speedups
from .sigfields import FieldPlan, add_empty_signature_fields

_install_pdf_speedups()

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FONT_PATH = Path(__file__).resolve().parent.parent / "fonts" / "DejaVuSans-vi.ttf"
DEFAULT_BYTES_RESERVED = 16384

#: Role labels as they appear on the paper form.
ROLE_HOMEROOM = "Giáo viên chủ nhiệm"
ROLE_PRINCIPAL = "Hiệu trưởng"
ROLE_DEPUTY = "KT. HIỆU TRƯỞNG\nPHÓ HIỆU TRƯỞNG"
ROLE_SEAL = "Con dấu nhà trường"


class CertificateRefused(SigningError):
    """Signing refused because the certificate is not usable; ``problems`` are Vietnamese messages."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class SignatureBox:
    """Where a signature goes: field name, 0-based page, rectangle in PDF points (x1, y1, x2, y2)."""

    field_name: str
    page: int
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def rect(self) -> tuple[int, int, int, int]:
        return (round(self.x1), round(self.y1), round(self.x2), round(self.y2))


@dataclass(frozen=True)
class SigningOptions:
    """How to sign: timestamp (B-T), revocation info (B-LT), certification and locking."""

    timestamp_url: str | None = None
    #: trust roots for B-LT (embed OCSP/CRL fetched now) and for the pre-signing certificate check
    trust_roots: Sequence[x509.Certificate] = ()
    embed_revocation_info: bool = False
    #: None = certify when the document has no signature yet
    certify: bool | None = None
    #: for a field created at signing time: lock every other field except the still-empty signature fields
    lock: bool = True
    check_certificate: bool = True
    bytes_reserved: int = DEFAULT_BYTES_RESERVED
    #: seconds to wait for the time-stamping authority (pyHanko's default, 5 s, is short under load)
    timestamp_timeout: float = 30.0


# --------------------------------------------------------------------------- stamp
_font_lock = threading.Lock()


def format_vn_time(when: dt.datetime) -> str:
    """``dd/mm/yyyy HH:MM`` in Asia/Ho_Chi_Minh."""
    return when.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def stamp_lines(*, role_label: str, signer_name: str, when: dt.datetime) -> list[str]:
    """The text of the visible stamp, line by line."""
    return [*role_label.split("\n"), signer_name, f"Đã ký số: {format_vn_time(when)}"]


_stamp_dir: Path | None = None
_stamp_cache: dict[tuple[str, int, int], Path] = {}


def _typst_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_stamp_pdf(lines: Sequence[str], width: float, height: float) -> Path:
    """A one-page PDF exactly the size of the signature box with the stamp text (cached).

    Rendered once per distinct text with Typst and the shipped font, then imported by pyHanko as
    a static appearance: embedding an OpenType font into every signed PDF (pyHanko's text
    stamp) costs ~100 ms of font subsetting per signature; the imported page costs ~1 ms.
    """
    global _stamp_dir
    import tempfile

    import typst

    key = ("\n".join(lines), round(width), round(height))
    with _font_lock:
        cached = _stamp_cache.get(key)
        if cached is not None and cached.exists():
            return cached
        if _stamp_dir is None:
            _stamp_dir = Path(tempfile.mkdtemp(prefix="hocba-stamps-"))
        n = len(_stamp_cache)
        src = _stamp_dir / f"stamp-{n}.typ"
        body = ", ".join(_typst_string(line) for line in lines)
        size = 8 if len(lines) <= 4 else 7
        src.write_text(
            f"#set page(width: {key[1]}pt, height: {key[2]}pt, margin: 3pt)\n"
            f'#set text(font: "DejaVu Sans", size: {size}pt, fill: rgb("#c00000"), lang: "vi")\n'
            f'#rect(width: 100%, height: 100%, stroke: 0.8pt + rgb("#c00000"), radius: 2pt, inset: 3pt)[\n'
            f"#set align(center + horizon)\n"
            f"#stack(spacing: 3pt, ..({body},))]\n",
            encoding="utf-8",
        )
        out = src.with_suffix(".pdf")
        out.write_bytes(typst.compile(str(src), format="pdf", font_paths=[str(FONT_PATH.parent)]))
        _stamp_cache[key] = out
        return out


class _StampPage(PdfContent):
    """The rendered stamp PDF's page, imported into each signed PDF as a form XObject.

    Like pyHanko's ``ImportedPdfPage``, but the stamp PDF is parsed once per distinct text (not
    re-read from disk and re-parsed for every signature: ~2 ms each); each document still gets its
    own copy of the page's objects (fonts stay embedded). The lock keeps a reader's lazy parsing
    to one thread at a time.
    """

    def __init__(self, reader: PdfFileReader) -> None:
        super().__init__()
        self._reader = reader

    def render(self) -> bytes:
        writer = self._ensure_writer
        with _import_lock:
            xobj = writer.import_page_as_xobject(self._reader, page_ix=0)
        name = "/Import" + uuid.uuid4().hex
        self.resources.xobject[name] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name.encode("ascii") + b" Do"


#: parsed stamp PDFs, most recently used last (a stamp's text changes every minute: keep a few)
_stamp_readers: OrderedDict[Path, PdfFileReader] = OrderedDict()
_STAMP_READERS_KEPT = 64
_import_lock = threading.Lock()


def _stamp_style(lines: Sequence[str], box: SignatureBox) -> StaticStampStyle:
    path = render_stamp_pdf(lines, box.x2 - box.x1, box.y2 - box.y1)
    with _font_lock:
        reader = _stamp_readers.get(path)
        if reader is None:
            reader = _stamp_readers[path] = PdfFileReader(BytesIO(path.read_bytes()))
            while len(_stamp_readers) > _STAMP_READERS_KEPT:
                _stamp_readers.popitem(last=False)
        else:
            _stamp_readers.move_to_end(path)
    return StaticStampStyle(background=_StampPage(reader), border_width=0)


# --------------------------------------------------------------------------- fields
def _existing_fields(reader: PdfFileReader) -> dict[str, bool]:
    """Signature field name → already signed?"""
    out: dict[str, bool] = {}
    try:
        for name, value, _ref in pdf_fields.enumerate_sig_fields(reader, filled_status=None):
            out[name] = value is not None
    except (PdfError, KeyError, TypeError):
        return {}
    return out


def signature_fields(pdf: bytes) -> dict[str, bool]:
    """The PDF's signature fields: name → signed (True) or still empty (False)."""
    return _existing_fields(PdfFileReader(BytesIO(pdf), strict=False))


def prepare_signature_fields(pdf: bytes, boxes: Sequence[SignatureBox], *, lock: bool = True) -> bytes:
    """Create the empty signature fields, in signing order, as one incremental update.

    Call this on the unsigned PDF with every planned signature box (homeroom teacher, principal,
    seal …) before the first signature. With ``lock=True`` each field carries a FieldMDP lock
    (``/Lock``, action Exclude) naming the fields that come after it: once signed, every form field
    is locked except the boxes of the later signers. Fields that already exist are left alone.

    A PDF as typst writes it (no form yet) gets the update written directly by
    :mod:`.sigfields` (~0.3 ms, metadata untouched); any other PDF goes through pyHanko.
    """
    plans = [
        FieldPlan(b.field_name, b.page, b.rect, tuple(x.field_name for x in boxes[i + 1 :]) if lock else None)
        for i, b in enumerate(boxes)
    ]
    fast = add_empty_signature_fields(pdf, plans)
    return fast if fast is not None else prepare_signature_fields_pyhanko(pdf, boxes, lock=lock)


def prepare_signature_fields_pyhanko(pdf: bytes, boxes: Sequence[SignatureBox], *, lock: bool = True) -> bytes:
    """:func:`prepare_signature_fields` through pyHanko's incremental writer (any PDF; slower)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    existing = _existing_fields(writer.prev)
    added = False
    for i, box in enumerate(boxes):
        if box.field_name in existing:
            continue
        later = [b.field_name for b in boxes[i + 1 :]]
        spec = SigFieldSpec(
            sig_field_name=box.field_name,
            on_page=box.page,
            box=box.rect,
            field_mdp_spec=FieldMDPSpec(action=FieldMDPAction.EXCLUDE, fields=later) if lock else None,
        )
        pdf_fields.append_signature_field(writer, spec)
        added = True
    if not added:
        return pdf
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


# --------------------------------------------------------------------------- signing
def _validation_context(
    trust_roots: Sequence[x509.Certificate],
    fetcher: AIOHttpFetcherBackend | None,
    extra_certs: Sequence[x509.Certificate] = (),
) -> ValidationContext:
    return ValidationContext(
        trust_roots=[to_asn1(c) for c in trust_roots],
        other_certs=[to_asn1(c) for c in extra_certs],
        allow_fetching=fetcher is not None,
        fetcher_backend=fetcher,
        revocation_mode="require" if fetcher is not None else "soft-fail",
    )


@dataclass
class _Prepared:
    signer: PdfSigner
    writer: IncrementalPdfFileWriter
    body: str


def _prepare(
    pdf: bytes,
    *,
    box: SignatureBox,
    backend: SignerBackend,
    role_label: str,
    signer_name: str | None,
    options: SigningOptions,
    timestamper: HTTPTimeStamper | None,
    validation_context: ValidationContext | None,
    when: dt.datetime,
) -> _Prepared:
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise SigningError("Tệp không phải PDF hợp lệ.") from exc
    fields_now = _existing_fields(writer.prev)
    if fields_now.get(box.field_name):
        raise SigningError(f"Ô chữ ký '{box.field_name}' đã được ký.")
    already_signed = any(fields_now.values())
    certify = (not already_signed) if options.certify is None else options.certify
    if certify and already_signed:
        raise SigningError("Chỉ chữ ký đầu tiên mới có thể là chữ ký chứng nhận (DocMDP).")
    name = signer_name or _cn(backend.certificate)
    field_mdp = None
    if options.lock:
        still_empty = [n for n, signed in fields_now.items() if not signed and n != box.field_name]
        field_mdp = FieldMDPSpec(action=FieldMDPAction.EXCLUDE, fields=still_empty)
    new_field = None
    if box.field_name not in fields_now:
        new_field = SigFieldSpec(
            sig_field_name=box.field_name,
            on_page=box.page,
            box=box.rect,
            field_mdp_spec=field_mdp,
            doc_mdp_update_value=MDPPerm.FILL_FORMS if certify else None,
        )
    meta = PdfSignatureMetadata(
        field_name=box.field_name,
        reason=role_label.replace("\n", " – "),
        name=name,
        location="Hải Phòng, Việt Nam",
        certify=certify,
        docmdp_permissions=MDPPerm.FILL_FORMS,
        subfilter=pdf_fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        embed_validation_info=validation_context is not None,
        validation_context=validation_context,
        use_pades_lta=False,
    )
    lines = stamp_lines(role_label=role_label, signer_name=name, when=when)
    signer = PdfSigner(
        meta,
        backend.signer,
        timestamper=timestamper,
        stamp_style=_stamp_style(lines, box),
        new_field_spec=new_field,
    )
    return _Prepared(signer, writer, "\n".join(lines))


def _cn(cert: x509.Certificate) -> str:
    from .pki import common_name_of

    return common_name_of(cert)


async def _refuse_if_unusable(backend: SignerBackend, options: SigningOptions, when: dt.datetime) -> None:
    if not options.check_certificate:
        return
    problems = await async_check_certificate_usable(
        backend.certificate,
        when,
        trust_roots=list(options.trust_roots) or None,
        intermediates=backend.chain,
        check_revocation=bool(options.trust_roots),
    )
    if problems:
        raise CertificateRefused(problems)


async def async_add_signature_field_and_sign(
    pdf: bytes,
    *,
    field_name: str,
    box: tuple[int, float, float, float, float] | SignatureBox,
    backend: SignerBackend,
    role_label: str,
    signer_name: str | None = None,
    options: SigningOptions = SigningOptions(),
    timestamper: HTTPTimeStamper | None = None,
    fetcher: AIOHttpFetcherBackend | None = None,
) -> bytes:
    """Async :func:`add_signature_field_and_sign`; batches share ``timestamper`` and ``fetcher``."""
    if not isinstance(box, SignatureBox):
        box = SignatureBox(field_name, *box)
    when = dt.datetime.now(dt.UTC)
    await _refuse_if_unusable(backend, options, when)
    own_fetcher = None
    vc = None
    if options.embed_revocation_info:
        if not options.trust_roots:
            raise SigningError("Cần danh sách chứng thư gốc tin cậy để nhúng thông tin thu hồi (B-LT).")
        if fetcher is None:
            fetcher = own_fetcher = AIOHttpFetcherBackend()
        vc = _validation_context(options.trust_roots, fetcher, backend.chain)
    own_ts = timestamper is None and options.timestamp_url is not None
    if own_ts:
        timestamper = HTTPTimeStamper(options.timestamp_url, timeout=options.timestamp_timeout)
    try:
        prepared = _prepare(
            pdf,
            box=box,
            backend=backend,
            role_label=role_label,
            signer_name=signer_name,
            options=options,
            timestamper=timestamper,
            validation_context=vc,
            when=when,
        )
        out = await prepared.signer.async_sign_pdf(
            prepared.writer,
            bytes_reserved=options.bytes_reserved,
            appearance_text_params={"body": prepared.body},
            output=BytesIO(),
        )
        return out.getvalue()  # type: ignore[no-any-return]
    finally:
        if own_fetcher is not None:
            await own_fetcher.close()


def add_signature_field_and_sign(
    pdf: bytes,
    *,
    field_name: str,
    box: tuple[int, float, float, float, float] | SignatureBox,
    backend: SignerBackend,
    role_label: str,
    signer_name: str | None = None,
    timestamp_url: str | None = None,
    trust_roots: Sequence[x509.Certificate] = (),
    embed_revocation_info: bool = False,
    certify: bool | None = None,
    lock: bool = True,
    check_certificate: bool = True,
) -> bytes:
    """Sign ``pdf`` in the field ``field_name`` (created at ``box`` = (page, x1, y1, x2, y2) if missing).

    Returns the PDF with the signature appended as an incremental update. ``role_label`` (e.g.
    ``ROLE_PRINCIPAL``) goes into ``/Reason`` and the stamp. ``timestamp_url`` makes it PAdES B-T;
    ``embed_revocation_info=True`` (needs ``trust_roots``) fetches OCSP/CRL now and embeds them
    (B-LT). ``certify=None`` certifies the first signature (DocMDP P=2). Raises
    :class:`CertificateRefused` if the certificate is expired, not yet valid, lacks the signing
    key usage, or (when ``trust_roots`` are given) is untrusted or revoked.
    """
    options = SigningOptions(
        timestamp_url=timestamp_url,
        trust_roots=tuple(trust_roots),
        embed_revocation_info=embed_revocation_info,
        certify=certify,
        lock=lock,
        check_certificate=check_certificate,
    )
    return asyncio.run(
        async_add_signature_field_and_sign(
            pdf,
            field_name=field_name,
            box=box,
            backend=backend,
            role_label=role_label,
            signer_name=signer_name,
            options=options,
        )
    )


# --------------------------------------------------------------------------- batches
@dataclass(frozen=True)
class SignJob:
    """One document of a batch. ``key`` is the caller's id (record version id)."""

    key: Any
    pdf: bytes
    box: SignatureBox
    role_label: str
    signer_name: str | None = None


@dataclass
class SignResult:
    key: Any
    pdf: bytes | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class BatchProgress:
    done: int = 0
    failed: int = 0
    total: int = 0
    errors: list[tuple[Any, str]] = field(default_factory=list)


async def sign_many(
    jobs: Sequence[SignJob],
    *,
    backend: SignerBackend,
    options: SigningOptions = SigningOptions(),
    concurrency: int = 16,
    on_progress: Any = None,
) -> list[SignResult]:
    """Sign many documents with one key, overlapping the time-stamp (and OCSP) round trips.

    A document that fails (broken PDF, field already signed …) gets ``SignResult.error`` (Vietnamese)
    and the others go on; the certificate is checked once for the whole batch (a refused
    certificate raises :class:`CertificateRefused` before anything is signed). ``on_progress`` is
    called as ``on_progress(BatchProgress)`` after each document (from the event loop thread).
    """
    import aiohttp

    when = dt.datetime.now(dt.UTC)
    await _refuse_if_unusable(backend, options, when)
    batch_options = SigningOptions(
        timestamp_url=options.timestamp_url,
        trust_roots=options.trust_roots,
        embed_revocation_info=options.embed_revocation_info,
        certify=options.certify,
        lock=options.lock,
        check_certificate=False,
        bytes_reserved=options.bytes_reserved,
        timestamp_timeout=options.timestamp_timeout,
    )
    progress = BatchProgress(total=len(jobs))
    sem = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency * 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        timestamper = (
            HTTPTimeStamper(options.timestamp_url, session=session, timeout=options.timestamp_timeout)
            if options.timestamp_url
            else None
        )
        fetcher = AIOHttpFetcherBackend(session=session) if options.embed_revocation_info else None

        async def one(job: SignJob) -> SignResult:
            async with sem:
                try:
                    pdf = await async_add_signature_field_and_sign(
                        job.pdf,
                        field_name=job.box.field_name,
                        box=job.box,
                        backend=backend,
                        role_label=job.role_label,
                        signer_name=job.signer_name,
                        options=batch_options,
                        timestamper=timestamper,
                        fetcher=fetcher,
                    )
                    result = SignResult(job.key, pdf=pdf)
                    progress.done += 1
                except (SigningError, PdfError, ValueError, OSError, aiohttp.ClientError) as exc:
                    result = SignResult(job.key, error=_vn_error(exc))
                    progress.failed += 1
                    progress.errors.append((job.key, result.error or ""))
            if on_progress is not None:
                on_progress(progress)
            return result

        return list(await asyncio.gather(*(one(j) for j in jobs)))


def _vn_error(exc: BaseException) -> str:
    msg = str(exc)
    if isinstance(exc, SigningError) and msg and any(ch in msg for ch in "ăâđêôơưáàảãạ"):
        return msg
    if "timestamp" in msg.lower() or "tsa" in msg.lower():
        return f"Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian. ({type(exc).__name__})"
    return f"Không ký được tài liệu: {type(exc).__name__}: {msg[:200]}"


# --------------------------------------------------------------------------- interrupted (remote) signing
@dataclass(frozen=True)
class PendingSignature:
    """A signature prepared and waiting for its raw signature value (pyHanko's interrupted signing).

    Everything is plain bytes/ints, so it can be stored (database, outbox) while the person
    confirms on the phone, and finished by another process. ``data_digest`` is the SHA-256 of the
    DER signed attributes: the hash the remote signing service signs.
    """

    prepared_pdf: bytes
    document_digest: bytes
    reserved_start: int
    reserved_end: int
    signed_attrs_der: bytes
    data_digest: bytes
    signer_cert_der: bytes
    chain_der: tuple[bytes, ...]
    timestamp_url: str | None


class _CertificateOnly:
    """A backend stand-in for preparing a signature when only the certificate is known."""

    kind = "external"

    def __init__(self, cert: x509.Certificate, chain: Sequence[x509.Certificate], signer: Any) -> None:
        self.certificate, self.chain, self.signer = cert, list(chain), signer

    def close(self) -> None:
        return None


def _external_signer(cert: x509.Certificate, chain: Sequence[x509.Certificate], value: bytes | None) -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec as _ec
    from pyhanko.sign.signers.pdf_cms import ExternalSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    size = 72 if isinstance(cert.public_key(), _ec.EllipticCurvePublicKey) else 512
    signer = ExternalSigner(
        signing_cert=to_asn1(cert),
        cert_registry=SimpleCertificateStore.from_certs([to_asn1(c) for c in [cert, *chain]]),
        signature_value=value if value is not None else size,
        embed_roots=False,
    )
    return use_pades_signed_attributes(signer)


async def async_prepare_signature(
    pdf: bytes,
    *,
    box: SignatureBox,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    role_label: str,
    signer_name: str | None = None,
    timestamp_url: str | None = None,
    trust_roots: Sequence[x509.Certificate] = (),
    certify: bool | None = None,
) -> PendingSignature:
    """Phase 1 of remote signing: lay out the signature (field, stamp, placeholder) and compute the hash.

    Send ``pending.data_digest`` to the remote service (``RemoteHashBackend.request_signature``),
    store the :class:`PendingSignature`, then call :func:`async_finish_signature` with the raw
    signature it returns. B-T (the timestamp is fetched when finishing); revocation data (B-LT) can
    be added afterwards by a later DSS update.
    """
    options = SigningOptions(trust_roots=tuple(trust_roots), certify=certify)
    holder = _CertificateOnly(certificate, chain, _external_signer(certificate, chain, None))
    when = dt.datetime.now(dt.UTC)
    await _refuse_if_unusable(holder, options, when)  # type: ignore[arg-type]
    prepared = _prepare(
        pdf,
        box=box,
        backend=holder,
        role_label=role_label,
        signer_name=signer_name,  # type: ignore[arg-type]
        options=options,
        timestamper=None,
        validation_context=None,
        when=when,
    )
    prep_digest, _tbs, output = await prepared.signer.async_digest_doc_for_signing(
        prepared.writer,
        bytes_reserved=options.bytes_reserved,
        appearance_text_params={"body": prepared.body},
        output=BytesIO(),
    )
    signed_attrs = await holder.signer.signed_attrs(prep_digest.document_digest, "sha256", use_pades=True)
    der = signed_attrs.dump()
    return PendingSignature(
        prepared_pdf=output.getvalue(),  # type: ignore[attr-defined]
        document_digest=prep_digest.document_digest,
        reserved_start=prep_digest.reserved_region_start,
        reserved_end=prep_digest.reserved_region_end,
        signed_attrs_der=der,
        data_digest=hashlib.sha256(der).digest(),
        signer_cert_der=certificate.public_bytes(serialization.Encoding.DER),
        chain_der=tuple(c.public_bytes(serialization.Encoding.DER) for c in chain),
        timestamp_url=timestamp_url,
    )


async def async_finish_signature(pending: PendingSignature, signature_value: bytes) -> bytes:
    """Phase 2: embed the raw signature (and a timestamp when configured) into the prepared PDF."""
    from asn1crypto import cms
    from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
    from pyhanko.sign.signers.pdf_signer import PdfTBSDocument

    cert = x509.load_der_x509_certificate(pending.signer_cert_der)
    chain = [x509.load_der_x509_certificate(c) for c in pending.chain_der]
    ext = _external_signer(cert, chain, signature_value)
    timestamper = HTTPTimeStamper(pending.timestamp_url, timeout=30) if pending.timestamp_url else None
    sig_cms = await ext.async_sign_prescribed_attributes(
        "sha256", signed_attrs=cms.CMSAttributes.load(pending.signed_attrs_der), timestamper=timestamper
    )
    output = BytesIO(pending.prepared_pdf)
    await PdfTBSDocument.async_finish_signing(
        output,
        PreparedByteRangeDigest(pending.document_digest, pending.reserved_start, pending.reserved_end),
        sig_cms,
    )
    return output.getvalue()
