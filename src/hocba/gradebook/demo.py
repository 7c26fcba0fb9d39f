"""A year of plausible scores for the demo city, written with bulk inserts.

Each student gets an *ability* (a level around which their scores fall, with a per-subject
offset and noise per assessment, one decimal); comment-assessed subjects are mostly Đ. A few
students are weak (learning result Chưa đạt, so they re-test in the summer: most pass, some stay
down) and a few are absent a lot (over 45 days: retained), so the demo shows every learning level,
a re-test case and a retained case. The homeroom teacher's entries (conduct, a short comment,
absences) and the year entries (the year comment, summer results) are filled too; then both
terms are finalised and closed (subject and class locks, then each school's lock by its principal)
and the terms and the year are closed by the assessment engine
(:func:`hocba.gradebook.closing.close_classes`, the StudentResult snapshots).

No per-cell service calls and no per-cell history: seeded data is not a teacher's change; one
audit entry records the seeding. Set ``HOCBA_DEMO_GRADEBOOK = False`` (Django setting) to leave the
gradebooks empty (tests of the gradebook itself start from an empty one).
"""

from __future__ import annotations

import json
import random
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from hocba.core.audit import audit_record
from hocba.core.models import Role, RoleAssignment
from hocba.gradebook.closing import close_classes
from hocba.gradebook.models import (
    GradebookLock,
    HomeroomTermEntry,
    LockLevel,
    StudentResult,
    SubjectTermScore,
    YearEntry,
)
from hocba.org.models import ClassGroup, CurriculumEntry, TeachingAssignment
from hocba.people.models import ACTIVE_STATUSES, Enrolment

BATCH = 2000
WEAK_SHARE = 0.025  # learning result Chưa đạt: summer re-test
ABSENT_SHARE = 0.006  # over 45 days absent: retained
RETEST_FAIL_SHARE = 0.3

SUBJECT_COMMENTS = {
    "high": [
        "Học tốt, tích cực phát biểu.",
        "Nắm vững kiến thức, làm bài cẩn thận.",
        "Có năng khiếu, cần phát huy.",
    ],
    "mid": ["Có cố gắng, cần chăm chỉ hơn.", "Nắm được kiến thức cơ bản.", "Tiến bộ so với đầu năm."],
    "low": [
        "Cần cố gắng nhiều hơn.",
        "Chưa nắm vững kiến thức cơ bản, cần ôn tập thêm.",
        "Hay quên làm bài tập về nhà.",
    ],
}
HOMEROOM_COMMENTS = {
    "Tốt": ["Ngoan, lễ phép, tích cực trong các hoạt động của lớp.", "Chăm chỉ, hòa đồng, giúp đỡ bạn bè."],
    "Khá": ["Ngoan, cần tập trung hơn trong giờ học.", "Thực hiện tốt nội quy, cần mạnh dạn hơn."],
    "Đạt": ["Đôi khi còn vi phạm nội quy, cần cố gắng.", "Cần chấp hành giờ giấc tốt hơn."],
    "Chưa đạt": ["Vi phạm nội quy nhiều lần, cần rèn luyện thêm trong hè."],
}
YEAR_COMMENTS = [
    "Có nhiều tiến bộ trong năm học.",
    "Chăm ngoan, học tập đều các môn.",
    "Cần cố gắng hơn ở năm học tới.",
    "Tích cực tham gia phong trào của lớp và trường.",
]


def _score(rng: random.Random, centre: float) -> str:
    value = min(10.0, max(0.0, centre + rng.gauss(0.0, 0.7)))
    tenths = int(value * 10 + 0.5)
    return f"{tenths // 10}.{tenths % 10}"


def _band(ability: float) -> str:
    return "high" if ability >= 8 else "mid" if ability >= 5.5 else "low"


def _conduct(rng: random.Random, ability: float, weak: bool) -> str:
    r = rng.random()
    if weak and r < 0.25:
        return "Chưa đạt"
    if r < 0.55 + 0.05 * (ability - 7):
        return "Tốt"
    if r < 0.9:
        return "Khá"
    return "Đạt"


