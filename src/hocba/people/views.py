"""Pages for students and teachers."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from hocba.core.access import forbidden, paginate, requires
from hocba.core.errors import DomainError
from hocba.core.links import page_link_list
from hocba.core.permissions import can
from hocba.people import selectors, services
from hocba.people.forms import StudentCorrectionForm


@requires("people:student:view")
def student_list(request):
    query = request.GET.get("q", "").strip()
    qs = selectors.student_list(user=request.user, query=query)
    return render(request, "people/student_list.html", {"page": paginate(request, qs), "q": query})


@requires("people:student:view")
def student_detail(request, pk: int):
    student, full = selectors.student_get_full(user=request.user, pk=pk)
    context = {
        "student": student,
        "full": full,
        "enrolments": selectors.student_enrolments(student=student),
        "guardians": selectors.student_guardians(student=student) if full else [],
        "may_change": can(request.user, "people:student:change", student),
        "links": page_link_list(user=request.user, kind="student", obj=student),
    }
    return render(request, "people/student_detail.html", context)


@requires("people:student:change")
def student_edit(request, pk: int):
    student = selectors.student_get(user=request.user, pk=pk)
    if not can(request.user, "people:student:change", student):
        return forbidden(request)
    form = StudentCorrectionForm(request.POST or None, student=student)
    if request.method == "POST" and form.is_valid():
        try:
            services.student_update(student=student, changes=form.changes(), by=request.user,
                                    expected_version=form.cleaned_data["version"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Đã lưu thay đổi hồ sơ học sinh.")
            return redirect("people:student_detail", pk=student.pk)
    return render(request, "people/student_edit.html", {"student": student, "form": form})


@requires("people:teacher:view")
def teacher_list(request):
    query = request.GET.get("q", "").strip()
    qs = selectors.teacher_list(user=request.user, query=query)
    return render(request, "people/teacher_list.html", {"page": paginate(request, qs), "q": query})


@requires("people:teacher:view")
def teacher_detail(request, pk: int):
    teacher, full = selectors.teacher_get(user=request.user, pk=pk)
    return render(request, "people/teacher_detail.html", {"teacher": teacher, "full": full})
