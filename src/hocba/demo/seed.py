"""``hocba seed-demo``: a realistic synthetic city, built with bulk inserts.

The Department (Sở) of a city with communes/wards, THCS, THPT and multi-level schools,
teachers with their profile summaries, classes of 35–45, teaching assignments, students with
well-formed personal IDs and guardians, and demo logins for every role. Other apps extend the
demo (a year of scores, records, certificates) through :data:`SEED_EXTENSIONS`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from hocba.core.audit import audit_record
from hocba.core.ids import make_personal_id
from hocba.core.models import RoleAssignment
from hocba.core.text import nfc, person_sort_key, search_key
from hocba.demo import names
from hocba.org import services as org_services
from hocba.org.catalogue import THPT_COMBINATIONS
from hocba.org.models import (
    ClassGroup,
    Commune,
    CurriculumEntry,
    Department,
    School,
    SchoolLevel,
    SchoolYear,
    Subject,
    TeachingAssignment,
)
from hocba.people.models import Enrolment, Guardian, Guardianship, Position, Student, Teacher

DEMO_PASSWORD = "hocba-demo"  # noqa: S105 — the published password of the demo accounts only
PROVINCE_CODE = "031"  # Hải Phòng
BATCH = 2000


@dataclass
class SeedResult:
    department: Department
    year: SchoolYear
    schools: int = 0
    classes: int = 0
    students: int = 0
    teachers: int = 0
    logins: dict[str, str] = field(default_factory=dict)  # username → role description
    seconds: float = 0.0
    rng_seed: int = 0


#: Functions ``(result, rng) -> None`` run after the city exists (scores, records, PKI …).
SEED_EXTENSIONS: list[Callable[[SeedResult, random.Random], None]] = []


@functools.lru_cache(maxsize=65536)
def _name_keys(full_name: str) -> tuple[str, str, str]:
    """(NFC name, search key, sort key); demo names repeat a lot, so they are computed once each."""
    name = nfc(full_name)
    return name, search_key(name), person_sort_key(name)


def _person_keys(obj) -> None:
    obj.full_name, obj.search_name, obj.sort_name = _name_keys(obj.full_name)


def _school_levels(n: int, rng: random.Random) -> list[str]:
    levels = [SchoolLevel.THCS, SchoolLevel.THPT]
    for _ in range(max(0, n - 2)):
        r = rng.random()
        levels.append(SchoolLevel.THCS if r < 0.6 else SchoolLevel.THPT if r < 0.95 else SchoolLevel.MULTI)
    return [lv.value for lv in levels[:n]]


class _Counter:
    def __init__(self, start: int = 0):
        self.value = start

    def next(self) -> int:
        self.value += 1
        return self.value


def seed_city(*, schools: int = 3, students: int = 400, seed: int = 2025, year_name: str = "2025-2026",
              progress: Callable[[str], None] | None = None) -> SeedResult:
    """Create the synthetic city. Refuses to run twice on the same database."""
    if Department.objects.exists():
        raise RuntimeError("Cơ sở dữ liệu đã có dữ liệu; seed-demo chỉ chạy trên cơ sở dữ liệu trống.")
    started = time.perf_counter()
    rng = random.Random(seed)
    say = progress or (lambda _msg: None)
    department = org_services.department_create(code="HP", name="Sở Giáo dục và Đào tạo Hải Phòng",
                                                province="Thành phố Hải Phòng")
    org_services.catalogue_load()
    year = org_services.school_year_create(name=year_name)
    result = SeedResult(department=department, year=year, rng_seed=seed)
    first_year = int(year_name[:4])

    n_communes = max(2, min(len(names.COMMUNES) * 4, math.ceil(schools / 8)))
    communes = Commune.objects.bulk_create([
        org_services.commune_build(department=department, code=f"X{i + 1:03d}",
                                   name=names.COMMUNES[i % len(names.COMMUNES)]
                                   + ("" if i < len(names.COMMUNES) else f" {i // len(names.COMMUNES) + 1}"))
        for i in range(n_communes)])
    school_objs = []
    for i, level in enumerate(_school_levels(schools, rng)):
        commune = communes[i % len(communes)]
        prefix = {"THCS": "Trường THCS", "THPT": "Trường THPT", "MULTI": "Trường THCS và THPT"}[level]
        base = names.SCHOOL_NAMES[i % len(names.SCHOOL_NAMES)]
        suffix = "" if i < len(names.SCHOOL_NAMES) else f" số {i // len(names.SCHOOL_NAMES) + 1}"
        school_objs.append(org_services.school_build(
            department=department, commune=commune, code=f"HP{i + 1:04d}", name=f"{prefix} {base}{suffix}",
            level=level, address=names.address(rng, commune.name)))
    school_objs = School.objects.bulk_create(school_objs, batch_size=BATCH)
    result.schools = len(school_objs)

    subjects = {s.code: s for s in Subject.objects.all()}
    curriculum: dict[int, list[CurriculumEntry]] = {}
    for entry in CurriculumEntry.objects.filter(school_year=None).select_related("subject"):
        curriculum.setdefault(entry.grade, []).append(entry)

    per_school = [students // schools + (1 if i < students % schools else 0) for i in range(schools)]
    pid_counter, teacher_counter, student_counter = _Counter(), _Counter(), _Counter()
    for index, school in enumerate(school_objs):
        with transaction.atomic():
            _seed_school(school=school, year=year, n_students=per_school[index], rng=rng, subjects=subjects,
                         curriculum=curriculum, first_year=first_year, pid_counter=pid_counter,
                         teacher_counter=teacher_counter, student_counter=student_counter, result=result)
        if index % 10 == 9 or index == len(school_objs) - 1:
            say(f"  {index + 1}/{len(school_objs)} trường, {result.students} học sinh")

    result.logins = _demo_users(department=department, communes=communes, schools=school_objs, year=year)
    audit_record(actor=None, action="demo:seed", object_type="department", object_id=department.pk,
                 after={"schools": result.schools, "students": result.students, "teachers": result.teachers,
                        "classes": result.classes, "seed": seed})
    for extension in SEED_EXTENSIONS:
        extension(result, rng)
    result.seconds = time.perf_counter() - started
    return result


def _seed_school(*, school: School, year: SchoolYear, n_students: int, rng: random.Random, subjects, curriculum,
                 first_year: int, pid_counter: _Counter, teacher_counter: _Counter, student_counter: _Counter,
                 result: SeedResult) -> None:
    grades = list(school.grades())
    # Classes of 35–45 per grade.
    per_grade = [n_students // len(grades) + (1 if i < n_students % len(grades) else 0) for i in range(len(grades))]
    class_plan: list[tuple[int, int, int]] = []  # (grade, index, size)
    for grade, count in zip(grades, per_grade, strict=True):
        if count == 0:
            continue
        n_classes = max(1, round(count / 40))
        sizes = [count // n_classes + (1 if i < count % n_classes else 0) for i in range(n_classes)]
        class_plan.extend((grade, i + 1, size) for i, size in enumerate(sizes))

    # Teachers: enough per subject for every class, plus the board.
    subject_load: dict[str, int] = {}
    combos: dict[tuple[int, int], tuple[str, ...]] = {}
    for grade, idx, _size in class_plan:
        codes = [e.subject.code for e in curriculum[grade] if e.kind == "compulsory"]
        if grade >= 10:
            combo = THPT_COMBINATIONS[(idx - 1) % len(THPT_COMBINATIONS)]
            combos[(grade, idx)] = combo
            codes += list(combo)
        for code in codes:
            subject_load[code] = subject_load.get(code, 0) + 1
    teachers: list[Teacher] = []
    teacher_subjects: list[tuple[int, str]] = []
    by_subject: dict[str, list[int]] = {}
    for position in (Position.PRINCIPAL, Position.DEPUTY_PRINCIPAL):
        teachers.append(_teacher(rng, school, first_year, position, pid_counter, teacher_counter))
        teacher_subjects.append((len(teachers) - 1, "TOAN" if position == Position.PRINCIPAL else "VAN"))
    for code, classes in sorted(subject_load.items()):
        for _ in range(max(1, math.ceil(classes / 6))):
            teachers.append(_teacher(rng, school, first_year, Position.TEACHER, pid_counter, teacher_counter))
            teacher_subjects.append((len(teachers) - 1, code))
    teachers = Teacher.objects.bulk_create(teachers, batch_size=BATCH)
    through = Teacher.subjects.through
    through.objects.bulk_create([through(teacher_id=teachers[i].pk, subject_id=subjects[c].pk)
                                 for i, c in teacher_subjects], batch_size=BATCH)
    for i, code in teacher_subjects[2:]:
        by_subject.setdefault(code, []).append(teachers[i].pk)
    result.teachers += len(teachers)

    # Classes with distinct homeroom teachers (not the principal).
    homeroom_pool = [t.pk for t in teachers[2:]]
    rng.shuffle(homeroom_pool)
    classes = ClassGroup.objects.bulk_create([
        ClassGroup(school=school, school_year=year, grade=grade, name=f"{grade}A{idx}",
                   homeroom_teacher_id=homeroom_pool[n % len(homeroom_pool)] if n < len(homeroom_pool) else None)
        for n, (grade, idx, _size) in enumerate(class_plan)], batch_size=BATCH)
    result.classes += len(classes)
    assignments = []
    rotation: dict[str, int] = {}
    for cg, (grade, idx, _size) in zip(classes, class_plan, strict=True):
        codes = [e.subject.code for e in curriculum[grade] if e.kind == "compulsory"]
        codes += list(combos.get((grade, idx), ()))
        for code in codes:
            pool = by_subject[code]
            k = rotation.get(code, 0)
            rotation[code] = k + 1
            assignments.append(TeachingAssignment(class_group=cg, subject=subjects[code],
                                                  teacher_id=pool[k % len(pool)]))
    TeachingAssignment.objects.bulk_create(assignments, batch_size=BATCH)

    # Students, guardians, enrolments.
    student_objs: list[Student] = []
    student_class: list[ClassGroup] = []
    for cg, (grade, _idx, size) in zip(classes, class_plan, strict=True):
        birth_year = first_year - (grade + 5)
        for _ in range(size):
            sex = "F" if rng.random() < 0.49 else "M"
            birth = dt.date(birth_year, 1, 1) + dt.timedelta(days=rng.randrange(365))
            n = student_counter.next()
            s = Student(full_name=names.person_name(rng, sex), sex=sex, birth_date=birth,
                        personal_id=make_personal_id(PROVINCE_CODE, birth, sex, pid_counter.next()),
                        moet_code=f"31{n:08d}", birth_place="Thành phố Hải Phòng",
                        ethnicity=rng.choice(names.ETHNICITIES), residence=names.address(rng, school.commune.name),
                        register_number=f"{n % 10000:04d}")  # the book prints "…/THCS" itself
            _person_keys(s)
            student_objs.append(s)
            student_class.append(cg)
    student_objs = Student.objects.bulk_create(student_objs, batch_size=BATCH)
    result.students += len(student_objs)
    Enrolment.objects.bulk_create([
        Enrolment(student=s, class_group=cg, school_year=year, status="studying", status_date=year.start_date)
        for s, cg in zip(student_objs, student_class, strict=True)], batch_size=BATCH)
    guardians: list[Guardian] = []
    for s in student_objs:
        surname = s.full_name.split(" ")[0]
        father = Guardian(full_name=f"{surname} {rng.choice(names.MIDDLE_MALE)} {rng.choice(names.GIVEN_MALE)}",
                          occupation=rng.choice(names.OCCUPATIONS), phone=f"09{rng.randrange(10**8):08d}")
        mother = Guardian(full_name=names.person_name(rng, "F"), occupation=rng.choice(names.OCCUPATIONS),
                          phone=f"09{rng.randrange(10**8):08d}")
        _person_keys(father)
        _person_keys(mother)
        guardians += [father, mother]
    guardians = Guardian.objects.bulk_create(guardians, batch_size=BATCH)
    Guardianship.objects.bulk_create([
        Guardianship(student=s, guardian=guardians[2 * i + k], relation=("father", "mother")[k])
        for i, s in enumerate(student_objs) for k in (0, 1)], batch_size=BATCH)


def _teacher(rng, school, first_year, position, pid_counter, teacher_counter) -> Teacher:
    sex = "F" if rng.random() < 0.7 else "M"
    birth = dt.date(first_year - rng.randint(24, 58), 1, 1) + dt.timedelta(days=rng.randrange(365))
    n = teacher_counter.next()
    t = Teacher(full_name=names.person_name(rng, sex), sex=sex, birth_date=birth, school=school, position=position,
                staff_code=f"GV{n:07d}", personal_id=make_personal_id(PROVINCE_CODE, birth, sex,
                                                                      500_000 + pid_counter.next()),
                qualification=rng.choice(names.QUALIFICATIONS),
                contract_type="civil_servant" if rng.random() < 0.85 else "contract")
    _person_keys(t)
    return t


def _demo_users(*, department, communes, schools, year) -> dict[str, str]:
    """One login per role, all in the first THCS school (and its commune)."""
    User = get_user_model()
    logins: dict[str, str] = {}
    password = make_password(DEMO_PASSWORD)  # one (slow, salted) hash shared by the published demo accounts

    def user(username: str, full_name: str, description: str, **extra):
        # Vietnamese names are written family name first: keep the whole name in one field so that
        # get_full_name() shows it the way people write it.
        u = User.objects.create(username=username, password=password, first_name=full_name, **extra)
        logins[username] = description
        return u

    admin = user("quantri", "Quản trị Hệ thống", "Quản trị hệ thống (trang /admin/)", is_staff=True, is_superuser=True)
    del admin
    so = user("so", "Phạm Thị Thu Hà", "Cán bộ Sở GDĐT (toàn thành phố)")
    RoleAssignment.objects.create(user=so, role="department_officer", department=department)
    school = next(s for s in schools if s.level == "THCS")
    xa = user("xa", "Lê Văn Nam", f"Cán bộ {school.commune.name}")
    RoleAssignment.objects.create(user=xa, role="commune_officer", commune=school.commune)
    bgh = user("bgh", "Đỗ Thị Mai", f"Ban quản lý học bạ, {school.name}")
    RoleAssignment.objects.create(user=bgh, role="school_admin", school=school)
    principal = Teacher.objects.get(school=school, position=Position.PRINCIPAL)
    hieutruong = user("hieutruong", principal.full_name, f"Hiệu trưởng {school.name}")
    Teacher.objects.filter(pk=principal.pk).update(user=hieutruong)
    RoleAssignment.objects.create(user=hieutruong, role="principal", school=school)
    deputy = Teacher.objects.get(school=school, position=Position.DEPUTY_PRINCIPAL)
    pht = user("phohieutruong", deputy.full_name, f"Phó hiệu trưởng (được ủy quyền ký), {school.name}")
    Teacher.objects.filter(pk=deputy.pk).update(user=pht)
    RoleAssignment.objects.create(user=pht, role="deputy_principal", school=school)
    cls = (ClassGroup.objects.filter(school=school, school_year=year, homeroom_teacher__isnull=False)
           .order_by("-grade", "name").first())
    gvcn = user("gvcn", cls.homeroom_teacher.full_name, f"Giáo viên chủ nhiệm lớp {cls.name}")
    Teacher.objects.filter(pk=cls.homeroom_teacher_id).update(user=gvcn)
    math_ta = (TeachingAssignment.objects.filter(class_group=cls, subject__code="TOAN")
               .exclude(teacher_id=cls.homeroom_teacher_id).select_related("teacher").first())
    gvbm = user("gvbm", math_ta.teacher.full_name, f"Giáo viên bộ môn Toán (lớp {cls.name} …)")
    Teacher.objects.filter(pk=math_ta.teacher_id).update(user=gvbm)
    enrolment = Enrolment.objects.filter(class_group=cls).select_related("student").order_by("student__sort_name")[0]
    hs = user("hocsinh", enrolment.student.full_name, f"Học sinh lớp {cls.name}")
    Student.objects.filter(pk=enrolment.student_id).update(user=hs)
    link = Guardianship.objects.filter(student_id=enrolment.student_id, relation="mother").select_related("guardian")[0]
    ph = user("phuhuynh", link.guardian.full_name, f"Phụ huynh của {enrolment.student.full_name}")
    Guardian.objects.filter(pk=link.guardian_id).update(user=ph)
    return logins
