"""The audit log: every personal-data write and full-profile read is recorded; the chain shows tampering."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from hocba.__main__ import main as hocba_main
from hocba.core.audit import audit_verify
from hocba.core.models import AuditEntry
from hocba.people import services
from hocba.people.models import Enrolment, Student
from tests.people.world import build_world


def last_entry() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()


def verify() -> tuple[int, str, str]:
    """Run ``audit-verify`` as a person would; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def world(empty_db):
    w = build_world()
    for name in ("Nguyễn Văn An", "Trần Thị Bích", "Lê Văn Cường", "Phạm Thị Dung"):
        w.add_student(name)
    return w


# --- what is recorded ------------------------------------------------------------------------

def test_creating_a_student_records_who_and_what(world):
    student = services.student_create(data={"full_name": "Võ Thị Én", "birth_date": "01/02/2014", "sex": "F",
                                            "personal_id": "031314000001"}, by=world.admin)
    entry = last_entry()
    assert entry.action == "people:student:create"
    assert entry.actor_id == world.admin.pk and entry.actor_label == world.admin.username
    assert (entry.object_type, entry.object_id) == ("student", str(student.pk))
    assert entry.after["full_name"] == "Võ Thị Én"
    assert entry.after["personal_id"] == "031314000001"
    assert entry.after["birth_date"] == "01/02/2014"


def test_profile_correction_through_the_api_records_before_and_after(world):
    student = world.students["Lê Văn Cường"]
    response = world.client().patch(reverse("api:api_student_patch", args=[student.pk]),
                                    json.dumps({"version": 1, "residence": "Số 9 Trần Phú"}),
                                    content_type="application/json")
    assert response.status_code == 200
    entry = last_entry()
    assert entry.action == "people:student:update"
    assert entry.before == {"residence": ""} and entry.after == {"residence": "Số 9 Trần Phú"}
    assert entry.actor_id == world.admin.pk
    assert entry.source == "api" and entry.request_id
    assert entry.school_id == world.school.pk


def test_enrolment_status_change_records_before_and_after(world):
    enrolment = Enrolment.objects.get(student=world.students["Nguyễn Văn An"])
    services.enrolment_set_status(enrolment=enrolment, status="transferred_out", by=world.admin)
    entry = last_entry()
    assert entry.action == "people:enrolment:status"
    assert entry.before == {"status": "studying"} and entry.after == {"status": "transferred_out"}


def test_adding_a_guardian_is_recorded(world):
    services.guardian_add(student=world.students["Trần Thị Bích"], full_name="Trần Văn Bảo",
                          relation="father",
                          by=world.admin)
    entry = last_entry()
    assert entry.action == "people:guardian:add" and entry.after["guardian"] == "Trần Văn Bảo"


def test_full_profile_read_by_homeroom_teacher_is_recorded(login, city):
    student = Student.objects.get(user__username="hocsinh")
    before = AuditEntry.objects.count()
    response = login("gvcn").get(reverse("people:student_detail", args=[student.pk]))
    assert response.status_code == 200
    assert AuditEntry.objects.count() == before + 1
    entry = last_entry()
    assert entry.action == "people:student:view_full"
    assert entry.actor.username == "gvcn"
    assert entry.object_id == str(student.pk) and entry.source == "web"


def test_masked_read_is_not_a_full_profile_read(login, city):
    student = Student.objects.get(user__username="hocsinh")
    before = AuditEntry.objects.count()
    response = login("gvbm").get(reverse("people:student_detail", args=[student.pk]))
    assert response.status_code == 200
    assert AuditEntry.objects.count() == before


def test_full_profile_read_through_the_api_is_recorded(login, city):
    student = Student.objects.get(user__username="hocsinh")
    login("gvcn").get(reverse("api:api_student_get", args=[student.pk]))
    entry = last_entry()
    assert (entry.action, entry.actor.username, entry.source) == ("people:student:view_full", "gvcn", "api")


# --- the chain --------------------------------------------------------------------------------

def test_clean_chain_verifies(world):
    status, out, _ = verify()
    assert status == 0
    assert f"Chuỗi nhật ký toàn vẹn: {AuditEntry.objects.count()} bản ghi." in out


def test_cli_verifies_a_clean_chain(world, capsys):
    assert hocba_main(["audit-verify"]) == 0
    assert "Chuỗi nhật ký toàn vẹn" in capsys.readouterr().out


def entries() -> list[int]:
    return list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))


def raw(sql: str, params) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_edited_entry_is_reported_as_the_first_broken_link(world):
    seqs = entries()
    target = seqs[3]
    raw("UPDATE core_auditentry SET actor_label = %s WHERE seq = %s", ["người lạ", target])
    status, _, err = verify()
    assert status == 1
    assert f"bản ghi #{target}" in err and "nội dung bản ghi đã bị sửa" in err


def test_only_the_first_of_several_edits_is_reported(world):
    seqs = entries()
    raw("UPDATE core_auditentry SET object_id = %s WHERE seq IN (%s, %s)", ["999", seqs[2], seqs[5]])
    report = audit_verify()
    assert report.first_broken_seq == seqs[2]
    assert report.checked == 2


def test_edited_before_after_snapshot_is_detected(world):
    student = world.students["Lê Văn Cường"]
    services.student_update(student=student, changes={"residence": "Số 1 Lê Lợi"}, by=world.admin)
    seq = last_entry().seq
    AuditEntry.objects.filter(seq=seq).update(after={"residence": "Số 2 Lê Lợi"})  # bypasses save()
    assert audit_verify().first_broken_seq == seq


def test_deleted_middle_entry_is_reported_at_the_next_link(world):
    seqs = entries()
    raw("DELETE FROM core_auditentry WHERE seq = %s", [seqs[4]])
    status, _, err = verify()
    assert status == 1
    assert f"bản ghi #{seqs[5]}" in err and "liên kết với bản ghi trước bị đứt" in err


def test_deleted_last_entry_is_reported(world):
    seqs = entries()
    raw("DELETE FROM core_auditentry WHERE seq = %s", [seqs[-1]])
    report = audit_verify()
    assert not report.ok
    assert report.first_broken_seq == seqs[-1]
    assert "bị xoá" in report.reason


def test_entry_cannot_be_changed_or_deleted_through_the_model(world):
    entry = last_entry()
    entry.actor_label = "người lạ"
    with pytest.raises(PermissionError, match="chỉ được ghi thêm"):
        entry.save()
    with pytest.raises(PermissionError, match="không được xoá"):
        entry.delete()
    assert AuditEntry.objects.get(seq=entry.seq).actor_label == world.admin.username
    assert audit_verify().ok
