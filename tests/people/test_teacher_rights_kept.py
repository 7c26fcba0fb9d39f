"""What the school's board may not do to an account above a teacher's (found by a review that took them over):
record as left (and so lock out) a login that holds a management role, or the principal who signs the school's
approvals; close a login that is also a family's; create the leadership's logins or re-issue a password for a
login that is also a family's; and a re-issued family password that skips the family's e-mailed code."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hocba.core import accounts
from hocba.core.errors import DomainError
from hocba.core.models import ApiToken, RoleAssignment
from hocba.people import accounts as people_accounts
from hocba.people.models import Guardian, Guardianship, Position, Student, Teacher
from hocba.verification.models import FamilyAccount
from tests.people.test_teacher_leave import leave, with_login
from tests.people.test_teachers import add_teacher, world  # noqa: F401 (the fixture)


def _as_guardian(world, user):
    student = Student.objects.create(full_name="Lê Minh Khoa", birth_date=dt.date(2013, 4, 2), sex="M")
    guardian = Guardian.objects.create(full_name=user.first_name, user=user)
    Guardianship.objects.create(student=student, guardian=guardian, relation="mother")
    return guardian


def test_a_login_with_a_management_role_is_not_recorded_as_left(world):
    teacher = add_teacher(world, "Phạm Văn Long", "GV0200")
    user = with_login(teacher, "long.pv")
    RoleAssignment.objects.create(user=user, role="school_admin", school=world.school)
    with pytest.raises(DomainError, match="tài khoản đăng nhập còn giữ quyền Ban quản lý học bạ nhà trường "
                                          r"\(quản trị hệ thống gỡ quyền trước\)"):
        leave(world, teacher)
    user.refresh_from_db()
    assert user.is_active and Teacher.objects.get(pk=teacher.pk).status == "working"


def test_the_principal_who_signs_the_approvals_is_not_recorded_as_left(world):
    principal = add_teacher(world, "Trần Thị Hoa", "GV0201", position=Position.PRINCIPAL)
    with pytest.raises(DomainError, match="là Hiệu trưởng, người ký phê duyệt học bạ của Trường THCS Thử nghiệm"):
        leave(world, principal)
    add_teacher(world, "Ngô Văn Bình", "GV0202", position=Position.PRINCIPAL)  # the new principal is recorded
    assert leave(world, Teacher.objects.get(pk=principal.pk)).status == "left"


def test_a_login_that_is_also_a_familys_stays_open_when_the_teacher_leaves(world):
    teacher = add_teacher(world, "Võ Thị Lan", "GV0203")
    user = with_login(teacher, "lan.vt")
    _as_guardian(world, user)
    done = leave(world, teacher)
    user.refresh_from_db()
    assert done.status == "left" and user.is_active and not done.login_closed_on_leave


def test_the_leaderships_logins_are_the_administrators_to_create(world):
    deputy = add_teacher(world, "Đặng Minh Tú", "GV0204", position=Position.DEPUTY_PRINCIPAL)
    plain = add_teacher(world, "Hồ Thị Mai", "GV0205")
    with pytest.raises(DomainError, match="tài khoản của Ban giám hiệu do quản trị hệ thống tạo"):
        people_accounts.teacher_account_create(teacher=deputy, by=world.admin)
    issued = people_accounts.teacher_accounts_create(school=world.school, by=world.admin)
    assert [i.full_name for i in issued] == [plain.full_name]
    assert Teacher.objects.get(pk=deputy.pk).user_id is None


def test_no_new_password_for_a_login_that_is_also_a_familys(world):
    teacher = add_teacher(world, "Bùi Thị Thu", "GV0206")
    user = with_login(teacher, "thu.bt")
    user.set_password("mat-khau-rieng-2026")
    user.save()
    _as_guardian(world, user)
    with pytest.raises(DomainError, match="cũng là tài khoản gia đình"):
        people_accounts.teacher_password_reissue(teacher=Teacher.objects.get(pk=teacher.pk), by=world.admin)
    assert get_user_model().objects.get(pk=user.pk).check_password("mat-khau-rieng-2026")


def test_a_new_password_revokes_the_accounts_api_tokens(world):
    teacher = add_teacher(world, "Lý Văn Hải", "GV0207")
    user = with_login(teacher, "hai.lv")
    ApiToken.objects.create(user=user, name="Đồng bộ", key_hash="x" * 64, prefix="hb_x")
    people_accounts.teacher_password_reissue(teacher=Teacher.objects.get(pk=teacher.pk), by=world.admin)
    assert ApiToken.objects.get(user=user).revoked


def test_with_the_emailed_code_on_a_reissued_password_asks_for_the_code_first(world, settings):
    """Whoever holds a re-issued sheet must not set a family's password past their e-mailed code."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = get_user_model().objects.create_user(username="ph900", first_name="Lê Thị Hà", email="ha@example.vn")
    FamilyAccount.objects.create(user=user, email_otp=True, created_at=timezone.now())
    password = accounts.password_reissue(user=user, by=world.admin)
    client = Client()
    assert client.login(username="ph900", password=password)
    first = client.get("/gia-dinh/")
    assert first.status_code == 302 and first["Location"].startswith(reverse("verification:otp"))
    direct = client.get(reverse("verification:password"))
    assert direct.status_code == 302 and direct["Location"].startswith(reverse("verification:otp"))
    assert accounts.must_set_password(user)


def test_after_setting_a_password_the_family_is_not_sent_back_to_the_password_form(world):
    user = get_user_model().objects.create_user(username="ph901", first_name="Phan Thị Yến")
    FamilyAccount.objects.create(user=user, created_at=timezone.now())
    password = accounts.password_reissue(user=user, by=world.admin)
    client = Client()
    client.login(username="ph901", password=password)
    new = {"new_password1": "Hoc-ba-2026!xyz", "new_password2": "Hoc-ba-2026!xyz"}
    done = client.post("/tai-khoan/doi-mat-khau/?next=/gia-dinh/doi-mat-khau/", new)
    assert done.status_code == 302 and done["Location"] == reverse("verification:family")


def test_a_private_csv_written_over_an_open_file_is_narrowed(tmp_path):
    from hocba.core.cli import write_private_csv

    path = tmp_path / "tai-khoan.csv"
    path.write_text("cũ")
    os.chmod(path, 0o644)
    write_private_csv(path, ["a"], [["b"]])
    assert path.stat().st_mode & 0o777 == 0o600
