"""Writing and verifying the hash-chained audit log.

Call :func:`audit_record` inside the same ``transaction.atomic`` block as the write it
records; the chain head row is locked so that concurrent writers append one after another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
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
    return audit_record_many(actor=actor, entries=[{"action": action, "object_type": object_type,
                                                     "object_id": object_id, "school_id": school_id,
                                                     "before": before, "after": after}], source=source)[0]


def audit_record_many(*, actor, entries: Sequence[dict[str, Any]], source: str | None = None) -> list[AuditEntry]:
    """Append several entries by one actor, in order, under one lock of the chain head (one insert for all).

    Each item of ``entries`` has the keyword arguments of :func:`audit_record` but ``actor`` and
    ``source``: ``action``, ``object_type`` and optionally ``object_id``, ``school_id``, ``before``,
    ``after``. The chain is the same as entry-by-entry appends would make. Must run inside the
    caller's transaction.
    """
    if not entries:
        return []
    known = getattr(actor, "pk", None) is not None
    label = actor.get_username() if known else "hệ thống"
    source = source or source_var.get()
    request_id = request_id_var.get()
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        prev = head.last_hash
        out = []
        for item in entries:
            entry = AuditEntry(
                at=timezone.now(),
                actor=actor if known else None,
                actor_label=label,
                action=item["action"],
                object_type=item["object_type"],
                object_id=str(item.get("object_id", "")),
                school_id=item.get("school_id"),
                source=source,
                request_id=request_id,
                before=_jsonable(item.get("before")),
                after=_jsonable(item.get("after")),
                prev_hash=prev,
            )
            entry.hash = prev = entry_digest(prev, _content(entry))
            out.append(entry)
        AuditEntry.objects.bulk_create(out)
        AuditHead.objects.filter(id=1).update(last_hash=prev, count=head.count + len(out))
    return out


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
