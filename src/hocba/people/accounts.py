"""Teachers' logins (tài khoản đăng nhập của giáo viên), created and re-issued by their school.

A teacher needs a login to enter marks, sign and approve; the school's board (ban quản lý học bạ) or the
principal creates it from the teacher's trích ngang, or for every teacher of the school who has none, and prints
the sheet: the initial password (:mod:`hocba.core.accounts`) is shown once and must be replaced at first login.
When a teacher forgets their password the school issues a new initial one. Accounts that carry more than a
teacher's rights (a management role, the administrator's flags, a family's portal) are refused, and the
leadership's logins (principal, deputies: ``MANAGEMENT_POSITIONS``) are not created here: the system administrator
handles those, so that nobody at a school knows the password of a higher account.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db import transaction

from hocba.core import accounts
from hocba.core.audit import audit_record
from hocba.core.errors import DomainError
from hocba.people import selectors, services
from hocba.people.models import MANAGEMENT_POSITIONS, Teacher, TeacherStatus


@dataclass(frozen=True)
class IssuedLogin:
    """A login to hand to a teacher: shown once on the page that issued it, then only the hash is kept."""

    full_name: str
    staff_code: str
    username: str
    password: str
    created: bool  # a new account (else a new password for the teacher's account)

    @property
    def kind(self) -> str:
        """The second line of the printed slip."""
        return f"Giáo viên, mã cán bộ {self.staff_code}"


def username_base(teacher: Teacher) -> str:
    """The login name a teacher's account is given: the staff code in lower-case ASCII ("GV-0123" → "gv0123")."""
    ascii_code = unicodedata.normalize("NFKD", teacher.staff_code.replace("đ", "d").replace("Đ", "D"))
    base = re.sub(r"[^a-z0-9]", "", ascii_code.encode("ascii", "ignore").decode().lower())
    return base[:30] or f"gv{teacher.pk}"


def teacher_account_create(*, teacher: Teacher, by) -> IssuedLogin:
    """Create the login of a working teacher who has none; DomainError (nothing written) otherwise."""
    with transaction.atomic():
        current = services.teacher_locked(teacher)
        if current.user_id is not None:
            raise DomainError(f"Giáo viên {current.full_name} đã có tài khoản đăng nhập "
                              f"“{current.user.username}”. Nếu giáo viên quên mật khẩu, hãy dùng “Cấp lại mật khẩu”.")
        refusal = create_refusal(current)
        if refusal:
            raise DomainError(refusal)
        return _create(current, by)


def create_refusal(teacher: Teacher) -> str:
    """Why the school may not create a login for this teacher ("" when it may)."""
    if teacher.status != TeacherStatus.WORKING:
        return f"Giáo viên {teacher.full_name} đã nghỉ việc: không tạo tài khoản đăng nhập."
    if teacher.position in MANAGEMENT_POSITIONS:
        return (f"{teacher.get_position_display()} {teacher.full_name}: tài khoản của Ban giám hiệu do quản trị hệ "
                "thống tạo (cùng quyền quản lý), nhà trường không tạo.")
    return ""


def _create(teacher: Teacher, by) -> IssuedLogin:
    user, password = accounts.account_create(base=username_base(teacher), full_name=teacher.full_name,
                                             email=teacher.email, by=by)
    Teacher.objects.filter(pk=teacher.pk).update(user=user)
    audit_record(actor=by, action="people:teacher:account:create", object_type="teacher", object_id=teacher.pk,
                 school_id=teacher.school_id, after={"username": user.username})
    return IssuedLogin(teacher.full_name, teacher.staff_code, user.username, password, created=True)


def teacher_accounts_create(*, school, by) -> list[IssuedLogin]:
    """Logins for every working teacher of ``school`` who has none, in name order (one transaction); not the
    principal's nor the deputies' (:data:`MANAGEMENT_POSITIONS`)."""
    with transaction.atomic():
        teachers = list(Teacher.objects.select_for_update().filter(
            school=school, status=TeacherStatus.WORKING, user__isnull=True)
            .exclude(position__in=MANAGEMENT_POSITIONS).order_by("sort_name", "id"))
        return [_create(t, by) for t in teachers]


def reissue_refusal(teacher: Teacher, *, by) -> str:
    """Why the school may not issue a new password for this teacher's account ("" when it may)."""
    user = teacher.user
    if user is None:
        return f"Giáo viên {teacher.full_name} chưa có tài khoản đăng nhập."
    if user.pk == getattr(by, "pk", None):
        return "Đây là tài khoản của chính bạn: hãy dùng “Đổi mật khẩu” ở đầu trang."
    if not user.is_active:
        return f"Tài khoản “{user.username}” đang bị khoá (giáo viên đã nghỉ việc hoặc bị quản trị hệ thống khoá)."
    held = selectors.login_management_rights(user)
    if held:
        return (f"Tài khoản “{user.username}” có quyền quản lý ({', '.join(held)}): chỉ quản trị hệ thống cấp lại "
                "mật khẩu cho tài khoản này.")
    if selectors.login_is_family(user):
        return (f"Tài khoản “{user.username}” cũng là tài khoản gia đình (học sinh hoặc cha mẹ học sinh): chỉ quản "
                "trị hệ thống cấp lại mật khẩu cho tài khoản này.")
    return ""


def teacher_password_reissue(*, teacher: Teacher, by) -> IssuedLogin:
    """A new initial password for a teacher's own account (they forgot theirs): the old one and the account's open
    sessions stop working at once. DomainError (nothing written) for the accounts of :func:`reissue_refusal`."""
    with transaction.atomic():
        current = services.teacher_locked(teacher)
        refusal = reissue_refusal(current, by=by)
        if refusal:
            raise DomainError(refusal)
        password = accounts.password_reissue(user=current.user, by=by)
        audit_record(actor=by, action="people:teacher:account:password", object_type="teacher",
                     object_id=current.pk, school_id=current.school_id, after={"username": current.user.username})
    return IssuedLogin(current.full_name, current.staff_code, current.user.username, password, created=False)
