"""Roles on scopes: what each demo user can reach of their own school and of another school."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hocba.org import services as org_services
from hocba.org.models import ClassGroup, School
from hocba.people import services
from hocba.people.models import Enrolment, Student, Teacher

SCHOOL_STAFF = ("bgh", "hieutruong", "phohieutruong", "gvcn", "gvbm")


@pytest.fixture
def home(city):
    """The demo users' school (the first THCS) and the homeroom class of ``gvcn``."""
    cls = ClassGroup.objects.get(homeroom_teacher__user__username="gvcn")
    return cls.school, cls


@pytest.fixture
def other(city, home):
    """A student, class, teacher of another school (school B)."""
    school_a, _ = home
    school_b = School.objects.exclude(pk=school_a.pk).filter(level="THPT").first()
    cls = ClassGroup.objects.filter(school=school_b).first()
    student = Enrolment.objects.filter(class_group=cls).first().student
    teacher = Teacher.objects.filter(school=school_b).first()
    return school_b, cls, student, teacher


def object_urls(school, cls, student, teacher) -> dict[str, str]:
    return {
        "school page": reverse("org:school_detail", args=[school.pk]),
        "class page": reverse("org:class_detail", args=[cls.pk]),
        "student page": reverse("people:student_detail", args=[student.pk]),
        "teacher page": reverse("people:teacher_detail", args=[teacher.pk]),
        "school api": reverse("api:api_school_get", args=[school.pk]),
        "class api": reverse("api:api_class_get", args=[cls.pk]),
        "student api": reverse("api:api_student_get", args=[student.pk]),
    }


@pytest.mark.parametrize("username", SCHOOL_STAFF)
def test_school_staff_cannot_reach_another_school(login, other, username):
    client = login(username)
    for what, url in object_urls(*other).items():
        response = client.get(url)
        assert response.status_code == 403, f"{username} {what}: {response.status_code}"
        if what.endswith("page"):
            assert "không có quyền" in response.content.decode()


@pytest.mark.parametrize("username", SCHOOL_STAFF)
def test_other_school_never_appears_in_lists(login, other, username):
    school_b, _cls, student, teacher = other
    client = login(username)
    students = client.get(reverse("api:api_student_list"), {"q": student.full_name}).json()["items"]
    assert student.pk not in {s["id"] for s in students}
    classes = client.get(reverse("api:api_class_list")).json()["items"]
    assert school_b.pk not in {c["school_id"] for c in classes}
    teachers = client.get(reverse("api:api_teacher_list")).json()["items"]
    assert teacher.pk not in {t["id"] for t in teachers}
    page = client.get(reverse("org:school_list")).content.decode()
    assert school_b.name not in page


def test_department_officer_reaches_every_school(login, other):
    client = login("so")
    for what, url in object_urls(*other).items():
        assert client.get(url).status_code == 200, what


def test_homeroom_teacher_reaches_own_class_and_student(login, home):
    _, cls = home
    student = Enrolment.objects.filter(class_group=cls).first().student
    client = login("gvcn")
    assert client.get(reverse("org:class_detail", args=[cls.pk])).status_code == 200
    assert client.get(reverse("people:student_detail", args=[student.pk])).status_code == 200


def test_subject_teacher_sees_only_classes_taught(login, city, home):
    school_a, cls = home
    untaught = org_services.class_create(school=school_a, school_year=city.year, grade=6, name="6Z9")
    stranger = services.student_create(
        data={"full_name": "Mạc Thị Lan", "birth_date": "02/02/2014", "sex": "F"}, by=None)
    services.enrolment_create(student=stranger, class_group=untaught, by=None)
    client = login("gvbm")
    assert client.get(reverse("org:class_detail", args=[cls.pk])).status_code == 200
    assert client.get(reverse("org:class_detail", args=[untaught.pk])).status_code == 403
    assert client.get(reverse("people:student_detail", args=[stranger.pk])).status_code == 403
    # the homeroom teacher of another class is no more entitled than a subject teacher
    assert login("gvcn").get(reverse("people:student_detail", args=[stranger.pk])).status_code == 403
    # the school's board sees the new class
    assert login("bgh").get(reverse("org:class_detail", args=[untaught.pk])).status_code == 200


