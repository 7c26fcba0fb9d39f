"""A class whose year is closed, and an archive in a temporary folder."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from hocba.gradebook.closing import close_classes
from hocba.gradebook.models import HomeroomTermEntry, SubjectTermScore, YearEntry
from hocba.gradebook.sheet import sheet_shape
from hocba.org.models import ClassGroup, TeachingAssignment
from hocba.people.models import ACTIVE_STATUSES, Enrolment


@pytest.fixture(autouse=True)
def archive_dir(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "archive")}}}
    return tmp_path / "archive"


def fill_class(class_group: ClassGroup, *, score: str = "8.0") -> None:
    """Every cell of both terms entered (``score`` everywhere, Đ for comment subjects), conduct Tốt."""
    students = list(Enrolment.objects.filter(class_group=class_group, status__in=ACTIVE_STATUSES)
                    .values_list("student_id", flat=True))
    rows = []
    for ta in TeachingAssignment.objects.filter(class_group=class_group).select_related("subject"):
        shape = sheet_shape(class_group=class_group, subject=ta.subject)
        value = score if shape.mode == "score" else "Đ"
        for term in (1, 2):
            for sid in students:
                rows.append(SubjectTermScore(class_group=class_group, subject=ta.subject, term=term, student_id=sid,
                                             tx=[value] * shape.tx_count, gk=value, ck=value))
    SubjectTermScore.objects.bulk_create(rows)
    HomeroomTermEntry.objects.bulk_create([
        HomeroomTermEntry(class_group=class_group, student_id=sid, term=term, conduct="Tốt", absent_excused=1)
        for sid in students for term in (1, 2)])
    YearEntry.objects.bulk_create([YearEntry(class_group=class_group, student_id=sid,
                                             homeroom_comment="Chăm ngoan, tiến bộ.") for sid in students])


def close_year(class_group: ClassGroup) -> None:
    for period in ("hk1", "hk2", "year"):
        close_classes(class_ids=[class_group.pk], period=period)


@pytest.fixture
def homeroom_class(city) -> ClassGroup:
    """The demo homeroom teacher's class (grade 9), its gradebook full and its year closed."""
    cg = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn")
    SubjectTermScore.objects.filter(class_group=cg).delete()
    HomeroomTermEntry.objects.filter(class_group=cg).delete()
    YearEntry.objects.filter(class_group=cg).delete()
    fill_class(cg)
    close_year(cg)
    return cg


@pytest.fixture
def staff(city):
    User = get_user_model()
    return {u.username: u for u in User.objects.filter(username__in=["gvcn", "gvbm", "hieutruong", "bgh"])}
