"""Writing and verifying the hash-chained audit log.

Call :func:`audit_record` inside the same ``transaction.atomic`` block as the write it
records; the chain head row is locked so that concurrent writers append one after another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from hocba.core.context import request_id_var, source_var
from hocba.core.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def entry_digest(prev_hash: str, content: dict[str, Any]) -> str:
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def _content(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "school_id": entry.school_id,
        "source": entry.source,
        "request_id": entry.request_id,
        "before": entry.before,
        "after": entry.after,
    }


def audit_record(*, actor, action: str, object_type: str, object_id: Any = "", school_id: int | None = None,
                 before: dict | None = None, after: dict | None = None, source: str | None = None) -> AuditEntry:
    """Append one entry; must run inside the caller's transaction."""
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        entry = AuditEntry(
            at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=(actor.get_username() if getattr(actor, "pk", None) else "hệ thống"),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            school_id=school_id,
            source=source or source_var.get(),
            request_id=request_id_var.get(),
            before=_jsonable(before),
            after=_jsonable(after),
            prev_hash=head.last_hash,
        )
        entry.at = entry.at.replace(microsecond=entry.at.microsecond)  # stored as given
        entry.hash = entry_digest(entry.prev_hash, _content(entry))
        entry.save(force_insert=True)
        AuditHead.objects.filter(id=1).update(last_hash=entry.hash, count=head.count + 1)
    return entry


@dataclass
class ChainReport:
    checked: int
    first_broken_seq: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def audit_verify(batch_size: int = 5000) -> ChainReport:
    """Walk the chain in order; report the first entry whose link or content does not match."""
    prev = GENESIS
    checked = 0
    last_seq = 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last_seq).order_by("seq")[:batch_size])
        if not rows:
            break
        for entry in rows:
            if entry.prev_hash != prev:
                return ChainReport(checked, entry.seq, "liên kết với bản ghi trước bị đứt (thiếu hoặc bị chèn bản ghi)")
            if entry_digest(prev, _content(entry)) != entry.hash:
                return ChainReport(checked, entry.seq, "nội dung bản ghi đã bị sửa")
            prev = entry.hash
            checked += 1
            last_seq = entry.seq
    head = AuditHead.objects.filter(id=1).first()
    if head and head.last_hash != prev:
        return ChainReport(checked, last_seq + 1, "bản ghi cuối chuỗi đã bị xoá")
    return ChainReport(checked, None)
