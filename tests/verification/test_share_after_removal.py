"""A share link lives only as long as its maker reaches the student: a guardian the school removes from the
student's profile loses the links they sent out, as they lose the portal; the student's own links stay."""

from __future__ import annotations

from hocba.people.models import Guardianship
from hocba.verification.models import ShareLink


def _share(client, record) -> ShareLink:
    response = client.post(f"/gia-dinh/hoc-ba/{record.pk}/chia-se/", {"days": 7, "note": "Trường THPT A"})
    assert response.status_code == 302
    return ShareLink.objects.filter(year_record=record).latest("created_at")


def test_a_removed_guardians_share_links_stop_opening(signed, student, login, client):
    record = signed.year_record
    by_guardian = _share(login("phuhuynh"), record)
    by_student = _share(login("hocsinh"), record)
    assert client.get(f"/chia-se/{by_guardian.token}/").status_code == 200
    link = Guardianship.objects.get(student=student, guardian__user__username="phuhuynh")
    removed = login("bgh").post(f"/hoc-sinh/{student.pk}/phu-huynh/{link.guardian_id}/xoa/")
    assert removed.status_code == 302 and not Guardianship.objects.filter(pk=link.pk).exists()
    gone = client.get(f"/chia-se/{by_guardian.token}/")
    assert gone.status_code == 404 and student.full_name not in gone.content.decode()
    assert client.get(f"/chia-se/{by_student.token}/").status_code == 200


def test_the_family_portal_does_not_show_a_removed_guardians_link_as_open(signed, student, login, client):
    """The student (and any guardian who stays) sees the removed guardian's link as closed, not "Đang hiệu lực"
    with a link and QR code that only open "link gone" for whoever receives them."""
    record = signed.year_record
    by_guardian = _share(login("phuhuynh"), record)
    by_student = _share(login("hocsinh"), record)
    link = Guardianship.objects.get(student=student, guardian__user__username="phuhuynh")
    assert login("bgh").post(f"/hoc-sinh/{student.pk}/phu-huynh/{link.guardian_id}/xoa/").status_code == 302
    portal = login("hocsinh").get("/gia-dinh/")
    html = portal.content.decode()
    assert portal.status_code == 200
    assert by_student.token in html and by_guardian.token not in html
    assert "Không còn mở được: người tạo không còn là cha mẹ, người giám hộ của học sinh" in html
    assert html.count("Đang hiệu lực") == 1