#: Schools whose terms and year the seed closes (with summer re-assessment). Beyond them a big synthetic
#: city gets its scores only, and one command closes it: ``hocba gradebook close --all --period year``.
CLOSED_SCHOOLS = 20


def seed_gradebook(result, rng: random.Random) -> None:
    """Fill every class's gradebook for the year, the homeroom entries, and close both terms and the year."""
    if not getattr(settings, "HOCBA_DEMO_GRADEBOOK", True):
        return
    year = result.year
    tx_counts = {
        (c.subject_id, c.grade): c.tx_count for c in CurriculumEntry.objects.filter(school_year=None)
    }
    school_ids = list(
        ClassGroup.objects.filter(school_year=year)
        .values_list("school_id", flat=True)
        .distinct()
        .order_by("school_id")
    )
    rows = 0
    closed = 0
    for n, school_id in enumerate(school_ids):
        classes = list(ClassGroup.objects.filter(school_year=year, school_id=school_id).order_by("pk"))
        with transaction.atomic():
            rows += _seed_school(classes, rng, tx_counts)
        if n >= CLOSED_SCHOOLS:  # a big city: scores for all, closings left to `hocba gradebook close --all`
            continue
        for period in ("hk1", "hk2", "year"):
            close_classes(class_ids=[c.pk for c in classes], period=period, by=None)
        _summer(classes, rng)
        closed += 1
    audit_record(
        actor=None,
        action="demo:seed:gradebook",
        object_type="school_year",
        object_id=year.pk,
        after={"schools": len(school_ids), "score_rows": rows, "closed": ["hk1", "hk2", "year"],
               "closed_schools": closed},
    )


