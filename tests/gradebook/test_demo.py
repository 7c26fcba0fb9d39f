"""``seed-demo`` fills a whole year: full gradebooks, homeroom entries, closed terms and results."""

from __future__ import annotations

from collections import Counter

import pytest

from hocba.core.models import AuditEntry
from hocba.demo.seed import seed_city
from hocba.gradebook.locks import edit_block_reason
from hocba.gradebook.models import (
    HomeroomTermEntry,
    ScoreChange,
    StudentResult,
    SubjectTermScore,
    YearEntry,
)
from hocba.gradebook.selectors import sheet_missing
from hocba.org.models import ClassGroup, Subject, TeachingAssignment
from hocba.people.models import ACTIVE_STATUSES, Enrolment


@pytest.fixture
def seeded(empty_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.HOCBA_DEMO_GRADEBOOK = True
    return seed_city(schools=3, students=300, seed=11)


def test_every_sheet_of_every_class_is_complete_for_both_terms(seeded):
    students = Enrolment.objects.filter(status__in=ACTIVE_STATUSES).count()
    assignments = TeachingAssignment.objects.count()
    per_class = Counter(
        Enrolment.objects.filter(status__in=ACTIVE_STATUSES).values_list("class_group_id", flat=True)
    )
    expected_rows = sum(2 * per_class[ta.class_group_id] for ta in TeachingAssignment.objects.all())
    assert SubjectTermScore.objects.count() == expected_rows > 2 * students
    assert assignments > 0
    for cg in ClassGroup.objects.all():
        for ta in TeachingAssignment.objects.filter(class_group=cg).select_related("subject"):
            for term in (1, 2):
                assert sheet_missing(class_group=cg, subject=ta.subject, term=term) == {}
    assert HomeroomTermEntry.objects.exclude(conduct="").count() == 2 * students
    assert YearEntry.objects.exclude(homeroom_comment="").count() == students
    assert not ScoreChange.objects.exists()  # seeded data is not a teacher's change …
    assert (
        AuditEntry.objects.filter(action="demo:seed:gradebook").count() == 1
    )  # … but the seeding is recorded


def test_scores_are_plausible_one_decimal_values_and_comment_subjects_mostly_pass(seeded):
    values, comments = [], Counter()
    for row in SubjectTermScore.objects.select_related("subject"):
        cells = [*row.tx, row.gk, row.ck]
        if row.subject.mode == "score":
            values += [float(v) for v in cells]
            assert all(len(v.split(".")[1]) == 1 for v in cells)
        else:
            comments.update(cells)
    assert min(values) >= 0 and max(values) <= 10
    assert 6.0 < sum(values) / len(values) < 8.0
    assert comments["Đ"] > 0.95 * sum(comments.values()) and comments["CĐ"] > 0


def test_terms_and_year_are_closed_with_every_learning_level_a_retest_and_a_retained_student(seeded):
    students = Enrolment.objects.filter(status__in=ACTIVE_STATUSES).count()
    for period in ("hk1", "hk2", "year"):
        results = StudentResult.objects.filter(period=period)
        assert results.count() == students
        assert not results.exclude(error="").exists()
    levels = set(StudentResult.objects.filter(period="hk1").values_list("learning", flat=True))
    assert levels == {"Tốt", "Khá", "Đạt", "Chưa đạt"}
    year_levels = {r.outputs["learning"]["cn"] for r in StudentResult.objects.filter(period="year")}
    assert year_levels == {"Tốt", "Khá", "Đạt", "Chưa đạt"}
    retested = YearEntry.objects.exclude(retests={})
    assert retested.exists()
    promoted = StudentResult.objects.filter(period="year", outcome="promoted")
    assert any("after_retest" in r.outputs["learning"] for r in promoted)  # snapshots are read whole
    assert StudentResult.objects.filter(period="year", outcome="retained").exists()
    assert not StudentResult.objects.filter(period="year", outcome__startswith="pending").exists()


def test_both_terms_are_finalised_and_closed_but_one_sheet_reopened_for_a_correction(seeded):
    """Every class closes both terms and every principal locks the school's terms, except what the demo
    principal reopened (gvbm's Toán, term II, in gvcn's class, and so the school's term II), so that the
    demo can be typed in."""
    reopened = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn")
    for cg in ClassGroup.objects.all():
        for term in (1, 2):
            reason = edit_block_reason(class_group=cg, term=term, subject_id=None)
            if cg == reopened and term == 2:  # the class term is reopened, the homeroom entries stay past due
                assert "quá hạn nhập dữ liệu" in reason
            elif cg.school_id == reopened.school_id and term == 2:  # the school lock was lifted for the correction
                assert "khoá sổ học kì của lớp" in reason
            else:
                assert "Hiệu trưởng đã khoá sổ học kì của trường" in reason
    toan = Subject.objects.get(code="TOAN")
    assert edit_block_reason(class_group=reopened, term=2, subject_id=toan.pk) is None
    assert "khoá sổ học kì của trường" in edit_block_reason(class_group=reopened, term=1, subject_id=toan.pk)
    for other in TeachingAssignment.objects.filter(class_group=reopened).exclude(subject=toan):
        assert "chốt điểm" in edit_block_reason(class_group=reopened, term=2, subject_id=other.subject_id)
    assert set(AuditEntry.objects.filter(action__in=("gradebook:lock:remove", "gradebook:grant:create"))
               .values_list("actor__username", flat=True)) == {"hieutruong"}


def test_the_demo_subject_teacher_can_correct_a_mark_in_the_reopened_sheet(seeded):
    from django.contrib.auth import get_user_model

    from hocba.core.errors import DomainError
    from hocba.gradebook import services

    gvbm = get_user_model().objects.get(username="gvbm")
    cls = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn")
    toan = Subject.objects.get(code="TOAN")
    row = SubjectTermScore.objects.filter(class_group=cls, subject=toan, term=2).first()
    new = "9.5" if row.ck != "9.5" else "9.0"
    saved = services.score_update(class_group=cls, subject=toan, student_id=row.student_id, term=2, field="ck",
                                  raw=new.replace(".", ","), expected=row.ck, by=gvbm)
    assert saved.value == new
    assert ScoreChange.objects.get(row=row).by == gvbm
    with pytest.raises(DomainError, match="khoá sổ học kì của trường"):  # term I of the same sheet stays closed
        services.score_update(class_group=cls, subject=toan, student_id=row.student_id, term=1, field="ck",
                              raw="5,0", expected=None, by=gvbm)


def test_the_subject_teachers_list_says_which_sheet_is_open_for_the_correction_and_until_when(seeded):
    import re

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from hocba.gradebook.models import EditGrant

    client = Client()
    client.force_login(get_user_model().objects.get(username="gvbm"))
    html = client.get(reverse("gradebook:my_sheets")).content.decode()
    cls = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn")
    rows = {re.search(r"<td>([^<]+)</td><td>Toán</td>", row).group(1): row
            for row in re.findall(r"<tr>\s*<td>.*?</tr>", html, flags=re.S) if "<td>Toán</td>" in row}
    until = timezone.localtime(EditGrant.objects.get().expires_at)
    reopened = rows.pop(cls.name)
    assert "Xem HK I" in reopened and "Nhập điểm HK II" in reopened
    assert re.search(r"(\d+)/\1 ô điểm</span> <span class=\"tag ok\">Đã chốt", reopened)  # a full sheet, said in cells
    assert f"Mở sửa đến {until:%d/%m/%Y}" in reopened
    assert rows and all("Xem HK I" in r and "Xem HK II" in r and "Mở sửa" not in r for r in rows.values())


def test_the_seeded_locks_name_who_locked_them(seeded):
    from hocba.gradebook.models import GradebookLock

    locks = GradebookLock.objects.select_related("class_group__homeroom_teacher", "subject")
    assert locks.filter(level="class", locked_by__isnull=False).exists()
    assert locks.filter(level="subject", locked_by__isnull=False).exists()
    for lock in locks:
        if lock.level == "class":
            assert lock.locked_by_id == lock.class_group.homeroom_teacher.user_id
        elif lock.level == "subject":
            teacher = TeachingAssignment.objects.get(class_group=lock.class_group, subject=lock.subject).teacher
            assert lock.locked_by_id == teacher.user_id
