"""Verification by code (the page the QR code opens, and the API): verdict, checks, minimal data."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from hocba.people.models import Guardianship
from hocba.records.document.codes import new_verification_code
from hocba.verification.models import AccessEvent, AccessKind
from tests.verification.helpers import correct_and_recompose


def _private_values(student, version):
    doc = version.document["student"]
    values = [student.personal_id, doc.get("personal_id"), student.residence, doc.get("residence"),
              doc.get("birth_place"), doc.get("birth_date")]
    values += [g.guardian.full_name for g in Guardianship.objects.filter(student=student).select_related("guardian")]
    values += [doc.get(k, {}).get("name") for k in ("father", "mother", "guardian")]
    return [v for v in values if v]


def test_current_signed_record_by_qr_url_is_valid_and_shows_minimal_data_only(signed, student, client):
    response = client.get(f"/xac-thuc/{signed.verification_code}")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Học bạ hợp lệ" in page
    for check in ("Toàn vẹn nội dung", "Chuỗi chứng thư của người ký", "Dấu thời gian",
                  "Tình trạng thu hồi chứng thư", "Phiên bản hiện hành", "Trường cấp học bạ đã đăng ký"):
        assert check in page
    assert student.full_name in page and f"sinh năm {student.birth_date.year}" in page
    assert signed.year_record.school.name in page and "2025-2026" in page
    assert "Giáo viên chủ nhiệm" in page and "Hiệu trưởng" in page and "Con dấu nhà trường" in page
    private = _private_values(student, signed)
    assert private, "the fixture student must have private data for this test to mean anything"
    for value in private:
        assert value not in page, value

    api = client.get(f"/api/verify/{signed.verification_code}")
    body = api.json()
    assert api.status_code == 200
    assert body["genuine"] is True and body["current"] is True and body["final"] is True
    assert body["school"] == signed.year_record.school.name and body["school_year"] == "2025-2026"
    assert [s["role"] for s in body["signatures"]] == ["homeroom", "principal", "seal"]
    assert all(s["valid"] and s["signer"] and s["signed_at"] for s in body["signatures"])
    assert {c["key"] for c in body["checks"]} >= {"integrity", "chain", "timestamp", "revocation", "current", "school"}
    raw = api.content.decode()
    for value in private:
        assert value not in raw and json.dumps(value)[1:-1] not in raw, value


def test_typed_code_with_dashes_lower_case_and_look_alikes_is_accepted(signed, client):
    code = signed.verification_code
    typed = "-".join(code[i:i + 4] for i in range(0, 16, 4)).lower().replace("0", "o").replace("1", "l")
    response = client.get(reverse("verification:verify"), {"ma": typed})
    assert response.status_code == 302 and response["Location"].endswith(f"/xac-thuc/{code}")


def test_superseded_version_says_a_newer_one_exists(signed, student, homeroom_class, staff, client):
    second = correct_and_recompose(class_group=homeroom_class, student=student, staff=staff)
    assert second.number == 2
    page = client.get(f"/xac-thuc/{signed.verification_code}").content.decode()
    assert "Học bạ đã được thay thế bởi phiên bản mới hơn" in page and "phiên bản mới hơn" in page
    body = client.get(f"/api/verify/{signed.verification_code}").json()
    assert body["current"] is False and body["genuine"] is True
    assert next(c for c in body["checks"] if c["key"] == "current")["ok"] is False
    # the new version is not signed yet: it is current but not a valid học bạ
    newer = client.get(f"/api/verify/{second.verification_code}").json()
    assert newer["current"] is True and newer["genuine"] is False and "chưa được ký" in newer["verdict"]


@pytest.mark.parametrize("code", [None, "ABC", "x" * 300, "%21%40abc", "ZZZZ-ZZZZ"])
def test_unknown_and_malformed_codes_get_the_same_404(city, client, code):
    unknown = client.get(f"/api/verify/{new_verification_code()}")
    other = client.get(f"/api/verify/{code or new_verification_code()}")
    assert unknown.status_code == other.status_code == 404
    assert unknown.json() == other.json()
    assert unknown.json()["genuine"] is False and unknown.json()["school"] == ""
    assert set(unknown.json()) >= {"genuine", "current", "school", "school_year", "signatures", "checks"}
    page = client.get(f"/xac-thuc/{new_verification_code()}")
    assert page.status_code == 404 and "Không tìm thấy học bạ" in page.content.decode()


def test_rate_limit_answers_429_in_vietnamese(city, client, settings):
    settings.HOCBA_VERIFY_RATE = "3/60"
    codes = [client.get(f"/api/verify/{new_verification_code()}").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    limited = client.get(f"/api/verify/{new_verification_code()}")
    assert limited.status_code == 429 and "quá nhiều yêu cầu" in limited.json()["message"]
    page = client.get(f"/xac-thuc/{new_verification_code()}")
    assert page.status_code == 429 and "quá nhiều yêu cầu" in page.content.decode()
    # another client (address) is not affected
    assert client.get(f"/api/verify/{new_verification_code()}", REMOTE_ADDR="10.0.0.9").status_code == 404


def test_each_verification_is_logged_by_kind(signed, client):
    client.get(f"/xac-thuc/{signed.verification_code}")
    client.get(f"/api/verify/{signed.verification_code}")
    kinds = list(AccessEvent.objects.filter(year_record=signed.year_record).values_list("kind", flat=True))
    assert sorted(kinds) == sorted([AccessKind.PUBLIC_CODE, AccessKind.API])


def test_openapi_documents_the_public_routes(city, client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/verify/{code}" in spec["paths"] and "/api/verify/pdf" in spec["paths"]
    get = spec["paths"]["/api/verify/{code}"]["get"]
    assert {"200", "404", "429"} <= set(get["responses"]) and not get.get("security")