def _seed_school(classes: list[ClassGroup], rng: random.Random, tx_counts: dict) -> int:
    ids = [c.pk for c in classes]
    enrolled: dict[int, list[int]] = defaultdict(list)
    for cg_id, sid in (
        Enrolment.objects.filter(class_group_id__in=ids, status__in=ACTIVE_STATUSES)
        .order_by("student_id")
        .values_list("class_group_id", "student_id")
    ):
        enrolled[cg_id].append(sid)
    subjects: dict[int, list[tuple[int, str]]] = defaultdict(list)
    teacher_users: dict[tuple[int, int], int | None] = {}  # who finalised each subject: its teacher
    for cg_id, subject_id, mode, user_id in TeachingAssignment.objects.filter(class_group_id__in=ids).values_list(
        "class_group_id", "subject_id", "subject__mode", "teacher__user_id"
    ):
        subjects[cg_id].append((subject_id, mode))
        teacher_users[(cg_id, subject_id)] = user_id
    homeroom_users = dict(  # who closed each class: its homeroom teacher
        ClassGroup.objects.filter(pk__in=ids).values_list("pk", "homeroom_teacher__user_id")
    )
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    scores: list[tuple] = []
    homeroom: list[HomeroomTermEntry] = []
    years: list[YearEntry] = []
    locks: list[GradebookLock] = []
    n_rows = 0
    # Every school shows the rare cases: some weak students (re-test) and someone absent too often (retained).
    everyone = [sid for cg in classes for sid in enrolled[cg.pk]]
    weak_ids = set(rng.sample(everyone, min(len(everyone), max(2, round(len(everyone) * WEAK_SHARE)))))
    absent_ids = set(rng.sample(everyone, min(len(everyone), max(1, round(len(everyone) * ABSENT_SHARE)))))
    for cg in classes:
        for sid in enrolled[cg.pk]:
            weak, absent = sid in weak_ids, sid in absent_ids and sid not in weak_ids
            ability = rng.uniform(2.8, 4.2) if weak else min(9.8, max(4.5, rng.gauss(7.1, 1.05)))
            for subject_id, mode in subjects[cg.pk]:
                n_tx = tx_counts.get((subject_id, cg.grade), 3)
                offset = rng.gauss(0.0, 0.5)
                for term in (1, 2):
                    if mode == "score":
                        centre = ability + offset + (0.15 if term == 2 else 0.0)
                        tx = [_score(rng, centre + 0.3) for _ in range(n_tx)]
                        gk, ck = _score(rng, centre), _score(rng, centre - 0.1)
                    else:
                        fail = weak and rng.random() < 0.2
                        tx, gk, ck = ["Đ"] * n_tx, "Đ", "CĐ" if fail else "Đ"
                    comment = rng.choice(SUBJECT_COMMENTS[_band(ability)]) if rng.random() < 0.6 else ""
                    scores.append((cg.pk, subject_id, sid, term, json.dumps(tx), gk, ck, comment, 1, stamp))
            for term in (1, 2):
                conduct = _conduct(rng, ability, weak)
                excused = 25 if absent else min(rng.randrange(0, 4) + (2 if weak else 0), 10)
                unexcused = 23 if absent else (rng.randrange(0, 3) if weak else int(rng.random() < 0.1))
                homeroom.append(
                    HomeroomTermEntry(
                        class_group_id=cg.pk,
                        student_id=sid,
                        term=term,
                        conduct=conduct,
                        comment=rng.choice(HOMEROOM_COMMENTS[conduct]),
                        absent_excused=excused,
                        absent_unexcused=unexcused,
                        version=1,
                    )
                )
            years.append(
                YearEntry(
                    class_group_id=cg.pk,
                    student_id=sid,
                    homeroom_comment=rng.choice(YEAR_COMMENTS),
                    version=1,
                )
            )
            if len(scores) >= BATCH * 5:
                n_rows += len(scores)
                _insert_scores(scores)
                scores = []
        for term in (1, 2):
            for subject_id, _mode in subjects[cg.pk]:
                locks.append(_lock(cg, term, LockLevel.SUBJECT, subject_id, now, teacher_users[(cg.pk, subject_id)]))
            locks.append(_lock(cg, term, LockLevel.CLASS, None, now, homeroom_users.get(cg.pk)))
    if classes:  # every class closed: the principal locks the school's terms
        principal = (RoleAssignment.objects.filter(role=Role.PRINCIPAL, school_id=classes[0].school_id)
                     .values_list("user_id", flat=True).first())
        locks.extend(_lock(classes[0], term, LockLevel.SCHOOL, None, now, principal) for term in (1, 2))
    n_rows += len(scores)
    _insert_scores(scores)
    HomeroomTermEntry.objects.bulk_create(homeroom, batch_size=BATCH)
    YearEntry.objects.bulk_create(years, batch_size=BATCH)
    GradebookLock.objects.bulk_create(locks, batch_size=BATCH)
    return n_rows


