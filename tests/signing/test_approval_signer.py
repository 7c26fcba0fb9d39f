"""Người ký phê duyệt học bạ: the principal signs the approval, or a deputy the principal authorised before the
records were composed. A record prints its approver's title and name under the signature box, so only that
person may sign there: a deputy's stamp ("KT. HIỆU TRƯỞNG / PHÓ HIỆU TRƯỞNG / <deputy>") above the
principal's printed name would make the record say two different things."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from hocba.core.audit import AuditEntry
from hocba.core.errors import DomainError, PermissionDeniedError
from hocba.core.models import RoleAssignment
from hocba.people.models import Position, Teacher
from hocba.people.services import teacher_create, teacher_update
from hocba.records.models import RecordVersion
from hocba.records.services import compose_class, record_compose
from hocba.signing.batch import signing_batch_start
from hocba.signing.models import Signature, SignRole
from hocba.signing.services import approval_signer_set, approval_signers
from hocba.signing.workflow import prints_approver
from tests.signing.djangofix import (  # noqa: F401  (fixtures)
    SECRET,
    archive_dir,
    composed,
    confirm_all,
    current_versions,
    homeroom_class,
    register_certificate,
    users,
)

pytestmark = pytest.mark.django_db


def sign_class_as_homeroom(class_group) -> None:
    gvcn, = users("gvcn")
    confirm_all(class_group)
    signing_batch_start(class_group=class_group, role=SignRole.HOMEROOM, by=gvcn, secret=SECRET, run_inline=True)


def test_records_print_the_principal_and_a_deputy_cannot_sign_them(composed):
    deputy_user, principal_user = users("phohieutruong", "hieutruong")
    principal = Teacher.objects.get(user=principal_user)
    printed = current_versions(composed)[0].document["signatories"]
    assert printed["principal"] == principal.full_name and printed["principal_is_deputy"] is False
    sign_class_as_homeroom(composed)
    with pytest.raises(DomainError, match=f"người ký phê duyệt là Hiệu trưởng {principal.full_name}"):
        signing_batch_start(school=composed.school, role=SignRole.PRINCIPAL, by=deputy_user, secret=SECRET,
                            run_inline=True)
    assert not Signature.objects.filter(role=SignRole.PRINCIPAL).exists()


def test_the_deputy_the_principal_chose_is_printed_and_alone_signs(homeroom_class):
    deputy_user, principal_user = users("phohieutruong", "hieutruong")
    deputy = Teacher.objects.get(user=deputy_user)
    assert [t.position for t in approval_signers(homeroom_class.school)] == [Position.PRINCIPAL, deputy.position]
    approval_signer_set(school=homeroom_class.school, teacher=deputy, by=principal_user)
    assert AuditEntry.objects.filter(action="signing:approval_signer:set").exists()
    assert not compose_class(class_group=homeroom_class).failed
    printed = current_versions(homeroom_class)[0].document["signatories"]
    assert printed == {**printed, "principal": deputy.full_name, "principal_is_deputy": True}
    sign_class_as_homeroom(homeroom_class)
    with pytest.raises(DomainError, match=f"Phó hiệu trưởng được ủy quyền {deputy.full_name}"):
        signing_batch_start(school=homeroom_class.school, role=SignRole.PRINCIPAL, by=principal_user,
                            secret=SECRET, run_inline=True)
    batch = signing_batch_start(school=homeroom_class.school, role=SignRole.PRINCIPAL, by=deputy_user,
                                secret=SECRET, run_inline=True)
    assert batch.failed == 0 and batch.done == len(current_versions(homeroom_class))
    assert set(Signature.objects.filter(role=SignRole.PRINCIPAL).values_list("role_label", flat=True)) == {
        "KT. HIỆU TRƯỞNG\nPHÓ HIỆU TRƯỞNG"}


def test_a_batch_signs_the_records_printing_its_signer_and_names_the_others(homeroom_class):
    """Records composed before the principal chose a deputy keep the principal: the deputy's batch signs the
    new ones and says, for each old one, who it prints."""
    deputy_user, principal_user = users("phohieutruong", "hieutruong")
    assert not compose_class(class_group=homeroom_class).failed
    approval_signer_set(school=homeroom_class.school, teacher=Teacher.objects.get(user=deputy_user),
                        by=principal_user)
    new = current_versions(homeroom_class)[0]
    record_compose(student=new.year_record.student, class_group=homeroom_class)  # unsigned: re-rendered
    new.refresh_from_db()
    assert new.document["signatories"]["principal_is_deputy"] is True
    sign_class_as_homeroom(homeroom_class)
    batch = signing_batch_start(school=homeroom_class.school, role=SignRole.PRINCIPAL, by=deputy_user,
                                secret=SECRET, run_inline=True)
    old = current_versions(homeroom_class)[1:]
    assert batch.done == 1 and batch.failed == len(old)
    assert Signature.objects.get(role=SignRole.PRINCIPAL).version_id == new.pk
    assert all("người ký phê duyệt là Hiệu trưởng" in m for m in batch.messages)
    assert any(old[0].year_record.student.full_name in m for m in batch.messages)


def test_only_the_principal_chooses_and_only_among_the_authorised(composed, client):
    deputy_user, principal_user, gvcn_user = users("phohieutruong", "hieutruong", "gvcn")
    with pytest.raises(PermissionDeniedError):
        approval_signer_set(school=composed.school, teacher=Teacher.objects.get(user=deputy_user), by=deputy_user)
    with pytest.raises(DomainError, match="không phải Hiệu trưởng hay Phó hiệu trưởng được ủy quyền"):
        approval_signer_set(school=composed.school, teacher=Teacher.objects.get(user=gvcn_user), by=principal_user)
    url = reverse("signing:approval_signer", args=[composed.school_id])
    client.force_login(deputy_user)
    assert client.post(url, {"teacher": Teacher.objects.get(user=deputy_user).pk}).status_code == 403
    client.force_login(principal_user)
    page = client.get(reverse("signing:school", args=[composed.school_id])).content.decode()
    assert "Người ký phê duyệt học bạ" in page and "Lưu người ký" in page
    deputy = Teacher.objects.get(user=deputy_user)
    response = client.post(url, {"teacher": deputy.pk}, follow=True)
    text = response.content.decode()
    assert f"Từ nay học bạ lập mới ghi người ký phê duyệt: {deputy.full_name}" in text
    assert f"Phó hiệu trưởng {deputy.full_name} (KT. Hiệu trưởng)" in text
    composed.school.refresh_from_db()
    assert composed.school.approval_signer_id == deputy.pk


# --- by identity, not by name: namesakes ("Nguyễn Thị Hương") and renames ------------------------------------

def namesake_deputy(deputy: Teacher, *, by) -> Teacher:
    """A second authorised deputy of the school with the same full name, a login and a certificate."""
    twin = teacher_create(data={"full_name": deputy.full_name, "birth_date": "02/03/1979", "sex": deputy.sex,
                                "staff_code": f"{deputy.staff_code}-2", "position": Position.DEPUTY_PRINCIPAL},
                          school=deputy.school, by=by)
    user = get_user_model().objects.create(username="phohieutruong2", first_name=deputy.full_name)
    Teacher.objects.filter(pk=twin.pk).update(user=user)
    RoleAssignment.objects.create(user=user, role="deputy_principal", school=deputy.school)
    register_certificate(twin, key=f"namesake-{twin.pk}")
    twin.refresh_from_db()
    return twin


def test_a_namesake_of_the_chosen_deputy_cannot_sign_the_approval(homeroom_class, django_assert_num_queries):
    deputy_user, principal_user = users("phohieutruong", "hieutruong")
    deputy = Teacher.objects.get(user=deputy_user)
    twin = namesake_deputy(deputy, by=principal_user)
    approval_signer_set(school=homeroom_class.school, teacher=twin, by=principal_user)
    assert not compose_class(class_group=homeroom_class).failed
    version = current_versions(homeroom_class)[0]
    assert version.document["signatories"]["principal"] == deputy.full_name == twin.full_name
    with django_assert_num_queries(0):  # the batch asks this of every record
        assert prints_approver(version, twin) and not prints_approver(version, deputy)
    sign_class_as_homeroom(homeroom_class)
    with pytest.raises(DomainError, match=f"{deputy.full_name} không ký thay được"):
        signing_batch_start(school=homeroom_class.school, role=SignRole.PRINCIPAL, by=deputy_user, secret=SECRET,
                            run_inline=True)
    assert not Signature.objects.filter(role=SignRole.PRINCIPAL).exists()
    batch = signing_batch_start(school=homeroom_class.school, role=SignRole.PRINCIPAL, by=twin.user,
                                secret=SECRET, run_inline=True)
    assert batch.failed == 0 and batch.done == len(current_versions(homeroom_class))


def test_choosing_a_namesake_binds_the_unsigned_records_to_them(homeroom_class):
    """The printed document does not change, the person who signs it does."""
    deputy_user, principal_user = users("phohieutruong", "hieutruong")
    deputy = Teacher.objects.get(user=deputy_user)
    twin = namesake_deputy(deputy, by=principal_user)
    approval_signer_set(school=homeroom_class.school, teacher=deputy, by=principal_user)
    assert not compose_class(class_group=homeroom_class).failed
    assert {v.approval_signer_id for v in current_versions(homeroom_class)} == {deputy.pk}
    approval_signer_set(school=homeroom_class.school, teacher=twin, by=principal_user)
    assert compose_class(class_group=homeroom_class).updated == len(current_versions(homeroom_class))
    assert {v.approval_signer_id for v in current_versions(homeroom_class)} == {twin.pk}


def test_the_chosen_deputy_renamed_after_composition_still_signs(homeroom_class):
    deputy_user, principal_user = users("phohieutruong", "hieutruong")
    deputy = Teacher.objects.get(user=deputy_user)
    approval_signer_set(school=homeroom_class.school, teacher=deputy, by=principal_user)
    assert not compose_class(class_group=homeroom_class).failed
    printed = deputy.full_name
    teacher_update(teacher=deputy, changes={"full_name": "Trần Thị Thu Trang"}, by=principal_user)
    sign_class_as_homeroom(homeroom_class)
    batch = signing_batch_start(school=homeroom_class.school, role=SignRole.PRINCIPAL, by=deputy_user,
                                secret=SECRET, run_inline=True)
    assert batch.failed == 0 and batch.done == len(current_versions(homeroom_class))
    assert all(v.document["signatories"]["principal"] == printed for v in current_versions(homeroom_class))


def test_a_version_composed_before_the_approver_was_kept_is_matched_by_name(composed):
    deputy_user, principal_user = users("phohieutruong", "hieutruong")
    RecordVersion.objects.filter(year_record__class_group=composed).update(approval_signer=None)
    sign_class_as_homeroom(composed)
    principal = Teacher.objects.get(user=principal_user)
    with pytest.raises(DomainError, match=f"người ký phê duyệt là Hiệu trưởng {principal.full_name}"):
        signing_batch_start(school=composed.school, role=SignRole.PRINCIPAL, by=deputy_user, secret=SECRET,
                            run_inline=True)
    batch = signing_batch_start(school=composed.school, role=SignRole.PRINCIPAL, by=principal_user,
                                secret=SECRET, run_inline=True)
    assert batch.failed == 0 and batch.done == len(current_versions(composed))
