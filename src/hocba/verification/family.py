"""Family portal accounts (tài khoản gia đình): created by the school, first login sets a password,
optional one-time code by e-mail; and the reads of the portal (own children only).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import smtplib
from dataclasses import dataclass

from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import BooleanField, Case, Count, F, Prefetch, Q, When
from django.utils import timezone

from hocba.core import accounts
from hocba.core.audit import audit_record
from hocba.core.permissions import restrict, roles_for, scope_of
from hocba.org.models import ClassGroup
from hocba.people.models import ACTIVE_STATUSES, Enrolment, Guardianship, Student
from hocba.records.models import RecordVersion, YearRecord
from hocba.verification.models import AccessEvent, FamilyAccount, ShareLink

logger = logging.getLogger(__name__)

OTP_MINUTES = 10
OTP_MAX_ATTEMPTS = 5
OTP_SETUP_MAILS_PER_HOUR = 5  # codes mailed to prove an address, per account (a signed-in account cannot mail-bomb)
# Login codes mailed per account and hour: with OTP_MAX_ATTEMPTS guesses per code, whoever holds the password alone
# gets at most 25 guesses an hour at a 6-digit code (and the family's mailbox at most 5 messages).
OTP_LOGIN_MAILS_PER_HOUR = 5


@dataclass(frozen=True)
class CreatedAccount:
    """One account created for a class: shown once to the school admin, then only the hash is kept."""

    full_name: str
    kind: str  # "Học sinh" | "Phụ huynh"
    username: str
    password: str


def _new_user(*, base: str, full_name: str, email: str = "", by=None):
    user, password = accounts.account_create(base=base, full_name=full_name, email=email, by=by)
    FamilyAccount.objects.create(user=user, created_at=timezone.now())
    return user, password


def account_classes(*, user):
    """The current year's classes whose families' accounts ``user`` may create (school admin, principal)."""
    schools = scope_of(user).schools_for(roles_for(user, "verification:account:create"))
    return restrict(ClassGroup.objects.all(), user, "org:class:view").filter(
        school_id__in=schools, school_year__is_current=True).select_related("school").order_by("name")



@dataclass(frozen=True)
class AccountClassRow:
    """One class on the family accounts page: how many of its students and parents have an account."""

    class_group: ClassGroup
    students: int
    students_with_account: int
    guardians: int
    guardians_with_account: int

    @property
    def complete(self) -> bool:
        """Every student and parent of a class with students has an account."""
        return 0 < self.students == self.students_with_account and self.guardians_with_account == self.guardians


def account_class_list(*, user) -> list[AccountClassRow]:
    """:func:`account_classes` with their account counts, in three queries whatever the number of classes.

    Counts the people :func:`family_accounts_create` would give an account: the class's active
    students and every guardian of theirs (a guardian of two children in the class counts once).
    """
    classes = list(account_classes(user=user))
    ids = [c.pk for c in classes]
    students = {row["class_group_id"]: row for row in
                Enrolment.objects.filter(class_group_id__in=ids, status__in=ACTIVE_STATUSES)
                .values("class_group_id")
                .annotate(total=Count("student_id", distinct=True),
                          with_account=Count("student_id", distinct=True, filter=Q(student__user__isnull=False)))}
    guardians = {row["student__enrolments__class_group_id"]: row for row in
                 Guardianship.objects.filter(student__enrolments__class_group_id__in=ids,
                                             student__enrolments__status__in=ACTIVE_STATUSES)
                 .values("student__enrolments__class_group_id")
                 .annotate(total=Count("guardian_id", distinct=True),
                           with_account=Count("guardian_id", distinct=True, filter=Q(guardian__user__isnull=False)))}
    empty = {"total": 0, "with_account": 0}
    return [AccountClassRow(class_group=c, students=students.get(c.pk, empty)["total"],
                            students_with_account=students.get(c.pk, empty)["with_account"],
                            guardians=guardians.get(c.pk, empty)["total"],
                            guardians_with_account=guardians.get(c.pk, empty)["with_account"]) for c in classes]


def family_accounts_create(*, class_group: ClassGroup, by) -> list[CreatedAccount]:
    """Accounts for every active student of the class and their guardians who have none yet.

    Returns the one-time initial passwords (to print and hand over); each account must set a new
    password at first login.
    """
    created: list[CreatedAccount] = []
    with transaction.atomic():
        students = [e.student for e in Enrolment.objects.filter(class_group=class_group, status__in=ACTIVE_STATUSES)
                    .select_related("student").order_by("student__sort_name")]
        for student in students:
            if student.user_id is None:
                user, password = _new_user(base=f"hs{student.moet_code or student.pk}", full_name=student.full_name,
                                            by=by)
                Student.objects.filter(pk=student.pk).update(user=user)
                created.append(CreatedAccount(student.full_name, "Học sinh", user.username, password))
            for link in Guardianship.objects.filter(student=student).select_related("guardian"):
                guardian = link.guardian
                if guardian.user_id is None:
                    user, password = _new_user(base=f"ph{guardian.pk}", full_name=guardian.full_name,
                                               email=guardian.email, by=by)
                    type(guardian).objects.filter(pk=guardian.pk).update(user=user)
                    guardian.user_id = user.pk
                    created.append(CreatedAccount(guardian.full_name, f"Phụ huynh của {student.full_name}",
                                                  user.username, password))
        audit_record(actor=by, action="verification:family_accounts:create", object_type="class_group",
                     object_id=class_group.pk, school_id=class_group.school_id,
                     after={"created": [a.username for a in created]})
    return created


def family_account_of(user) -> FamilyAccount | None:
    return FamilyAccount.objects.filter(user=user).first() if getattr(user, "pk", None) else None


#: The session key set once the e-mailed login code of this session was entered.
OTP_SESSION_KEY = "hocba_family_otp_ok"


def gate_step(*, account: FamilyAccount | None, session) -> str | None:
    """What a family account must do, once its password is its own, before it reaches anything: "otp" (the
    e-mailed login code is on and this session has not entered it), or None."""
    if account is not None and account.email_otp and not session.get(OTP_SESSION_KEY):
        return "otp"
    return None


def email_otp_set(*, user, enabled: bool) -> None:
    with transaction.atomic():
        account = _account_for(user)
        account.email_otp = enabled
        account.save(update_fields=["email_otp"])
        audit_record(actor=user, action="verification:login_code:on" if enabled else "verification:login_code:off",
                     object_type="user", object_id=user.pk)


def _account_for(user) -> FamilyAccount:
    account, _ = FamilyAccount.objects.get_or_create(user=user, defaults={"created_at": timezone.now()})
    return account


def _otp_digest(user_id: int, code: str, email: str = "") -> str:
    """The stored form of a code; a code that proves an address is bound to that address."""
    from django.conf import settings

    message = f"{user_id}:{email}:{code}" if email else f"{user_id}:{code}"
    return hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


def _code_new(*, user, email: str = "") -> str:
    """A fresh 6-digit code valid for 10 minutes; only its digest is kept (it replaces any earlier code)."""
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        _account_for(user)
        FamilyAccount.objects.filter(user=user).update(
            otp_hash=_otp_digest(user.pk, code, email), otp_attempts=0,
            otp_expires_at=timezone.now() + dt.timedelta(minutes=OTP_MINUTES))
    return code


def _code_mail(*, to: str, subject: str, body: str) -> bool:
    """Send one message; False (and a log line) when the mail server refuses or cannot be reached."""
    try:
        send_mail(subject, body, None, [to])
    except (smtplib.SMTPException, OSError):
        logger.warning("Không gửi được thư mã xác nhận", exc_info=True)
        return False
    return True


def _count_mail(*, user, kind: str, per_hour: int) -> None:
    """Count one mailed code of ``kind`` for the account in the current hour; :class:`TooManyCodes` past
    ``per_hour``."""
    key = f"hocba:otp-{kind}:{user.pk}:{int(timezone.now().timestamp() // 3600)}"
    if cache.add(key, 1, timeout=3600 + 60):
        return
    try:
        sent = cache.incr(key)
    except ValueError:  # the count expired (or was evicted) between two mails: this one is the first again
        cache.add(key, 1, timeout=3600 + 60)
        return
    if sent > per_hour:
        raise TooManyCodes


def otp_send(*, user) -> bool:
    """E-mail a fresh 6-digit login code valid for 10 minutes (it replaces any earlier one); False when the user
    has no e-mail address or the mail could not be sent; :class:`TooManyCodes` past
    :data:`OTP_LOGIN_MAILS_PER_HOUR` codes within the hour (each fresh code would bring fresh guesses)."""
    if not user.email:
        return False
    _count_mail(user=user, kind="login", per_hour=OTP_LOGIN_MAILS_PER_HOUR)
    code = _code_new(user=user)
    return _code_mail(to=user.email, subject="Mã xác nhận đăng nhập Học bạ số",
                      body=f"Mã xác nhận của bạn là {code}. Mã có hiệu lực trong {OTP_MINUTES} phút. "
                           "Nếu bạn không đăng nhập, hãy bỏ qua thư này và đổi mật khẩu.")


def _code_check(*, user, code: str, email: str = "") -> bool:
    """True once for the right code before it expires; at most 5 attempts per code.

    The attempt is counted before the comparison, in one conditional UPDATE, so that guesses sent in parallel
    cannot all read the same count and pass the limit together; the right code is used once (the second
    UPDATE clears it only if it is still the same code)."""
    account = family_account_of(user)
    if account is None or not account.otp_hash or account.otp_expires_at is None:
        return False
    counted = FamilyAccount.objects.filter(
        pk=account.pk, otp_hash=account.otp_hash, otp_expires_at__gt=timezone.now(),
        otp_attempts__lt=OTP_MAX_ATTEMPTS).update(otp_attempts=F("otp_attempts") + 1)
    if not counted:
        return False
    if not hmac.compare_digest(account.otp_hash, _otp_digest(user.pk, (code or "").strip(), email)):
        return False
    return bool(FamilyAccount.objects.filter(pk=account.pk, otp_hash=account.otp_hash).update(
        otp_hash="", otp_expires_at=None))


def otp_pending(*, user) -> bool:
    """Is a code mailed to the account still usable (not expired, guesses left)? Then a wrong guess asks the
    family to look again at that code rather than mailing a new one."""
    account = family_account_of(user)
    return bool(account and account.otp_hash and account.otp_expires_at is not None
                and account.otp_expires_at > timezone.now() and account.otp_attempts < OTP_MAX_ATTEMPTS)


def otp_check(*, user, code: str) -> bool:
    """True once for the right login code before it expires; at most 5 attempts per code."""
    return _code_check(user=user, code=code)


class TooManyCodes(Exception):
    """More than :data:`OTP_SETUP_MAILS_PER_HOUR` address-proving codes asked for within the hour."""


def email_otp_setup_start(*, user, email: str) -> bool:
    """First step of turning the login code on (or moving it to another address): mail a code to ``email``.

    Nothing changes until the code comes back (:func:`email_otp_setup_confirm`), so a mistyped address
    cannot lock the family out. False when the mail could not be sent; :class:`TooManyCodes` past the
    hourly limit.
    """
    _count_mail(user=user, kind="setup", per_hour=OTP_SETUP_MAILS_PER_HOUR)
    code = _code_new(user=user, email=email)
    return _code_mail(to=email, subject="Xác nhận địa chỉ thư nhận mã đăng nhập Học bạ số",
                      body=f"Mã xác nhận của bạn là {code}. Nhập mã này trên trang “Bảo mật tài khoản” trong "
                           f"{OTP_MINUTES} phút để bật mã xác nhận khi đăng nhập. Nếu không phải bạn yêu cầu, "
                           "hãy bỏ qua thư này.")


def email_otp_setup_confirm(*, user, email: str, code: str) -> bool:
    """The code mailed to ``email`` came back: login codes go to ``email`` from now on. False for a wrong,
    expired or exhausted code (nothing changes)."""
    with transaction.atomic():
        if not _code_check(user=user, code=code, email=email):
            return False
        before = user.email
        user.email = email
        user.save(update_fields=["email"])
        FamilyAccount.objects.filter(user=user).update(email_otp=True)
        audit_record(actor=user, action="verification:login_code:on", object_type="user", object_id=user.pk,
                     before={"email": before}, after={"email": email})
    return True


# --- reads ---------------------------------------------------------------------------------

def family_students(*, user) -> list[Student]:
    """The user themself (a student) and their children (a guardian) — nobody else."""
    scope = scope_of(user)
    ids = scope.own_student_ids | scope.child_student_ids
    return list(Student.objects.filter(pk__in=ids).order_by("sort_name"))


def family_records(*, user) -> list[YearRecord]:
    """Every year record of the user's own children / themself, with versions, signatures, links, log."""
    from hocba.signing.models import Signature
    from hocba.verification.services import share_link_maker_reaches

    scope = scope_of(user)
    ids = scope.own_student_ids | scope.child_student_ids
    return list(restrict(YearRecord.objects.all(), user, "records:record:view").filter(student_id__in=ids)
                .select_related("student", "school", "school_year", "class_group", "current_version")
                .prefetch_related(
                    Prefetch("versions", queryset=RecordVersion.objects.order_by("-number").prefetch_related(
                        Prefetch("signatures", queryset=Signature.objects.order_by("signed_at")))),
                    Prefetch("share_links", queryset=ShareLink.objects.annotate(maker_reaches=Case(
                        When(share_link_maker_reaches(), then=True), default=False, output_field=BooleanField()))
                             .order_by("-created_at")),
                    Prefetch("access_events", queryset=AccessEvent.objects.order_by("-at")))
                .order_by("student__sort_name", "grade"))