def _insert_scores(rows: list[tuple]) -> None:
    """One executemany INSERT: the score table is the big one (tens of millions of rows for a city),
    and the ORM's per-field preparation costs more than the database's work."""
    table = SubjectTermScore._meta.db_table
    json_param = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    # Table name and placeholder come from the model and the vendor, never from input.
    sql = (
        f"INSERT INTO {table} (class_group_id, subject_id, student_id, term, tx, gk, ck, comment, "  # noqa: S608
        f"version, updated_at) VALUES (%s, %s, %s, %s, {json_param}, %s, %s, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH * 5):
            cursor.executemany(sql, rows[start : start + BATCH * 5])


def _lock(cg: ClassGroup, term: int, level: str, subject_id: int | None, now, by_id: int | None) -> GradebookLock:
    """A lock of ``cg``'s subject, of ``cg``, or (level school) of ``cg``'s school, for the term."""
    class_id = None if level == LockLevel.SCHOOL else cg.pk
    key = GradebookLock.make_key(
        year_id=cg.school_year_id, term=term, school_id=cg.school_id, class_id=class_id, subject_id=subject_id
    )
    return GradebookLock(
        school_year_id=cg.school_year_id,
        term=term,
        level=level,
        school_id=cg.school_id,
        class_group_id=class_id,
        subject_id=subject_id,
        key=key,
        locked_by_id=by_id,
        locked_at=now,
    )


def _summer(classes: list[ClassGroup], rng: random.Random) -> None:
    """Summer: re-tests for learning Chưa đạt (most pass), conduct training for conduct Chưa đạt; re-close."""
    pending = list(
        StudentResult.objects.filter(
            class_group__in=classes,
            period="year",
            outcome__in=["pending_retest", "pending_summer", "pending_retest_and_summer"],
        )
    )
    if not pending:
        return
    codes = {
        (cg_id, name): code
        for cg_id, name, code in TeachingAssignment.objects.filter(class_group__in=classes).values_list(
            "class_group_id", "subject__name", "subject__code"
        )
    }
    entries = {
        (y.class_group_id, y.student_id): y
        for y in YearEntry.objects.filter(
            class_group__in=classes, student_id__in=[r.student_id for r in pending]
        )
    }
    changed = []
    retested = 0
    for r in pending:
        entry = entries.get((r.class_group_id, r.student_id))
        if entry is None:
            continue
        if r.outcome in ("pending_retest", "pending_retest_and_summer"):
            passes = retested > 0 and rng.random() >= RETEST_FAIL_SHARE  # the school's first one stays down
            retested += 1
            retests = {}
            for name, values in r.outputs.get("subjects", {}).items():
                code = codes.get((r.class_group_id, name))
                if code is None:
                    continue
                if isinstance(values.get("cn"), int | float) and values["cn"] < 5:
                    retests[code] = (
                        f"{rng.uniform(5.0, 6.8):.1f}" if passes else f"{rng.uniform(2.5, 4.4):.1f}"
                    )
                elif values.get("cn") == "CĐ":
                    retests[code] = "Đ" if passes else "CĐ"
            entry.retests = retests
        if r.outcome in ("pending_summer", "pending_retest_and_summer"):
            entry.summer_conduct = "Đạt"
        entry.version += 1
        changed.append(entry)
    YearEntry.objects.bulk_update(changed, ["retests", "summer_conduct", "version"], batch_size=BATCH)
    close_classes(class_ids=sorted({r.class_group_id for r in pending}), period="year", by=None)


#: What the demo principal writes when reopening the demo sheet (shown in the audit log and the grant list).
CORRECTION_REASON = "GV bộ môn báo nhập nhầm điểm HK II của một học sinh; mở lại để sửa (bản demo)."


def seed_correction_window(result, rng: random.Random) -> None:
    """One sheet reopened for a correction, so that the demo can be typed in.

    The demo year is past its data-entry deadline (20/5) and every term is closed, so without this no
    demo login could change a score. As a school does when a subject teacher finds a wrong mark after
    the deadline, the principal (``hieutruong``) removes the term II locks of ``gvbm``'s Toán sheet in
    ``gvcn``'s class and allows edits of that one sheet for 30 days, each step through the services,
    with its reason, audited. Every other sheet stays locked. Runs after the records are signed: a
    changed score then calls for a corrected record, as it would in a school.
    """
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from hocba.gradebook import services
    from hocba.org.models import Subject

    if not getattr(settings, "HOCBA_DEMO_GRADEBOOK", True):
        return
    users = {u.username: u for u in get_user_model().objects.filter(username__in=("hieutruong", "gvcn", "gvbm"))}
    class_group = ClassGroup.objects.filter(homeroom_teacher__user=users.get("gvcn"), school_year=result.year).first()
    subject = Subject.objects.filter(code="TOAN").first()
    if class_group is None or subject is None or "hieutruong" not in users or not TeachingAssignment.objects.filter(
            class_group=class_group, subject=subject, teacher__user=users.get("gvbm")).exists():
        return
    principal = users["hieutruong"]
    term = 2
    locks = GradebookLock.objects.filter(
        Q(level=LockLevel.SCHOOL) | Q(level=LockLevel.CLASS, class_group=class_group)
        | Q(level=LockLevel.SUBJECT, class_group=class_group, subject=subject),
        school_year=class_group.school_year, school_id=class_group.school_id, term=term)
    for lock in locks:
        services.lock_remove(lock=lock, reason=CORRECTION_REASON, by=principal)
    services.edit_grant_create(school=class_group.school, class_group=class_group, subject=subject,
                               reason=CORRECTION_REASON, days=30, by=principal)
