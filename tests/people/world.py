"""A tiny, fully known world built through the services: one school, one year, chosen students.

Unlike the demo city, every student here is one the test named, so a search or a sorted list can
be compared with an exact expectation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.test import Client

from hocba.core.models import RoleAssignment
from hocba.org import services as org_services
from hocba.org.models import ClassGroup, School, SchoolYear
from hocba.people import services
from hocba.people.models import Student

BIRTH = "14/03/2014"  # a grade-6 student in 2025-2026


@dataclass
class World:
    school: School
    year: SchoolYear
    class_a: ClassGroup
    class_b: ClassGroup
    admin: object  # the school's records board member (school_admin)
    students: dict[str, Student] = field(default_factory=dict)

    def client(self, user=None) -> Client:
        c = Client()
        c.force_login(user or self.admin)
        return c

    def add_student(self, full_name: str, *, class_group: ClassGroup | None = None, **data) -> Student:
        data = {"full_name": full_name, "birth_date": BIRTH, "sex": "M", **data}
        student = services.student_create(data=data, by=self.admin)
        services.enrolment_create(student=student, class_group=class_group or self.class_a, by=self.admin,
                                  status_date=dt.date(2025, 9, 5))
        self.students[full_name] = student
        return student


def build_world(*, code: str = "T") -> World:
    dep = org_services.department_create(code=f"S{code}", name="Sở Giáo dục và Đào tạo Thử nghiệm",
                                         province="Tỉnh Thử nghiệm")
    year = (SchoolYear.objects.filter(name="2025-2026").first()
            or org_services.school_year_create(name="2025-2026"))
    commune = org_services.commune_build(department=dep, code=f"X{code}", name="Phường Thử nghiệm")
    commune.save()
    school = org_services.school_build(department=dep, commune=commune, code=f"TR{code}",
                                       name="Trường THCS Thử nghiệm", level="THCS")
    school.save()
    class_a = org_services.class_create(school=school, school_year=year, grade=6, name="6A1")
    class_b = org_services.class_create(school=school, school_year=year, grade=6, name="6A2")
    admin = get_user_model().objects.create_user(username=f"quanly{code}", first_name="Mai",
                                                 last_name="Đỗ Thị")
    RoleAssignment.objects.create(user=admin, role="school_admin", school=school)
    return World(school=school, year=year, class_a=class_a, class_b=class_b, admin=admin)
