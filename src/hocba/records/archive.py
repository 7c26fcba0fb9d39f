"""Content-addressed archive: every stored file is named by the SHA-256 of its bytes.

Files go through Django's storage API (local filesystem by default, S3-compatible by
setting), so the same code runs on one machine and on a city's object store. An object is
written once; writing the same bytes again is a no-op. ``archive_check`` re-reads every object
and reports what is missing or altered.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from hocba.records.models import ArchiveObject


def storage_name(sha256: str, content_type: str) -> str:
    ext = {"application/pdf": "pdf", "application/json": "json"}.get(content_type, "bin")
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}.{ext}"


def archive_put(data: bytes, content_type: str) -> str:
    """Store ``data`` (idempotent) and return its SHA-256."""
    return archive_put_many([(data, content_type)])[0]


def archive_put_many(items: Sequence[tuple[bytes, str]]) -> list[str]:
    """Store each ``(data, content_type)`` (idempotent) and return their SHA-256s, in order.

    One query finds which are already stored and one inserts the rows of the new ones (a row
    stored concurrently by someone else is the same bytes under the same name, so it is skipped).
    """
    digests = [hashlib.sha256(data).hexdigest() for data, _ in items]
    known = set(ArchiveObject.objects.filter(sha256__in=digests).values_list("sha256", flat=True))
    rows: dict[str, ArchiveObject] = {}
    now = timezone.now()
    for digest, (data, content_type) in zip(digests, items, strict=True):
        if digest in known or digest in rows:
            continue
        name = storage_name(digest, content_type)
        if not default_storage.exists(name):
            saved = default_storage.save(name, ContentFile(data))
            if saved != name:  # the storage renamed it: another writer raced us; keep exactly one copy
                default_storage.delete(saved)
        rows[digest] = ArchiveObject(sha256=digest, size=len(data), content_type=content_type,
                                     storage_name=name, created_at=now)
    if rows:
        ArchiveObject.objects.bulk_create(rows.values(), ignore_conflicts=True)
    return digests


def archive_get(sha256: str) -> bytes:
    obj = ArchiveObject.objects.get(sha256=sha256)
    with default_storage.open(obj.storage_name, "rb") as fh:
        return fh.read()


@dataclass
class ArchiveCheck:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.altered


def archive_check(objects: Iterable[ArchiveObject] | None = None) -> ArchiveCheck:
    report = ArchiveCheck()
    for obj in objects if objects is not None else ArchiveObject.objects.all().iterator():
        report.checked += 1
        if not default_storage.exists(obj.storage_name):
            report.missing.append(obj.sha256)
            continue
        digest = hashlib.sha256()
        with default_storage.open(obj.storage_name, "rb") as fh:
            for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != obj.sha256:
            report.altered.append(obj.sha256)
    return report


def archive_export_zip(entries: Iterable[tuple[str, str]], manifest_extra: dict) -> bytes:
    """A zip of (path in zip, sha256) entries plus ``manifest.json`` listing each file's SHA-256."""
    buffer = io.BytesIO()
    manifest = {**manifest_extra, "files": []}
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path, sha in entries:
            data = archive_get(sha)
            zf.writestr(path, data)
            manifest["files"].append({"path": path, "sha256": sha, "size": len(data)})
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return buffer.getvalue()
