"""The correction list of a new version: what changed, old → new, who, why.

The digital form of the paper box "Trong bảng này có sửa chữa ở … chỗ, thuộc các môn học …":
the difference between the superseded document and the new one, with the author of each
change taken from the gradebook history and the reason from the principal's unlock.
"""

from __future__ import annotations

import datetime as dt

from hocba.core.dates import format_vn_date
from hocba.core.models import AuditEntry
from hocba.gradebook.models import ScoreChange, YearEntry

RESULT_LABELS = {"term1": "Học kì I", "term2": "Học kì II", "year": "Cả năm", "after_reassessment": "Sau đánh giá lại"}
FIELD_LABELS = {"term1": "Học kì I", "term2": "Học kì II", "year": "Cả năm", "reassessment": "Đánh giá lại",
                "conduct": "Rèn luyện", "learning": "Học tập", "absences": "Số buổi nghỉ"}
STUDENT_LABELS = {"full_name": "Họ và tên", "sex": "Giới tính", "birth_date": "Ngày sinh", "birth_place": "Nơi sinh",
                  "ethnicity": "Dân tộc", "policy_category": "Đối tượng", "residence": "Chỗ ở hiện tại"}


def diff_documents(old: dict, new: dict) -> list[tuple[str, str, str, str]]:
    """(field label, subject or "", old, new) for every printed value that changed."""
    changes = []
    old_subjects = {s["name"]: s for s in old.get("subjects", [])}
    for s in new.get("subjects", []):
        before = old_subjects.get(s["name"], {})
        for key in ("term1", "term2", "year", "reassessment"):
            if before.get(key, "") != s.get(key, ""):
                changes.append((FIELD_LABELS[key], s["name"], before.get(key, ""), s.get(key, "")))
    for period, label in RESULT_LABELS.items():
        a, b = old.get("results", {}).get(period, {}), new.get("results", {}).get(period, {})
        for key in ("conduct", "learning", "absences"):
            if key in b and str(a.get(key, "")) != str(b.get(key, "")):
                changes.append((f"{FIELD_LABELS[key]} {label.lower()}", "", str(a.get(key, "")), str(b[key])))
    for key, label in STUDENT_LABELS.items():
        a, b = old.get("student", {}).get(key, ""), new.get("student", {}).get(key, "")
        if a != b:
            changes.append((label, "", a, b))
    for key, label in (("promotion", "Lên lớp"), ("completion", "Hoàn thành chương trình")):
        if old.get(key) != new.get(key):
            changes.append((label, "", str(old.get(key) or ""), str(new.get(key) or "")))
    for key, label in YEAR_FACT_LABELS.items():
        a, b = _text(old.get(key)), _text(new.get(key))
        if a != b:
            changes.append((label, "", a, b))
    return changes


#: The homeroom teacher's year facts the record prints (gradebook.YearEntry), by document key.
YEAR_FACT_LABELS = {"homeroom_comment": "Nhận xét của GVCN", "certificates": "Chứng chỉ",
                    "competitions": "Kết quả các cuộc thi", "awards": "Khen thưởng"}
#: YearEntry fields whose document key differs (the record's "awards" are the engine's award and the other awards).
YEAR_FACT_KEYS = {"other_awards": "awards"}
#: The reason printed for a year fact changed after the record was composed (no principal's unlock is needed).
YEAR_FACT_REASON = "Giáo viên chủ nhiệm cập nhật thông tin cả năm sau khi lập học bạ"


def _text(value) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value or "")


def build_corrections(*, old: dict, new: dict, student_id: int, class_id: int, school_id: int,
                      since: dt.datetime, today: dt.date) -> list[dict]:
    authors: dict[str, str] = {}
    for change in (ScoreChange.objects.filter(row__student_id=student_id, row__class_group_id=class_id, at__gt=since)
                   .select_related("row__subject", "by__teacher").order_by("at")):
        authors[change.row.subject.name] = _person(change.by, change.by_label)
    unlock = (AuditEntry.objects.filter(action__in=UNLOCK_ACTIONS, school_id=school_id, at__gt=since)
              .select_related("actor__teacher").order_by("-seq").first())
    reason = (unlock.after or {}).get("reason", "") if unlock else ""
    entries = YearEntry.objects.filter(student_id=student_id, class_group_id=class_id).values_list("pk", flat=True)
    facts: dict[str, AuditEntry] = {}  # year fact (document key) → the newest entry that changed it
    for entry in (AuditEntry.objects.filter(action="gradebook:year:update", school_id=school_id, at__gt=since,
                                            object_type="year_entry", object_id__in=[str(pk) for pk in entries])
                  .select_related("actor__teacher").order_by("seq")):
        for field in (entry.after or {}):
            facts[YEAR_FACT_KEYS.get(field, field)] = entry
    labels = {label: key for key, label in YEAR_FACT_LABELS.items()}
    out = []
    for label, subject, before, after in diff_documents(old, new):
        fact = facts.get(labels.get(label, ""))
        if fact is not None:  # a year fact the homeroom teacher changed (the award line also carries the engine's)
            by, why = _person(fact.actor, fact.actor_label), YEAR_FACT_REASON
        else:
            by, why = authors.get(subject) or (_person(unlock.actor, unlock.actor_label) if unlock else ""), reason
        out.append({"field": label, "subject": subject, "old": before, "new": after,
                    "by": by or NO_AUTHOR, "reason": why or NO_REASON, "date": format_vn_date(today)})
    return out


#: Where the principal's reason for reopening the gradebook is recorded.
UNLOCK_ACTIONS = ("gradebook:lock:remove", "gradebook:grant:create")
#: Shown, rather than hidden, when a change reached the record without the usual trail.
NO_AUTHOR = "Không xác định (sửa ngoài sổ điểm)"
NO_REASON = "Không có lý do được ghi nhận"


def _person(user, label: str) -> str:
    """Who made a change as the record prints it: the teacher's full name, else the account's name, else the
    login kept with the change (the account may since have been removed)."""
    teacher = getattr(user, "teacher", None) if user is not None else None
    if teacher is not None:
        return teacher.full_name
    return (user.get_full_name() if user is not None else "") or label
