"""The certificates page's deadline line: a warning only while someone still lacks a certificate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from hocba.org.models import Deadline, DeadlineKind
from hocba.people.models import Teacher
from hocba.signing.models import Certificate
from hocba.signing.provisioning import ProvisioningState, provisioning_status

DEADLINE = dt.date(2025, 12, 16)


@pytest.mark.parametrize(("have", "total", "today", "state", "missing", "days_over"), [
    (14, 14, dt.date(2026, 11, 29), ProvisioningState.MET, 0, 348),  # long after the deadline, all done
    (14, 14, dt.date(2025, 10, 1), ProvisioningState.MET, 0, 0),
    (13, 14, dt.date(2026, 11, 29), ProvisioningState.OVERDUE, 1, 348),
    (13, 14, dt.date(2025, 12, 17), ProvisioningState.OVERDUE, 1, 1),
    (13, 14, DEADLINE, ProvisioningState.OPEN, 1, 0),  # the deadline day itself is not overdue
    (0, 14, dt.date(2025, 12, 1), ProvisioningState.OPEN, 14, 0),
    (0, 0, dt.date(2026, 11, 29), ProvisioningState.NO_STAFF, 0, 348),
])
def test_provisioning_status(have, total, today, state, missing, days_over):
    status = provisioning_status(have=have, total=total, today=today, deadline=DEADLINE)
    assert (status.state, status.missing, status.days_over) == (state, missing, days_over)
    assert status.days_left == (DEADLINE - today).days


@pytest.mark.django_db
def test_certificates_page_warns_only_while_someone_lacks_a_certificate(city, login):
    today = timezone.localdate()
    url = reverse("signing:certificates")
    client = login("hieutruong")
    due = Deadline.objects.filter(school_year__is_current=True, kind=DeadlineKind.CERTIFICATES)
    due.update(due_date=today - dt.timedelta(days=348))  # the page follows the year's deadline

    page = client.get(url).content.decode()  # the demo school: every staff member has a certificate
    assert "Đã đạt yêu cầu" in page and "quá hạn" not in page and 'class="overdue"' not in page

    teacher = Teacher.objects.filter(school__classes__homeroom_teacher__user__username="gvcn").first()
    Certificate.objects.filter(teacher=teacher).delete()
    page = client.get(url).content.decode()
    assert "Đã quá hạn 348 ngày mà còn 1 cán bộ, giáo viên chưa có chứng thư số" in page
    assert "Đã đạt yêu cầu" not in page

    due.update(due_date=today + dt.timedelta(days=5))
    page = client.get(url).content.decode()
    assert "Còn 5 ngày; còn 1 cán bộ, giáo viên chưa có chứng thư số" in page and "quá hạn" not in page
