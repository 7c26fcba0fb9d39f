"""The Department's list of schools with hundreds of schools: filters survive paging."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.urls import reverse

from hocba.org import services
from hocba.org.models import Commune, Department, School

PAGER_LINK = re.compile(r'<nav class="pager">.*?</nav>', re.S)


@pytest.fixture
def many_schools(city):
    dep, commune = Department.objects.first(), Commune.objects.first()
    School.objects.bulk_create([
        services.school_build(department=dep, commune=commune, code=f"QA{i:04d}", name=f"Trường Thử {i:03d}",
                              level=("THCS", "THPT")[i % 2])
        for i in range(240)])


def test_the_next_page_of_a_level_filtered_list_keeps_the_level(login, many_schools):
    client = login("so")
    first = client.get(reverse("org:school_list"), {"level": "THPT"}).content.decode()
    pager = html_lib.unescape(PAGER_LINK.search(first).group(0))
    next_url = re.search(r'<a href="([^"]+)">Sau »</a>', pager).group(1)
    assert "level=THPT" in next_url and "page=2" in next_url

    second = client.get(reverse("org:school_list") + next_url)
    levels = {s.level for s in second.context["page"]}
    assert levels == {"THPT"}
    assert second.context["level"] == "THPT"


def test_search_and_level_both_survive_paging(login, many_schools):
    page = login("so").get(reverse("org:school_list"), {"q": "thu", "level": "THCS"}).content.decode()
    pager = html_lib.unescape(PAGER_LINK.search(page).group(0))
    assert "q=thu" in pager and "level=THCS" in pager
