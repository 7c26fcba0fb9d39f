"""Composition of year records from the closed gradebook: content, versions, corrections, archive."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from hocba.gradebook.closing import close_classes
from hocba.people.models import Student
from hocba.records import archive
from hocba.records.document import canonical_json, validate_record
from hocba.records.models import ArchiveObject, CompositionFailure, RecordStatus, RecordVersion, YearRecord
from hocba.records.services import compose_class, record_compose

pytestmark = pytest.mark.django_db


def _student(class_group):
    return Student.objects.get(user__username="hocsinh")


def test_closing_then_composing_gives_every_student_a_valid_record(homeroom_class, staff):
    report = compose_class(class_group=homeroom_class, by=staff["gvcn"])
    n = homeroom_class.enrolments.count()
    assert report.created == n and not report.failed
    version = YearRecord.objects.get(student=_student(homeroom_class)).current_version
    doc = version.document
    assert validate_record(doc) == []  # the published schema accepts what we store
    assert doc["class_name"] == homeroom_class.name and doc["grade"] == 9
    assert doc["school"]["name"] == homeroom_class.school.name
    math = next(s for s in doc["subjects"] if s["name"] == "Toán")
    assert (math["term1"], math["term2"], math["year"]) == ("8,0", "8,0", "8,0")
    assert math["teacher"]  # the subject teacher's name, frozen as text
    assert doc["results"]["year"]["learning"] == "Tốt" and doc["results"]["year"]["conduct"] == "Tốt"
    assert doc["promotion"] is None and doc["completion"] == "recognised"  # grade 9: completes THCS
    assert doc["verification"]["code"] == version.verification_code and len(version.verification_code) == 16
    # The archive holds exactly the canonical JSON and the PDF under their SHA-256.
    assert archive.archive_get(version.json_sha256) == canonical_json(doc)
    pdf = archive.archive_get(version.pdf_sha256)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == version.pdf_sha256
    assert set(version.signature_boxes) >= {"homeroom", "principal"}


def test_composition_refuses_unclosed_or_incomplete_students_without_blocking_the_class(homeroom_class, staff):
    student = _student(homeroom_class)
    Student.objects.filter(pk=student.pk).update(birth_place="", residence="")
    report = compose_class(class_group=homeroom_class, by=staff["gvcn"])
    assert report.created == homeroom_class.enrolments.count() - 1
    reasons = report.failed[student.full_name]
    assert any("Nơi sinh" in r and "Chỗ ở hiện tại" in r for r in reasons)
    assert CompositionFailure.objects.filter(student=student).exists()
    page = None
    from django.test import Client

    client = Client()
    client.force_login(staff["gvcn"])
    page = client.get(reverse("records:class_records", kwargs={"class_id": homeroom_class.pk})).content.decode()
    assert "Chưa lập được" in page and "Nơi sinh" in page


def test_a_fixed_student_is_composed_on_the_next_run_and_leaves_the_failure_list(homeroom_class, staff):
    student = _student(homeroom_class)
    place, home = student.birth_place, student.residence
    Student.objects.filter(pk=student.pk).update(birth_place="", residence="")
    compose_class(class_group=homeroom_class, by=staff["gvcn"])
    Student.objects.filter(pk=student.pk).update(birth_place=place, residence=home)
    report = compose_class(class_group=homeroom_class, by=staff["gvcn"])
    assert (report.created, report.failed) == (1, {})
    assert not CompositionFailure.objects.filter(student=student).exists()
    assert YearRecord.objects.get(student=student).current_version.number == 1


def test_a_class_composed_together_leaves_one_audit_entry_per_record_and_an_intact_chain(homeroom_class, staff):
    from hocba.core.audit import audit_verify
    from hocba.core.models import AuditEntry

    report = compose_class(class_group=homeroom_class, by=staff["gvcn"])
    entries = AuditEntry.objects.filter(action="records:version:created").order_by("seq")
    versions = RecordVersion.objects.filter(year_record__class_group=homeroom_class)
    assert report.created == entries.count() == versions.count() == homeroom_class.enrolments.count()
    assert {e.object_id for e in entries} == {str(v.pk) for v in versions}
    assert {e.actor_label for e in entries} == {"gvcn"}
    assert audit_verify().ok


def test_a_record_created_meanwhile_by_another_composer_is_neither_duplicated_nor_lost(
        homeroom_class, staff, monkeypatch):
    from hocba.records import services

    other = homeroom_class.enrolments.exclude(student=_student(homeroom_class)).first().student
    rendered_files = services._rendered_files
    raced = []

    def render_while_another_composer_works(version, document):
        if not raced:  # while this composer renders, another one stores a record of the same group
            raced.append(None)
            raced[0] = record_compose(student=other, class_group=homeroom_class, by=staff["bgh"])
        return rendered_files(version, document)

    monkeypatch.setattr(services, "_rendered_files", render_while_another_composer_works)
    report = compose_class(class_group=homeroom_class, by=staff["gvcn"])
    n = homeroom_class.enrolments.count()
    assert raced[0].status == "created"
    assert (report.created, report.unchanged, report.failed) == (n - 1, 1, {})
    records = YearRecord.objects.filter(class_group=homeroom_class)
    assert records.count() == n and all(r.current_version_id for r in records)
    assert RecordVersion.objects.filter(year_record__class_group=homeroom_class).count() == n


def test_unclosed_year_is_refused(city, staff):
    from hocba.org.models import ClassGroup

    cg = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn")
    from hocba.gradebook.models import StudentResult

    StudentResult.objects.filter(class_group=cg).delete()
    report = compose_class(class_group=cg, by=staff["gvcn"])
    assert report.created == 0
    assert all("chưa được tổng kết" in " ".join(r) for r in report.failed.values())


def test_recomposing_unchanged_data_changes_nothing(homeroom_class, staff):
    compose_class(class_group=homeroom_class, by=staff["gvcn"])
    before = list(RecordVersion.objects.values_list("pk", "pdf_sha256"))
    report = compose_class(class_group=homeroom_class, by=staff["gvcn"])
    assert report.unchanged == homeroom_class.enrolments.count()
    assert list(RecordVersion.objects.values_list("pk", "pdf_sha256")) == before


def test_a_correction_after_signing_makes_a_new_version_with_its_correction_list(homeroom_class, staff):
    """The real path: the principal reopens the gradebook with a reason, the teacher corrects a cell,
    the year is closed again, and composition makes version 2 listing old → new, who and why."""
    from hocba.gradebook import services as gb

    student = _student(homeroom_class)
    first = record_compose(student=student, class_group=homeroom_class, by=staff["gvcn"]).version
    RecordVersion.objects.filter(pk=first.pk).update(status=RecordStatus.SEALED)  # as if signed
    first_pdf = archive.archive_get(first.pdf_sha256)
    math = homeroom_class.assignments.get(subject__code="TOAN").subject
    gb.subject_finalise(class_group=homeroom_class, subject=math, term=2, by=staff["gvbm"])
    lock = homeroom_class.locks.get(subject=math, term=2)
    gb.lock_remove(lock=lock, reason="Nhập nhầm điểm cuối kì môn Toán", by=staff["hieutruong"])
    gb.edit_grant_create(school=homeroom_class.school, class_group=homeroom_class, subject=math,
                         reason="Sửa điểm nhập nhầm sau hạn", days=2, by=staff["hieutruong"])
    gb.score_update(class_group=homeroom_class, subject=math, student_id=student.pk, term=2, field="ck",
                    raw="10", expected="8,0", by=staff["gvbm"])
    close_classes(class_ids=[homeroom_class.pk], period="hk2")
    close_classes(class_ids=[homeroom_class.pk], period="year")
    outcome = record_compose(student=student, class_group=homeroom_class, by=staff["gvcn"])
    assert outcome.status == "new_version"
    second = outcome.version
    first.refresh_from_db()
    assert second.number == 2 and first.status == RecordStatus.SUPERSEDED and first.superseded_at
    assert second.verification_code != first.verification_code
    assert second.document["supersedes_sha256"] == first.json_sha256
    changes = {(c["field"], c["subject"], c["old"], c["new"]) for c in second.corrections}
    # Toán has 4 TX: HK II = (4×8 + 2×8 + 3×10) / 9 = 8,67 → 8,7; year = (8,0 + 2×8,7) / 3 = 8,47 → 8,5.
    assert {("Học kì II", "Toán", "8,0", "8,7"), ("Cả năm", "Toán", "8,0", "8,5")} <= changes
    math_rows = [c for c in second.corrections if c["subject"] == "Toán"]
    gvbm_name = staff["gvbm"].teacher.full_name  # the record prints the teacher's name, not the login
    assert all(c["by"] == gvbm_name and c["reason"] == "Sửa điểm nhập nhầm sau hạn" for c in math_rows)
    # The signed first version is untouched and still retrievable byte for byte.
    assert archive.archive_get(first.pdf_sha256) == first_pdf
    assert YearRecord.objects.get(student=student).current_version_id == second.pk


def test_archive_check_finds_missing_and_altered_files(homeroom_class, staff, archive_dir):
    compose_class(class_group=homeroom_class, by=staff["gvcn"])
    assert archive.archive_check().ok
    objects = list(ArchiveObject.objects.order_by("sha256")[:2])
    (archive_dir / objects[0].storage_name).unlink()
    (archive_dir / objects[1].storage_name).write_bytes(b"altered")
    report = archive.archive_check()
    assert report.missing == [objects[0].sha256] and report.altered == [objects[1].sha256]
    with pytest.raises(SystemExit):
        call_command("archive_verify")


def test_school_archive_export_is_a_zip_with_a_manifest_of_hashes(homeroom_class, staff, tmp_path):
    compose_class(class_group=homeroom_class, by=staff["gvcn"])
    out = tmp_path / "archive.zip"
    call_command("archive_export", school=homeroom_class.school.code, year="2025-2026", out=str(out))
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["versions"] == homeroom_class.enrolments.count()
        for item in manifest["files"]:
            assert hashlib.sha256(zf.read(item["path"])).hexdigest() == item["sha256"]


def test_book_page_and_downloads_for_staff_and_family(homeroom_class, staff, login):
    compose_class(class_group=homeroom_class, by=staff["gvcn"])
    student = _student(homeroom_class)
    version = YearRecord.objects.get(student=student).current_version
    for username in ("gvcn", "hocsinh", "phuhuynh"):
        client = login(username)
        page = client.get(reverse("records:book", kwargs={"student_id": student.pk})).content.decode()
        assert version.code_shown in page  # grouped as the PDF prints it
        pdf = client.get(reverse("records:version_pdf", kwargs={"version_id": version.pk}))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert login("so").get(reverse("records:version_pdf", kwargs={"version_id": version.pk})).status_code == 403