# --- family ---------------------------------------------------------------------------------

def test_guardian_sees_only_own_children(login, home):
    _, cls = home
    child = Student.objects.get(guardianships__guardian__user__username="phuhuynh")
    classmate = Enrolment.objects.filter(class_group=cls).exclude(student=child).first().student
    client = login("phuhuynh")
    assert client.get(reverse("people:student_detail", args=[child.pk])).status_code == 200
    assert client.get(reverse("people:student_detail", args=[classmate.pk])).status_code == 403
    assert client.get(reverse("api:api_student_get", args=[classmate.pk])).status_code == 403
    listed = [s["id"] for s in client.get(reverse("api:api_student_list")).json()["items"]]
    assert listed == [child.pk]
    assert client.get(reverse("org:class_detail", args=[cls.pk])).status_code == 403


def test_student_sees_only_self(login, home):
    _, cls = home
    me = Student.objects.get(user__username="hocsinh")
    classmate = Enrolment.objects.filter(class_group=cls).exclude(student=me).first().student
    client = login("hocsinh")
    assert client.get(reverse("people:student_detail", args=[me.pk])).status_code == 200
    assert client.get(reverse("people:student_detail", args=[classmate.pk])).status_code == 403
    assert [s["id"] for s in client.get(reverse("api:api_student_list")).json()["items"]] == [me.pk]


# --- commune officer ------------------------------------------------------------------------------

@pytest.fixture
def commune_schools(city, home):
    """In the officer's commune: its THCS and a new THPT; elsewhere: a new THCS in another commune."""
    school_a, _ = home
    commune = school_a.commune
    other_commune = type(commune).objects.exclude(pk=commune.pk).first()

    def new_school(code, level, where, grade):
        school = org_services.school_build(department=school_a.department, commune=where, code=code,
                                           name=f"Trường {level} Kiểm thử {code}", level=level)
        school.save()
        cls = org_services.class_create(school=school, school_year=city.year, grade=grade, name=f"{grade}B1")
        student = services.student_create(data={"full_name": "Mạc Văn Khải", "birth_date": "02/02/2010",
                                                "sex": "M"}, by=None)
        services.enrolment_create(student=student, class_group=cls, by=None)
        return school, cls, student

    return {"own THCS": (school_a, None, None),
            "THPT same commune": new_school("KT01", "THPT", commune, 10),
            "THCS other commune": new_school("KT02", "THCS", other_commune, 7)}


def test_commune_officer_sees_thcs_of_own_commune_only(login, commune_schools):
    client = login("xa")
    own, _, _ = commune_schools["own THCS"]
    assert client.get(reverse("org:school_detail", args=[own.pk])).status_code == 200
    for label in ("THPT same commune", "THCS other commune"):
        school, cls, student = commune_schools[label]
        assert client.get(reverse("org:school_detail", args=[school.pk])).status_code == 403, label
        assert client.get(reverse("org:class_detail", args=[cls.pk])).status_code == 403, label
        assert client.get(reverse("people:student_detail", args=[student.pk])).status_code == 403, label
        assert client.get(reverse("api:api_school_get", args=[school.pk])).status_code == 403, label
    listed = {s["id"] for s in client.get(reverse("api:api_school_list")).json()["items"]}
    assert own.pk in listed
    assert not listed & {commune_schools[k][0].pk for k in ("THPT same commune", "THCS other commune")}


# --- masked profile -------------------------------------------------------------------------------

@pytest.mark.parametrize(("username", "full"), [("gvcn", True), ("bgh", True), ("hieutruong", True),
                                                ("phuhuynh", True), ("hocsinh", True),
                                                ("gvbm", False), ("so", False), ("xa", False)])
def test_personal_details_shown_only_to_those_who_need_them(login, city, username, full):
    student = Student.objects.get(user__username="hocsinh")
    html = login(username).get(reverse("people:student_detail", args=[student.pk])).content.decode()
    assert student.full_name in html
    assert (student.personal_id in html) is full
    assert (student.residence in html) is full
    assert ("Chỉ hiển thị cho nhà trường" in html) is not full
    api = login(username).get(reverse("api:api_student_get", args=[student.pk])).json()
    assert ("personal_id" in api) is full
    assert ("residence" in api) is full
