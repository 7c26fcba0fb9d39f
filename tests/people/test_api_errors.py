"""What another system reads when it sends the API something wrong: a Vietnamese message naming the field,
the right status code, one shape ({"message", "errors"}) whoever refused it, and nothing half-saved."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hocba.core.errors import DomainError
from hocba.people import services
from hocba.people.models import Enrolment, Student
from tests.people.test_bad_input import nothing_saved


def patch(client: Client, student: Student, body: dict | str):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.patch(reverse("api:api_student_patch", args=[student.pk]), data, content_type="application/json")


@pytest.fixture
def student(world) -> Student:
    return world.add_student("Lê Văn Cường", personal_id="031214000555", residence="Số 7 Lê Lợi",
                             birth_place="Hải Phòng")


# --- values the schema lets through but the table cannot hold ------------------------------------

@pytest.mark.parametrize(("field", "label"), [("ethnicity", "Dân tộc"), ("birth_date", "Ngày sinh")])
def test_null_for_a_required_field_is_422_naming_it(world, student, field, label):
    with nothing_saved():
        response = patch(world.client(), student, {"version": 1, field: None})
    assert response.status_code == 422, response.content[:300]
    assert response.json()["errors"] == {label: ["Bắt buộc nhập."]}
    student.refresh_from_db()
    assert student.version == 1


def test_null_for_an_optional_text_field_clears_it(world, student):
    response = patch(world.client(), student, {"version": 1, "birth_place": None, "policy_category": None})
    assert response.status_code == 200, response.content[:300]
    student.refresh_from_db()
    assert (student.birth_place, student.policy_category, student.version) == ("", "", 2)


def test_a_text_longer_than_its_column_is_refused(world, student):
    with nothing_saved():
        response = patch(world.client(), student, {"version": 1, "residence": "Số 7 " + "A" * 400})
    assert response.status_code == 422
    assert response.json()["errors"] == {"Chỗ ở hiện tại": ["Tối đa 300 ký tự (đang có 405)."]}
    student.refresh_from_db()
    assert student.residence == "Số 7 Lê Lợi" and student.version == 1


def test_an_empty_moet_code_is_no_code_and_clashes_with_nobody(world):
    first = services.student_create(data={"full_name": "Trần Thị Bích", "birth_date": "14/03/2014", "sex": "F",
                                          "moet_code": ""}, by=world.admin)
    second = services.student_create(data={"full_name": "Phạm Thị Dung", "birth_date": "14/03/2014", "sex": "F",
                                           "moet_code": ""}, by=world.admin)
    assert first.moet_code is None and second.moet_code is None


def test_a_teacher_position_outside_the_list_is_refused(world):
    teacher = services.teacher_create(data={"full_name": "Đỗ Thị Mai", "birth_date": "01/02/1985", "sex": "F",
                                            "staff_code": "GV-T-01"}, school=world.school, by=world.admin)
    with pytest.raises(DomainError) as info:
        services.teacher_update(teacher=teacher, changes={"position": "boss"}, by=world.admin)
    assert "Chức vụ" in info.value.errors
    assert "principal (Hiệu trưởng)" in info.value.errors["Chức vụ"][0]
    teacher.refresh_from_db()
    assert teacher.position == "teacher" and teacher.version == 1


# --- errors raised before our code runs (schema, JSON, login, CSRF) --------------------------------

@pytest.mark.parametrize(("body", "errors"), [
    ({"version": "một"}, {"version": ["Phải là số nguyên."]}),
    ({"full_name": "Lê Văn Cường"}, {"version": ["Bắt buộc nhập."]}),
    ({"version": 1, "full_name": 12}, {"full_name": ["Phải là chuỗi ký tự."]}),
])
def test_a_payload_of_the_wrong_shape_is_422_in_vietnamese(world, student, body, errors):
    with nothing_saved():
        response = patch(world.client(), student, body)
    assert response.status_code == 422
    assert response.json() == {"message": "Dữ liệu gửi lên chưa hợp lệ.", "errors": errors}


def test_a_wrong_query_parameter_is_422_in_vietnamese(world):
    response = world.client().get(reverse("api:api_student_list"), {"page": 0})
    assert response.status_code == 422
    assert response.json() == {"message": "Dữ liệu gửi lên chưa hợp lệ.", "errors": {"page": ["Phải ≥ 1."]}}


def test_a_body_that_is_not_json_is_400_in_vietnamese(world, student):
    response = patch(world.client(), student, "{version: 1")
    assert response.status_code == 400
    assert response.json() == {"message": "Không đọc được nội dung yêu cầu (cần JSON hợp lệ)."}


def test_no_login_is_401_in_vietnamese(world):
    response = Client().get(reverse("api:api_student_list"))
    assert response.status_code == 401
    assert "Chưa xác thực" in response.json()["message"]


def test_a_session_write_without_csrf_is_403_in_vietnamese(world, student):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin)
    with nothing_saved():
        response = patch(client, student, {"version": 1, "residence": "Số 9 Lê Lợi"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"] and "tải lại trang" in response.json()["message"]


# --- transfer and drop-out dates ------------------------------------------------------------------

def test_a_transfer_dated_in_the_future_is_refused(world, student):
    enrolment = Enrolment.objects.get(student=student)
    future = (timezone.localdate() + dt.timedelta(days=400)).isoformat()
    with nothing_saved():
        response = world.client().post(reverse("api:api_enrolment_status", args=[enrolment.pk]),
                                       {"status": "transferred_out", "status_date": future},
                                       content_type="application/json")
    assert response.status_code == 422
    assert "ở tương lai" in response.json()["errors"]["Ngày cập nhật trạng thái"][0]
    enrolment.refresh_from_db()
    assert enrolment.status == "studying"
