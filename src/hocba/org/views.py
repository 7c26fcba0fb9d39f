"""Pages for schools and classes: parse, authorise, call a selector, render."""

from __future__ import annotations

from django.shortcuts import render

from hocba.core.access import paginate, requires
from hocba.core.links import page_link_list
from hocba.org import selectors
from hocba.org.models import SchoolLevel
from hocba.people.selectors import class_roster


@requires("org:school:view")
def school_list(request):
    query = request.GET.get("q", "").strip()
    level = request.GET.get("level", "")
    qs = selectors.school_list(user=request.user, query=query, level=level)
    return render(request, "org/school_list.html",
                  {"page": paginate(request, qs), "q": query, "level": level, "levels": SchoolLevel.choices})


@requires("org:school:view")
def school_detail(request, pk: int):
    school = selectors.school_get(user=request.user, pk=pk)
    year = selectors.current_school_year()
    classes = selectors.class_list(user=request.user, school_id=school.pk, year=year)
    return render(request, "org/school_detail.html", {
        "school": school, "classes": classes, "year": year,
        "links": page_link_list(user=request.user, kind="school", obj=school)})


@requires("org:class:view")
def class_list(request):
    query = request.GET.get("q", "").strip()
    year = selectors.current_school_year()
    qs = selectors.class_list(user=request.user, year=year, query=query)
    return render(request, "org/class_list.html", {"page": paginate(request, qs), "q": query, "year": year})


@requires("org:class:view")
def class_detail(request, pk: int):
    class_group = selectors.class_get(user=request.user, pk=pk)
    assignments = selectors.class_assignment_rows(user=request.user, class_group=class_group)
    return render(request, "org/class_detail.html", {
        "class_group": class_group,
        "roster": class_roster(class_group=class_group),
        "assignments": assignments,
        "sheet_column": any(links for _, links in assignments),
        "links": page_link_list(user=request.user, kind="class", obj=class_group),
    })