@dataclass(frozen=True)
class CorrectionLine:
    """One corrected value as the family reads it: which subject and column, old → new, when, by whom, why."""

    what: str  # "Toán — Học kì II", or the item alone ("Rèn luyện cả năm")
    old: str
    new: str
    date: str
    by: str
    reason: str


@dataclass(frozen=True)
class VersionCorrections:
    """Đã sửa chữa: what a version after the first changed in the one it replaces (the PDF's corrections page)."""

    number: int
    replaces: int
    lines: tuple[CorrectionLine, ...]


EMPTY_VALUE = "trống"  # an old or new value that was not filled in


def version_corrections(*, version: RecordVersion) -> VersionCorrections | None:
    """The corrections of ``version`` for the family pages; None for a first version.

    Reads the list stored with the version (:func:`hocba.records.corrections.build_corrections`), no query.
    The teacher's name is shown because the signed PDF the family downloads prints it too.
    """
    if version.number <= 1:
        return None
    lines = tuple(CorrectionLine(what=f"{c['subject']} — {c['field']}" if c.get("subject") else c.get("field", ""),
                                 old=c.get("old") or EMPTY_VALUE, new=c.get("new") or EMPTY_VALUE,
                                 date=c.get("date", ""), by=c.get("by", ""), reason=c.get("reason", ""))
                  for c in version.corrections or [])
    return VersionCorrections(number=version.number, replaces=version.number - 1, lines=lines)


def family_record_get(*, user, record_id: int) -> YearRecord | None:
    scope = scope_of(user)
    ids = scope.own_student_ids | scope.child_student_ids
    return (restrict(YearRecord.objects.all(), user, "records:record:view")
            .filter(pk=record_id, student_id__in=ids).select_related("current_version").first())


def family_version_get(*, user, version_id: int) -> RecordVersion | None:
    scope = scope_of(user)
    ids = scope.own_student_ids | scope.child_student_ids
    version = RecordVersion.objects.select_related("year_record").filter(pk=version_id).first()
    if version is None or version.year_record.student_id not in ids:
        return None
    if not restrict(YearRecord.objects.filter(pk=version.year_record_id), user, "records:record:view").exists():
        return None
    return version
