"""The HTTP API as another system uses it: bearer tokens, the OpenAPI document, versioned writes."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from hocba.core.models import ApiToken, AuditEntry
from hocba.people.models import Enrolment


@pytest.fixture
def token(world) -> tuple[str, ApiToken]:
    key = ApiToken.generate_key()
    row = ApiToken.objects.create(user=world.admin, name="Phần mềm quản lý trường",
                                  key_hash=ApiToken.hash_key(key), prefix=key[:8])
    return key, row


def bearer(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def call(client: Client, method: str, url: str, body: dict | None = None):
    return getattr(client, method)(url, json.dumps(body or {}), content_type="application/json")


# --- authentication -------------------------------------------------------------------------------

def test_token_authenticates_a_system(world, token):
    world.add_student("Nguyễn Văn An")
    key, row = token
    response = bearer(key).get(reverse("api:api_student_list"))
    assert response.status_code == 200
    assert [s["full_name"] for s in response.json()["items"]] == ["Nguyễn Văn An"]
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_only_the_hash_of_the_token_is_stored(token):
    key, row = token
    assert key not in {row.key_hash, row.prefix, row.name}
    assert ApiToken.objects.filter(key_hash=key).count() == 0


@pytest.mark.parametrize("header", ["Bearer hb_khong-ton-tai", "Token {key}", "", "Bearer "])
def test_wrong_or_missing_token_is_refused(world, token, header):
    key, _ = token
    client = Client(HTTP_AUTHORIZATION=header.format(key=key)) if header else Client()
    assert client.get(reverse("api:api_student_list")).status_code == 401


def test_revoked_token_is_refused(world, token):
    key, row = token
    assert bearer(key).get(reverse("api:api_student_list")).status_code == 200
    row.revoked = True
    row.save()
    assert bearer(key).get(reverse("api:api_student_list")).status_code == 401


def test_token_of_a_deactivated_user_is_refused(world, token):
    key, _ = token
    world.admin.is_active = False
    world.admin.save()
    assert bearer(key).get(reverse("api:api_student_list")).status_code == 401


def test_token_user_is_held_to_its_scope(world, token):
    """A token is no master key: its user's scope applies (another school's student is 403)."""
    from tests.people.world import build_world

    stranger = build_world(code="B").add_student("Trần Thị Bích")
    key, _ = token
    assert bearer(key).get(reverse("api:api_student_get", args=[stranger.pk])).status_code == 403


# --- documentation ----------------------------------------------------------------------------------

def test_openapi_document_lists_the_routes(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    paths = doc["paths"]
    for route in ("/api/schools", "/api/schools/{school_id}", "/api/classes", "/api/classes/{class_id}",
                  "/api/students", "/api/students/{student_id}", "/api/teachers", "/api/enrolments",
                  "/api/enrolments/{enrolment_id}/status"):
        assert route in paths, route
    assert "patch" in paths["/api/students/{student_id}"]
    assert "post" in paths["/api/enrolments"]
    schemes = doc["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_docs_page_is_served(client, db):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


# --- profile corrections with versions ---------------------------------------------------------------

def test_patch_with_right_version_saves_and_is_audited(world, token):
    student = world.add_student("Lê Văn Cường", personal_id="031214000555")
    key, _ = token
    url = reverse("api:api_student_patch", args=[student.pk])
    response = call(bearer(key), "patch", url,
                    {"version": 1, "full_name": "Lê Văn Cương", "birth_place": "Hà Nội"})
    assert response.status_code == 200
    body = response.json()
    assert body["full_name"] == "Lê Văn Cương" and body["birth_place"] == "Hà Nội" and body["version"] == 2
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "people:student:update" and entry.source == "api"
    assert entry.before == {"full_name": "Lê Văn Cường", "birth_place": ""}
    assert entry.after == {"full_name": "Lê Văn Cương", "birth_place": "Hà Nội"}
    # the name keys follow the correction
    found = bearer(key).get(reverse("api:api_student_list"), {"q": "cuong"}).json()["items"]
    assert [s["full_name"] for s in found] == ["Lê Văn Cương"]


def test_patch_with_stale_version_is_409_and_changes_nothing(world, token):
    student = world.add_student("Lê Văn Cường")
    key, _ = token
    url = reverse("api:api_student_patch", args=[student.pk])
    assert call(bearer(key), "patch", url, {"version": 1, "residence": "Số 1 Lê Lợi"}).status_code == 200
    audited = AuditEntry.objects.count()
    response = call(bearer(key), "patch", url, {"version": 1, "residence": "Số 2 Lê Lợi"})
    assert response.status_code == 409
    assert response.json()["message"] == "Hồ sơ đã được người khác cập nhật; hãy tải lại trang và sửa lại."
    student.refresh_from_db()
    assert student.residence == "Số 1 Lê Lợi" and student.version == 2
    assert AuditEntry.objects.count() == audited


def test_patch_needs_the_change_permission(world):
    """A homeroom teacher may read the full profile but not correct it."""
    from django.contrib.auth import get_user_model

    from hocba.people.services import teacher_create

    student = world.add_student("Lê Văn Cường")
    user = get_user_model().objects.create_user(username="gvcn_thu")
    teacher = teacher_create(data={"full_name": "Vũ Thị Hoa", "birth_date": "01/01/1985", "sex": "F",
                                   "staff_code": "GVT001"}, school=world.school, by=None)
    teacher.user = user
    teacher.save()
    world.class_a.homeroom_teacher = teacher
    world.class_a.save()
    client = world.client(user)
    assert client.get(reverse("api:api_student_get", args=[student.pk])).json()["personal_id"] is None
    response = call(client, "patch", reverse("api:api_student_patch", args=[student.pk]),
                    {"version": 1, "residence": "Số 3"})
    assert response.status_code == 403
    assert response.json()["message"] == "Bạn không có quyền thực hiện thao tác này."


# --- enrolments ----------------------------------------------------------------------------------------

def test_transfer_out_then_enrol_in_another_class(world, token):
    student = world.add_student("Hồ Văn Tùng")
    key, _ = token
    client = bearer(key)
    enrolment = Enrolment.objects.get(student=student)

    refused = call(client, "post", reverse("api:api_enrolment_create"),
                   {"student_id": student.pk, "class_id": world.class_b.pk})
    assert refused.status_code == 422
    assert refused.json()["message"] == "Không ghi danh được: học sinh đã có lớp trong năm học này."
    assert "6A1" in refused.json()["errors"]["Lớp"][0]

    moved = call(client, "post", reverse("api:api_enrolment_status", args=[enrolment.pk]),
                 {"status": "transferred_out", "status_date": "2025-11-20"})
    assert moved.status_code == 200
    assert moved.json() == {"id": enrolment.pk, "student_id": student.pk, "class_id": world.class_a.pk,
                            "status": "transferred_out", "status_date": "2025-11-20"}

    created = call(client, "post", reverse("api:api_enrolment_create"),
                   {"student_id": student.pk, "class_id": world.class_b.pk, "status": "transferred_in"})
    assert created.status_code == 201
    assert created.json()["class_id"] == world.class_b.pk and created.json()["status"] == "transferred_in"
    actions = list(AuditEntry.objects.order_by("-seq").values_list("action", flat=True)[:2])
    assert actions == ["people:enrolment:create", "people:enrolment:status"]

    # back to the old class while the new one is active: refused
    back = call(client, "post", reverse("api:api_enrolment_status", args=[enrolment.pk]),
                {"status": "studying"})
    assert back.status_code == 422
    assert "đang học lớp khác" in back.json()["message"]


def test_unknown_status_is_422(world, token):
    student = world.add_student("Hồ Văn Tùng")
    key, _ = token
    enrolment = Enrolment.objects.get(student=student)
    response = call(bearer(key), "post", reverse("api:api_enrolment_status", args=[enrolment.pk]),
                    {"status": "nghi_he"})
    assert response.status_code == 422
    assert "Trạng thái" in response.json()["errors"]


def test_enrolment_in_another_schools_class_is_refused(world, token):
    from tests.people.world import build_world

    other = build_world(code="B")
    student = world.add_student("Hồ Văn Tùng")
    key, _ = token
    response = call(bearer(key), "post", reverse("api:api_enrolment_create"),
                    {"student_id": student.pk, "class_id": other.class_a.pk})
    assert response.status_code == 403
    assert Enrolment.objects.filter(class_group=other.class_a).count() == 0
