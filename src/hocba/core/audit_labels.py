"""How the audit log page shows an entry to a person (pure: no database, no request).

The log stores enumerated tags (``records:book:view``), object types (``student``) and before/after
snapshots as JSON; the page shows a Vietnamese label for each known tag and type, with the tag kept
beside it for auditors, and the snapshots as short "key: value" lines. Unknown tags, types and keys
are shown as they are stored. Nothing here changes what is stored or hashed (``core.audit``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from hocba.core.permissions import roles_for, scope_of

#: Action tag → what happened, in the words of a principal. Every tag the code writes is listed
#: (tests/core/test_audit_labels.py checks the source for new ones).
ACTION_LABELS: dict[str, str] = {
    "core:system_user:grant": "Cấp quyền cho tài khoản hệ thống",
    "demo:seed": "Tạo dữ liệu mẫu (bản demo)",
    "demo:seed:gradebook": "Tạo sổ điểm mẫu (bản demo)",
    "gradebook:closing:start": "Bắt đầu tổng kết",
    "gradebook:close:hk1": "Tổng kết học kì I",
    "gradebook:close:hk2": "Tổng kết học kì II",
    "gradebook:close:year": "Tổng kết cả năm",
    "gradebook:grant:create": "Mở lại sổ điểm để sửa sau hạn",
    "gradebook:grant:revoke": "Thu hồi quyền sửa điểm sau hạn",
    "gradebook:homeroom:update": "Sửa rèn luyện, chuyên cần (GVCN)",
    "gradebook:lock:subject": "Chốt điểm môn học",
    "gradebook:lock:class": "Khoá sổ điểm lớp",
    "gradebook:lock:school": "Khoá sổ điểm toàn trường",
    "gradebook:lock:remove": "Mở khoá sổ điểm",
    "gradebook:score:update": "Nhập, sửa điểm",
    "gradebook:sheet:export": "Xuất bảng điểm môn ra Excel",
    "gradebook:summary:export": "Xuất bảng tổng hợp ra Excel",
    "gradebook:sheet:import": "Nhập bảng điểm từ Excel",
    "gradebook:student:move": "Chuyển lớp trong trường (cùng điểm, rèn luyện, chuyên cần)",
    "gradebook:year:update": "Sửa nhận xét, khen thưởng cả năm (GVCN)",
    "org:assignment:set": "Phân công giảng dạy",
    "org:catalogue:load": "Nạp danh mục môn học",
    "org:class:create": "Tạo lớp",
    "org:department:create": "Tạo Sở GDĐT",
    "org:school_year:create": "Tạo năm học",
    "people:enrolment:create": "Xếp học sinh vào lớp",
    "people:enrolment:status": "Đổi trạng thái học sinh",
    "people:guardian:add": "Thêm cha mẹ, người giám hộ",
    "people:guardian:update": "Sửa thông tin cha mẹ, người giám hộ",
    "people:guardian:remove": "Xoá cha mẹ, người giám hộ khỏi hồ sơ học sinh",
    "people:student:create": "Thêm học sinh",
    "people:student:update": "Sửa hồ sơ học sinh",
    "people:student:view_full": "Xem đầy đủ hồ sơ học sinh",
    "people:teacher:account:create": "Tạo tài khoản đăng nhập cho giáo viên",
    "people:teacher:account:password": "Cấp lại mật khẩu cho giáo viên",
    "people:teacher:create": "Thêm giáo viên",
    "people:teacher:export": "Xuất Excel danh sách trích ngang giáo viên",
    "people:teacher:leave": "Ghi nhận giáo viên nghỉ việc",
    "people:teacher:return": "Ghi nhận giáo viên trở lại công tác",
    "people:teacher:update": "Sửa hồ sơ giáo viên",
    "people:teacher:view_full": "Xem đầy đủ hồ sơ giáo viên",
    "records:book:view": "Xem học bạ",
    "records:signature:add": "Ký số học bạ",
    "records:subject:confirm": "Xác nhận điểm môn học trên học bạ",
    "records:subject:confirm_carried": "Giữ xác nhận môn không thay đổi sang phiên bản sửa chữa",
    "records:version:created": "Lập học bạ",
    "records:version:updated": "Lập lại học bạ (chưa ký)",
    "records:version:new_version": "Lập phiên bản học bạ mới (sửa chữa)",
    "records:version:download_pdf": "Tải học bạ (PDF)",
    "records:version:download_json": "Tải dữ liệu học bạ (JSON)",
    "signing:batch:start": "Bắt đầu ký hàng loạt",
    "signing:batch:finish": "Kết thúc lượt ký hàng loạt",
    "signing:certificate:register": "Đăng ký chứng thư số",
    "signing:approval_signer:set": "Chọn người ký phê duyệt học bạ",
    "signing:trust_root:add": "Thêm chứng thư gốc tin cậy",
    "verification:family_accounts:create": "Tạo tài khoản gia đình",
    "verification:login_code:on": "Bật mã xác nhận đăng nhập qua thư điện tử",
    "verification:login_code:off": "Tắt mã xác nhận đăng nhập qua thư điện tử",
}

OBJECT_LABELS: dict[str, str] = {
    "catalogue": "Danh mục môn học", "certificate": "Chứng thư số", "class": "Lớp", "class_group": "Lớp",
    "classes": "Lớp", "closing_run": "Lượt tổng kết", "department": "Sở GDĐT", "grant": "Quyền sửa sau hạn",
    "homeroom": "Sổ chủ nhiệm", "lock": "Khoá sổ điểm", "record_version": "Phiên bản học bạ",
    "school": "Trường", "school_year": "Năm học", "score": "Điểm", "signing_batch": "Lượt ký", "student": "Học sinh",
    "teacher": "Giáo viên", "trust_root": "Chứng thư gốc", "user": "Tài khoản", "year_entry": "Hồ sơ cả năm",
}

SOURCE_LABELS: dict[str, str] = {
    "web": "trang web", "api": "API", "cli": "dòng lệnh", "import": "nhập từ Excel",
    "grid": "sổ điểm trên web", "system": "hệ thống",
}

#: Keys of the before/after snapshots.
KEY_LABELS: dict[str, str] = {
    "reason": "Lý do", "why": "Lý do", "days": "Số ngày", "class": "Lớp", "subject": "Môn", "subjects": "Môn",
    "term": "Học kì", "key": "Khoá", "level": "Cấp", "period": "Kỳ", "role": "Vai trò",
    "signer": "Người ký", "certificate": "Chứng thư số", "pdf_sha256": "PDF (SHA-256)",
    "json_sha256": "Dữ liệu (SHA-256)", "sha256": "SHA-256", "student": "Học sinh", "number": "Phiên bản",
    "on_behalf": "Thay mặt", "status": "Trạng thái", "done": "Đã xong", "failed": "Lỗi", "total": "Tổng số",
    "students": "Số học sinh", "schools": "Số trường", "teachers": "Số giáo viên", "classes": "Số lớp",
    "score_rows": "Số dòng điểm", "closed": "Đã tổng kết", "closed_schools": "Trường đã tổng kết",
    "created": "Đã tạo", "username": "Tài khoản", "department": "Sở", "seed": "Hạt giống",
    "name": "Tên", "code": "Mã", "grade": "Khối", "school_year": "Năm học", "serial": "Số hiệu",
    "not_after": "Hiệu lực đến", "expires_at": "Hết hạn", "field": "Mục", "value": "Giá trị",
    "guardian": "Họ và tên", "relation": "Quan hệ", "occupation": "Nghề nghiệp", "entries": "Số mục",
    "teacher": "Giáo viên", "to": "Xuất tới", "changed_cells": "Số ô thay đổi", "full_name": "Họ và tên",
    "personal_id": "Số định danh cá nhân", "moet_code": "Mã học sinh", "birth_date": "Ngày sinh",
    "birth_place": "Nơi sinh", "sex": "Giới tính", "ethnicity": "Dân tộc", "nationality": "Quốc tịch",
    "policy_category": "Đối tượng", "residence": "Chỗ ở hiện tại", "register_number": "Số đăng bộ",
    "staff_code": "Mã cán bộ", "qualification": "Trình độ chuyên môn", "position": "Chức vụ",
    "contract_type": "Loại hợp đồng", "email": "Thư điện tử", "phone": "Điện thoại",
    "approval_signer": "Người ký phê duyệt (mã giáo viên)",
    "other_students": "Còn là phụ huynh của (số học sinh khác)",
    "homeroom_rows": "Số học kì rèn luyện, chuyên cần", "year_rows": "Số dòng thông tin cả năm",
    "history_rows": "Số dòng lịch sử ô điểm thêm",
    "personal_data": "Có thông tin cá nhân (ngày sinh, số định danh, liên hệ)",
}

#: Keys whose value is sometimes a count rather than the things themselves ("subjects": 12).
COUNT_LABELS: dict[str, str] = {"subjects": "Số môn"}
#: Keys whose value is the database id of a row ("student": 124 → "#124").
ID_KEYS = frozenset({"student"})

#: Enumerated values, per key.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "period": {"hk1": "Học kì I", "hk2": "Học kì II", "year": "Cả năm"},
    "term": {"1": "Học kì I", "2": "Học kì II"},
    "level": {"subject": "môn học", "class": "lớp", "school": "trường"},
    "role": {"homeroom": "Giáo viên chủ nhiệm", "principal": "Hiệu trưởng", "seal": "Con dấu nhà trường"},
    "relation": {"father": "Cha", "mother": "Mẹ", "guardian": "Người giám hộ"},
    "sex": {"M": "Nam", "F": "Nữ"},
    "to": {"web": "tải về từ trang web"},
    "field": {"gk": "ĐĐGgk (giữa kì)", "ck": "ĐĐGck (cuối kì)", "comment": "nhận xét", "conduct": "rèn luyện",
              "absent_excused": "nghỉ có phép", "absent_unexcused": "nghỉ không phép",
              **{f"tx{n}": f"ĐĐGtx {n}" for n in range(1, 10)}},
}
#: Keys whose value is a stored mark ("8.5"), shown as teachers write it ("8,5").
SCORE_KEYS = frozenset({"value"})
_STORED_SCORE = re.compile(r"\d{1,2}\.\d")

SHORT_TEXT = 160  # characters of a long text shown in the line (all of it on hover)
SHORT_LIST = 6  # items of a long list shown in the line
_DIGEST = re.compile(r"[0-9A-Fa-f]{32,}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Line:
    """One "key: value" line; ``full`` is the whole value when ``value`` is shortened, else ""."""

    key: str
    label: str
    value: str
    full: str = ""


@dataclass(frozen=True)
class EntryView:
    """An audit entry as the page shows it."""

    action_label: str
    action_known: bool
    object_label: str
    source_label: str
    before: list[Line]
    after: list[Line]


def action_label(code: str) -> str:
    """The Vietnamese label of an action tag; the tag itself when it is not known."""
    return ACTION_LABELS.get(code, code)


def object_label(object_type: str, object_id: str) -> str:
    """ "student", "124" → "Học sinh #124"; a non-numeric id ("3 lớp") follows a colon."""
    label = OBJECT_LABELS.get(object_type, object_type)
    if not object_id:
        return label
    return f"{label} #{object_id}" if object_id.isdigit() else f"{label}: {object_id}"


def _shown(key: str, value: Any) -> str:
    """A value as one short piece of text (nested values joined, never Python's repr)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, dict):
        return "; ".join(f"{KEY_LABELS.get(str(k), k)}: {_shown(str(k), v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        items = [_shown(key, v) for v in value]
        more = len(items) - SHORT_LIST
        return ", ".join(items[:SHORT_LIST]) + (f" … (và {more} mục khác)" if more > 0 else "") if items else "—"
    text = str(value)
    if text in VALUE_LABELS.get(key, {}):
        return VALUE_LABELS[key][text]
    if key in SCORE_KEYS and _STORED_SCORE.fullmatch(text):
        return text.replace(".", ",")
    if _ISO_DATETIME.match(text):
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
        return (timezone.localtime(moment) if timezone.is_aware(moment) else moment).strftime("%d/%m/%Y %H:%M")
    if _ISO_DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text).strftime("%d/%m/%Y")
        except ValueError:
            return text
    return text


def _line(key: str, value: Any) -> Line:
    text = _shown(key, value)
    is_number = isinstance(value, int) and not isinstance(value, bool)
    label = COUNT_LABELS[key] if is_number and key in COUNT_LABELS else KEY_LABELS.get(key, key)
    if is_number and key in ID_KEYS:
        return Line(key, label, f"#{value}")
    if isinstance(value, str) and _DIGEST.fullmatch(value):
        return Line(key, label, value[:12] + "…", value)
    if len(text) > SHORT_TEXT:
        return Line(key, label, text[:SHORT_TEXT].rstrip() + "…", text)
    if isinstance(value, list) and len(value) > SHORT_LIST:
        return Line(key, label, text, ", ".join(_shown(key, v) for v in value))
    return Line(key, label, text)


#: A student's profile values that only a reader of full profiles sees (the masked view shows name, birth date,
#: sex and MOET code; ethnicity and policy category are sensitive data, SECURITY.md), and a guardian's details.
PERSONAL_KEYS = frozenset({"personal_id", "birth_place", "ethnicity", "nationality", "policy_category", "residence",
                           "register_number", "guardian", "relation", "occupation", "phone", "email"})
#: The actions whose snapshots hold such values. A family account's login-code change holds its e-mail address and
#: is written without a school: hidden from every reader of the log (the Department reads entries without a school).
PERSONAL_ACTIONS = ("people:student:", "people:guardian:", "verification:login_code:")
HIDDEN = "(ẩn: chỉ người được xem hồ sơ đầy đủ của học sinh)"
#: The actions whose snapshots hold a student's marks, comments, conduct or absences: shown only to readers of
#: the school's gradebook (the Department and communes read aggregates, not individual scores).
SCORE_ACTIONS = ("gradebook:score:", "gradebook:homeroom:", "gradebook:year:")
#: What stays visible of such a snapshot: which cell changed, not to what.
SCORE_VISIBLE_KEYS = frozenset({"field"})
HIDDEN_SCORE = "(ẩn: chỉ người được xem sổ điểm của trường)"


def change_lines(snapshot: Any, *, hide_personal: bool = False, hide_scores: bool = False) -> list[Line]:
    """A before/after snapshot as "key: value" lines, in stored order; no lines for an empty one.
    ``hide_personal`` replaces the values of :data:`PERSONAL_KEYS`, ``hide_scores`` every value but the cell's name
    (:data:`SCORE_VISIBLE_KEYS`); the key stays: what changed, not to what."""
    if snapshot is None or snapshot == {}:
        return []
    if not isinstance(snapshot, dict):
        return [Line("", "", HIDDEN_SCORE)] if hide_scores else [_line("", snapshot)]
    lines = []
    for key, value in snapshot.items():
        label = KEY_LABELS.get(str(key), str(key))
        if hide_personal and key in PERSONAL_KEYS:
            lines.append(Line(str(key), label, HIDDEN))
        elif hide_scores and key not in SCORE_VISIBLE_KEYS:
            lines.append(Line(str(key), label, HIDDEN_SCORE))
        else:
            lines.append(_line(str(key), value))
    return lines


def audit_entry_view(entry, *, hide_personal: bool = False, hide_scores: bool = False) -> EntryView:
    """What the audit page shows of one :class:`~hocba.core.models.AuditEntry`; ``hide_personal`` for a reader
    who may not see the full profile of the entry's student (see :func:`full_profile_schools`), ``hide_scores``
    for one who may not read the school's gradebook (see :func:`gradebook_schools`)."""
    personal = hide_personal and entry.action.startswith(PERSONAL_ACTIONS)
    scores = hide_scores and entry.action.startswith(SCORE_ACTIONS)
    return EntryView(
        action_label=action_label(entry.action),
        action_known=entry.action in ACTION_LABELS,
        object_label=object_label(entry.object_type, entry.object_id),
        source_label=SOURCE_LABELS.get(entry.source, entry.source),
        before=change_lines(entry.before, hide_personal=personal, hide_scores=scores),
        after=change_lines(entry.after, hide_personal=personal, hide_scores=scores),
    )


def full_profile_schools(user) -> frozenset[int]:
    """The schools where ``user`` reads students' full profiles as the school board: there the audit log shows
    profile changes in full; anywhere else (the Department's city-wide log, an entry without a school) they are
    hidden."""
    return scope_of(user).schools_for(roles_for(user, "people:student:view_full"))


def gradebook_schools(user) -> frozenset[int]:
    """The schools whose gradebook ``user`` reads as the school board or its administrator: there the audit log
    shows marks, comments and conduct as changed; anywhere else (the Department's city-wide log) only which cell
    changed."""
    return scope_of(user).schools_for(roles_for(user, "gradebook:sheet:view"))
