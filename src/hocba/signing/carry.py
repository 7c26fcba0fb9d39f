"""Confirmations a corrected record keeps: the subject rows that did not change.

A correction (một lần sửa chữa) makes version n+1 of a record. Its subject teachers confirmed
their rows of version n; a row that is the same in n+1 — same results, re-test and teacher — was
confirmed with exactly these values, so its confirmation is carried over (with a link to the one
it comes from, and an audit entry), and only the teachers of changed rows confirm again. A row
that changed in any printed value needs its teacher again.
"""

from __future__ import annotations

from hocba.core.audit import audit_record
from hocba.records.models import RecordVersion
from hocba.signing.models import SubjectConfirmation


def unchanged_rows(old: dict, new: dict) -> set[str]:
    """Names of the subjects whose row is the same in both documents."""
    before = {row["name"]: row for row in old.get("subjects", [])}
    return {row["name"] for row in new.get("subjects", []) if before.get(row["name"]) == row}


def carry_confirmations(*, new: RecordVersion, old: RecordVersion, by=None) -> list[str]:
    """Copy ``old``'s valid confirmations of unchanged rows onto ``new``; the subject names carried."""
    same = unchanged_rows(old.document, new.document)
    kept = [c for c in SubjectConfirmation.objects.filter(version=old, json_sha256=old.json_sha256)
            .order_by("subject_name") if c.subject_name in same]
    if not kept:
        return []
    SubjectConfirmation.objects.bulk_create([
        SubjectConfirmation(version=new, subject_name=c.subject_name, teacher_id=c.teacher_id,
                            json_sha256=new.json_sha256, confirmed_at=c.confirmed_at, carried_from=c)
        for c in kept])
    names = [c.subject_name for c in kept]
    audit_record(actor=by, action="records:subject:confirm_carried", object_type="record_version",
                 object_id=new.pk, school_id=new.year_record.school_id,
                 after={"subjects": names, "from_version": old.number, "json_sha256": new.json_sha256})
    return names


def on_version_superseded(sender, *, new: RecordVersion, old: RecordVersion, by=None, **kwargs) -> None:
    carry_confirmations(new=new, old=old, by=by)


__all__ = ["carry_confirmations", "on_version_superseded", "unchanged_rows"]
