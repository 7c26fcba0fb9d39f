"""Bad input through services, pages and the API: a clear Vietnamese error naming the field, nothing saved."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from django.urls import reverse

from hocba.core.errors import DomainError
from hocba.core.models import AuditEntry
from hocba.people import services
from hocba.people.models import Enrolment, Guardian, Student

GOOD = {"full_name": "Trần Thị Bích", "birth_date": "14/03/2014", "sex": "F", "personal_id": "031314000777"}


@contextmanager
def nothing_saved():
    """Rows of people and audit entries are the same before and after the block."""
    counts = lambda: (Student.objects.count(), Enrolment.objects.count(), Guardian.objects.count(),  # noqa: E731
                      AuditEntry.objects.count())
    before = counts()
    yield
    assert counts() == before, "dữ liệu đã bị ghi dù thao tác bị từ chối"


def create_error(world, **changes) -> DomainError:
    with nothing_saved(), pytest.raises(DomainError) as info:
        services.student_create(data={**GOOD, **changes}, by=world.admin)
    return info.value


# --- services ------------------------------------------------------------------------------

@pytest.mark.parametrize("pid", ["12345", "0313140007770", "03131400077a", "031 14000777"])
def test_malformed_personal_id_is_refused(world, pid):
    error = create_error(world, personal_id=pid)
    assert error.errors == {"Số định danh cá nhân": ["Số định danh cá nhân phải gồm đúng 12 chữ số."]}
    assert "Không lưu được học sinh" in str(error)


def test_personal_id_of_the_other_sex_is_refused(world):
    error = create_error(world, sex="M")  # 4th digit 3 = female born in the 2000s
    assert "Chữ số thứ 4" in " ".join(error.errors["Số định danh cá nhân"])


def test_personal_id_of_another_birth_year_is_refused(world):
    error = create_error(world, birth_date="14/03/2013")
    assert "không khớp năm sinh 2013" in " ".join(error.errors["Số định danh cá nhân"])


@pytest.mark.parametrize("date", ["31/02/2012", "30/02/2014", "00/01/2014", "14/13/2014", "hôm qua",
                                  "2014/03/14"])
def test_impossible_birth_date_is_refused(world, date):
    error = create_error(world, birth_date=date, personal_id="")
    messages = error.errors["Ngày sinh"]
    assert any("không hợp lệ" in m and "dd/mm/yyyy" in m for m in messages), messages


@pytest.mark.parametrize("date", ["14/03/2030", "14/03/1950"])
def test_implausible_birth_date_is_refused(world, date):
    error = create_error(world, birth_date=date, personal_id="")
    assert "không hợp lý" in " ".join(error.errors["Ngày sinh"])


def test_duplicate_personal_id_is_refused(world):
    world.add_student("Lê Văn Cường", personal_id="031214000555")
    error = create_error(world, personal_id="031214000555", sex="M", full_name="Phạm Văn Cường")
    assert error.errors["Số định danh cá nhân"] == [
        "Số định danh này đã thuộc về một học sinh khác trong hệ thống."]


def test_update_to_an_existing_personal_id_is_refused(world):
    world.add_student("Lê Văn Cường", personal_id="031214000555")
    other = world.add_student("Phạm Văn Dũng", personal_id="031214000556")
    with nothing_saved(), pytest.raises(DomainError) as info:
        services.student_update(student=other, changes={"personal_id": "031214000555"}, by=world.admin)
    assert "đã thuộc về một học sinh khác" in " ".join(info.value.errors["Số định danh cá nhân"])
    other.refresh_from_db()
    assert other.personal_id == "031214000556" and other.version == 1


@pytest.mark.parametrize(("field", "value", "label"), [
    ("full_name", "An", "Họ và tên"), ("full_name", "Nguyễn Văn 2", "Họ và tên"), ("sex", "X", "Giới tính"),
])
def test_bad_name_or_sex_is_refused(world, field, value, label):
    error = create_error(world, **{field: value})
    assert label in error.errors


def test_missing_required_fields_are_named(world):
    with nothing_saved(), pytest.raises(DomainError) as info:
        services.student_create(data={"full_name": "Trần Thị Bích"}, by=world.admin)
    assert info.value.errors["Ngày sinh"] == ["Bắt buộc nhập."]
    assert info.value.errors["Giới tính"] == ["Bắt buộc nhập."]


def test_several_errors_are_reported_together(world):
    error = create_error(world, personal_id="12", birth_date="31/02/2012")
    assert set(error.errors) == {"Số định danh cá nhân", "Ngày sinh"}


def test_second_class_in_the_same_year_is_refused(world):
    student = world.add_student("Hồ Văn Tùng", class_group=world.class_a)
    with nothing_saved(), pytest.raises(DomainError) as info:
        services.enrolment_create(student=student, class_group=world.class_b, by=world.admin)
    assert "đã có lớp trong năm học này" in info.value.message
    assert "6A1" in " ".join(info.value.errors["Lớp"])
    assert list(student.enrolments.values_list("class_group__name", flat=True)) == ["6A1"]


def test_enrolment_with_a_closed_status_is_refused(world):
    student = world.add_student("Hồ Văn Tùng")
    with nothing_saved(), pytest.raises(DomainError) as info:
        services.enrolment_create(student=student, class_group=world.class_b, by=world.admin,
                                  status="dropped_out")
    assert "Trạng thái" in info.value.errors


# --- the correction page -----------------------------------------------------------------------

def edit_form(student, **changes) -> dict:
    data = {"full_name": student.full_name, "personal_id": student.personal_id or "",
            "birth_date": student.birth_date.strftime("%d/%m/%Y"), "birth_place": student.birth_place,
            "sex": student.sex, "ethnicity": student.ethnicity, "residence": student.residence,
            "policy_category": student.policy_category, "version": student.version}
    data.update(changes)
    return data


@pytest.mark.parametrize(("changes", "message"), [
    ({"personal_id": "03121400055"}, "Số định danh cá nhân phải gồm đúng 12 chữ số."),
    ({"personal_id": "031314000555"}, "Chữ số thứ 4 của số định danh (3)"),
    ({"birth_date": "31/02/2014"}, "Ngày &#x27;31/02/2014&#x27; không hợp lệ"),
])
def test_correction_page_shows_the_error_next_to_the_field_and_saves_nothing(world, changes, message):
    student = world.add_student("Lê Văn Cường", personal_id="031214000555")
    url = reverse("people:student_edit", args=[student.pk])
    with nothing_saved():
        response = world.client().post(url, edit_form(student, **changes))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    field = next(iter(changes))
    # the error is printed inside the field's own <label>
    label_block = html.split(f'name="{field}"', 1)[1].split("</label>", 1)[0]
    assert 'class="error"' in label_block
    student.refresh_from_db()
    assert student.version == 1 and student.personal_id == "031214000555"


def test_correction_page_saves_a_good_change(world):
    student = world.add_student("Lê Văn Cường", personal_id="031214000555")
    response = world.client().post(reverse("people:student_edit", args=[student.pk]),
                                   edit_form(student, residence="Số 7 Lê Lợi"))
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.residence == "Số 7 Lê Lợi" and student.version == 2


# --- the API -------------------------------------------------------------------------------------

def patch(client, student, body):
    return client.patch(reverse("api:api_student_patch", args=[student.pk]), json.dumps(body),
                        content_type="application/json")


@pytest.mark.parametrize(("body", "field"), [
    ({"personal_id": "abc"}, "Số định danh cá nhân"),
    ({"birth_date": "31/02/2014"}, "Ngày sinh"),
    ({"full_name": "X"}, "Họ và tên"),
    ({"sex": "N"}, "Giới tính"),
])
def test_api_patch_with_bad_input_is_422_naming_the_field(world, body, field):
    student = world.add_student("Lê Văn Cường", personal_id="031214000555")
    with nothing_saved():
        response = patch(world.client(), student, {"version": 1, **body})
    assert response.status_code == 422
    payload = response.json()
    assert payload["message"] == "Không lưu được học sinh: dữ liệu chưa hợp lệ."
    assert list(payload["errors"]) == [field]
    student.refresh_from_db()
    assert student.version == 1


def test_api_second_enrolment_in_the_same_year_is_422_naming_the_class(world):
    student = world.add_student("Hồ Văn Tùng")
    with nothing_saved():
        response = world.client().post(reverse("api:api_enrolment_create"),
                                       {"student_id": student.pk, "class_id": world.class_b.pk},
                                       content_type="application/json")
    assert response.status_code == 422
    assert "6A1" in " ".join(response.json()["errors"]["Lớp"])
