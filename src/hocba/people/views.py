"""Pages for students and teachers."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from hocba.core.access import forbidden, paginate, requires
from hocba.core.errors import DomainError, PermissionDeniedError
from hocba.core.links import page_link_list
from hocba.core.permissions import can, has_any
from hocba.people import accounts as people_accounts
from hocba.people import excel, selectors, services
from hocba.people.forms import (
    EnrolmentStatusForm,
    GuardianEditForm,
    GuardianForm,
    StudentAdmitForm,
    StudentCorrectionForm,
    TeacherEditForm,
    TeacherForm,
    TeacherLeaveForm,
    TeacherReturnForm,
)
from hocba.people.models import TeacherStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@requires("people:student:view")
def student_list(request):
    """Học sinh: the students the user may see, with their class of the current school year; by name or personal
    ID (``?q=``), by class (``?lop=``: one the user may see this year) and, for a user of several schools, by school
    (``?truong=``, as the teacher list; the class list is then that school's, and without a school the rows name
    theirs). A class or school the user may not see is refused, not quietly ignored."""
    query = request.GET.get("q", "").strip()
    schools = selectors.student_school_list(user=request.user)
    many = len(schools[:2]) > 1
    school = None
    if many and request.GET.get("truong"):
        pk = request.GET["truong"]
        school = schools.filter(pk=pk).first() if pk.isdigit() else None
        if school is None:
            return forbidden(request, "Không tìm thấy trường hoặc bạn không có quyền xem học sinh của trường này.")
    class_group = None
    if request.GET.get("lop"):
        pk = request.GET["lop"]
        class_group = selectors.student_class_list(user=request.user).filter(pk=pk).first() if pk.isdigit() else None
        if class_group is None:
            return forbidden(request, "Không tìm thấy lớp hoặc bạn không có quyền xem học sinh của lớp này.")
        if school is not None and class_group.school_id != school.pk:  # the school was changed: its classes now
            class_group = None
    qs = selectors.student_list(user=request.user, query=query, school_id=school.pk if school else None,
                                class_id=class_group.pk if class_group else None, with_class=True)
    classes = (selectors.student_class_list(user=request.user, school_id=school.pk if school else None)
               if school or not many else None)
    return render(request, "people/student_list.html", {
        "page": paginate(request, qs), "q": query, "may_admit": has_any(request.user, "people:student:enrol"),
        "schools": schools if many else None, "school": school, "classes": classes, "class_group": class_group,
        "show_school": many and school is None})


@requires("people:student:view")
def student_detail(request, pk: int):
    student, full = selectors.student_get_full(user=request.user, pk=pk)
    return _render_student(request, student, full)


def _render_student(request, student, full: bool, *, guardian_form=None, status_form=None):
    """The student's page; the guardian and status forms come back bound (with their errors) after a refused
    POST, so what was typed stays where it was."""
    may_change = can(request.user, "people:student:change", student)
    enrolment = (selectors.enrolment_for_status(user=request.user, student=student)
                 if can(request.user, "people:student:enrol") else None)
    if may_change and full and guardian_form is None:
        guardian_form = GuardianForm()
    if enrolment is not None and status_form is None:
        status_form = EnrolmentStatusForm(enrolment=enrolment, today=timezone.localdate())
    enrolments = list(selectors.student_enrolments(student=student))
    context = {
        "student": student,
        "full": full,
        "enrolments": enrolments,
        "current": selectors.current_enrolment(enrolments),
        "guardians": selectors.student_guardians(student=student) if full else [],
        "may_change": may_change,
        "guardian_form": guardian_form if may_change and full else None,
        "enrolment": enrolment,
        "status_form": status_form if enrolment is not None else None,
        "links": page_link_list(user=request.user, kind="student", obj=student),
    }
    return render(request, "people/student_detail.html", context)


@requires("people:student:enrol")
def student_admit(request):
    """Thêm học sinh: the profile and the class, created together by ``services.student_admit``.

    The entry date defaults to today only when today lies within the classes' school year (the service refuses a
    date outside it). Once a class is chosen (``?lop=`` from the class page, a refused form, the success message),
    the page says which terms of its sổ điểm are locked, so that nobody expects to enter the new student's scores
    there. Those locks belong to the gradebook, which ``people`` does not import (the apps' arrows go one way:
    gradebook → people): gradebook registers a provider of kind ``"admission"`` in :mod:`hocba.core.links`, the
    mechanism the student's and class's pages already use to show what later apps offer, and this view reads the
    sentences through :func:`page_link_list` (one query, none when no gradebook is installed)."""
    classes = selectors.admission_class_list(user=request.user)
    initial = None
    chosen = None
    if request.method != "POST" and request.GET.get("lop"):
        chosen = classes.filter(pk=request.GET["lop"]).first() if request.GET["lop"].isdigit() else None
        if chosen is None:
            return forbidden(request, "Không tìm thấy lớp hoặc bạn không có quyền thêm học sinh vào lớp này.")
        initial = {"class_group": chosen.pk}
    first = chosen or classes.first()
    form = StudentAdmitForm(request.POST or None, classes=classes, initial=initial,
                            school_year=first.school_year if first else None, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["class_group"]
        try:
            enrolment = services.student_admit(data=form.profile(), class_group=chosen,
                                               status=form.cleaned_data["status"],
                                               status_date=form.cleaned_data["status_date"], by=request.user)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            notices = "".join(f" {n.label}" for n in _admission_notices(request, enrolment.class_group))
            messages.success(request, f"Đã thêm học sinh {enrolment.student.full_name} vào lớp "
                                      f"{enrolment.class_group.name}.{notices}")
            return redirect("people:student_detail", pk=enrolment.student_id)
    return render(request, "people/student_admit.html", {
        "form": form, "has_classes": first is not None, "chosen": chosen,
        "notices": _admission_notices(request, chosen)})


def _admission_notices(request, class_group) -> list:
    """What later apps say about admitting into ``class_group`` (see ``student_admit``); none without a class."""
    return page_link_list(user=request.user, kind="admission", obj=class_group) if class_group else []


@requires("people:student:change")
def guardian_add(request, pk: int):
    student = selectors.student_get(user=request.user, pk=pk)
    if not can(request.user, "people:student:change", student):
        return forbidden(request)
    if request.method != "POST":
        return redirect("people:student_detail", pk=student.pk)
    form = GuardianForm(request.POST)
    if form.is_valid():
        try:
            link = services.guardian_add(student=student, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Đã thêm {link.get_relation_display().lower()} {link.guardian.full_name}.")
            return redirect(f"{student_url(student)}#phu-huynh")
    student, full = selectors.student_get_full(user=request.user, pk=pk)
    return _render_student(request, student, full, guardian_form=form)


def _guardian_link(request, pk: int, guardian_id: int):
    """(student, link) for the guardian pages: the student must be one the user may change (else
    PermissionDeniedError, a 403); the link is None when the person is not (or no longer) this student's guardian."""
    student = selectors.student_get(user=request.user, pk=pk)
    if not can(request.user, "people:student:change", student):
        raise PermissionDeniedError("Bạn không có quyền sửa hồ sơ học sinh này.")
    return student, selectors.student_guardian_get(student=student, guardian_id=guardian_id)


@requires("people:student:change")
def guardian_edit(request, pk: int, guardian_id: int):
    """Sửa thông tin cha mẹ / người giám hộ: the add form's fields, checked by the same service rules."""
    student, link = _guardian_link(request, pk, guardian_id)
    if link is None:
        return forbidden(request, "Người này không (còn) là cha mẹ / người giám hộ của học sinh.")
    form = GuardianEditForm(request.POST or None, link=link, seen=services.guardian_fingerprint(link=link))
    if request.method == "POST" and form.is_valid():
        try:
            link = services.guardian_update(link=link, by=request.user, expected=form.cleaned_data["seen"],
                                            **form.details())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Đã lưu thông tin {link.get_relation_display().lower()} "
                                      f"{link.guardian.full_name}.")
            return redirect(f"{student_url(student)}#phu-huynh")
    return render(request, "people/guardian_edit.html", {"student": student, "link": link, "form": form})


@requires("people:student:change")
def guardian_remove(request, pk: int, guardian_id: int):
    """Xoá cha mẹ / người giám hộ khỏi hồ sơ (POST, after the page's confirmation)."""
    student, link = _guardian_link(request, pk, guardian_id)
    back = redirect(f"{student_url(student)}#phu-huynh")
    if request.method != "POST":
        return back
    if link is None:
        messages.warning(request, "Người này đã không còn là cha mẹ / người giám hộ của học sinh.")
        return back
    who = f"{link.get_relation_display().lower()} {link.guardian.full_name}"
    had_account = link.guardian.user_id is not None
    try:
        services.guardian_remove(link=link, by=request.user)
    except DomainError as exc:
        messages.warning(request, exc.message)
    else:
        note = (f" Tài khoản gia đình của người này không còn xem được hồ sơ, học bạ của {student.full_name}, "
                "và các liên kết chia sẻ người này đã gửi thôi mở được."
                if had_account else "")
        messages.success(request, f"Đã xoá {who} khỏi hồ sơ của {student.full_name}.{note}")
    return back


@requires("people:student:enrol")
def enrolment_status(request, pk: int):
    student = selectors.student_get(user=request.user, pk=pk)
    enrolment = selectors.enrolment_for_status(user=request.user, student=student)
    if enrolment is None:
        return forbidden(request, "Học sinh không học ở trường của bạn trong năm học này.")
    if request.method != "POST":
        return redirect("people:student_detail", pk=student.pk)
    form = EnrolmentStatusForm(request.POST, enrolment=enrolment, today=timezone.localdate())
    if form.is_valid():
        try:
            current = services.enrolment_set_status(
                enrolment=enrolment, status=form.cleaned_data["status"], by=request.user,
                status_date=form.cleaned_data["status_date"], expected_status=form.cleaned_data["seen"][1])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Đã ghi nhận: {student.full_name} — {current.get_status_display().lower()} "
                                      f"(lớp {enrolment.class_group.name}) từ ngày "
                                      f"{current.status_date:%d/%m/%Y}.")
            return redirect(f"{student_url(student)}#trang-thai")
    student, full = selectors.student_get_full(user=request.user, pk=pk)
    return _render_student(request, student, full, status_form=form)


def student_url(student) -> str:
    return reverse("people:student_detail", args=[student.pk])


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


#: The teacher list's ``?trang-thai=`` → (its label, the ``TeacherStatus`` shown; None: everyone).
TEACHER_STATUS_FILTERS = {"": ("Đang công tác", TeacherStatus.WORKING), "da-nghi": ("Đã nghỉ việc", TeacherStatus.LEFT),
                          "tat-ca": ("Tất cả", None)}


@requires("people:teacher:view")
def teacher_list(request):
    """Giáo viên: the teachers the user may see, one school at a time for a user of several (``?truong=``); the
    links to add a teacher and to export the chosen school's trích ngang list. The teachers working at their school
    unless asked for those who left (``?trang-thai=da-nghi``) or everyone (``tat-ca``)."""
    query = request.GET.get("q", "").strip()
    shown = request.GET.get("trang-thai", "")
    shown = shown if shown in TEACHER_STATUS_FILTERS else ""
    schools = selectors.teacher_school_list(user=request.user)
    school = selectors.teacher_school_get(user=request.user, pk=request.GET.get("truong"))
    qs = selectors.teacher_list(user=request.user, query=query, school_id=school.pk if school else None,
                                status=TEACHER_STATUS_FILTERS[shown][1])
    return render(request, "people/teacher_list.html", {
        "page": paginate(request, qs), "q": query, "school": school, "shown": shown,
        "status_filters": [(value, label) for value, (label, _status) in TEACHER_STATUS_FILTERS.items()],
        "schools": schools if len(schools[:2]) > 1 else None,
        "may_add": has_any(request.user, "people:teacher:change"),
        "without_login": _teachers_without_login(request.user, school)})


def _teachers_without_login(user, school) -> int | None:
    """For the school's board and principal: how many working teachers of the chosen school have no login."""
    if school is None or not can(user, "people:teacher:account", school):
        return None
    return selectors.teacher_login_counts(school=school)[1]


@requires("people:teacher:view")
def teacher_detail(request, pk: int):
    return _render_teacher(request, pk)


def _teacher_status_context(request, teacher, *, leave_form=None, return_form=None) -> dict:
    """The teacher page's "Tình trạng công tác" section: for their school's board and principal, the form to record
    the leaving (with what still blocks it) or the return; the forms come back bound after a refused POST."""
    if not can(request.user, "people:teacher:change", teacher):
        return {}
    today = timezone.localdate()
    if teacher.has_left:
        return {"return_form": return_form or TeacherReturnForm(teacher=teacher, today=today)}
    return {"leave_form": leave_form or TeacherLeaveForm(teacher=teacher, today=today),
            "leave_blockers": selectors.teacher_leave_blockers(teacher=teacher)}


def _render_teacher(request, pk: int, **forms):
    """The teacher's page, with the leave or return form bound after a refused POST (``forms``)."""
    teacher, full = selectors.teacher_get(user=request.user, pk=pk)
    return render(request, "people/teacher_detail.html", {
        "teacher": teacher, "full": full, "may_change": can(request.user, "people:teacher:change", teacher),
        **_teacher_status_context(request, teacher, **forms), **_teacher_account_context(request, teacher)})


@requires("people:teacher:change")
def teacher_leave(request, pk: int):
    """Ghi nhận nghỉ việc (POST from the teacher's page): refused, naming the work still given to the teacher."""

    def act(teacher, data) -> str:
        current = services.teacher_leave(teacher=teacher, on=data["left_on"], reason=data["reason"], by=request.user,
                                         expected_version=data["version"])
        closed = (" Tài khoản đăng nhập của giáo viên đã bị khoá." if current.login_closed_on_leave else
                  " Tài khoản đăng nhập vẫn mở vì cũng là tài khoản gia đình; giáo viên không còn lớp, môn nào."
                  if current.user_id is not None and current.user.is_active else "")
        return f"Đã ghi nhận {current.full_name} nghỉ việc từ ngày {current.left_on:%d/%m/%Y}.{closed}"

    return _teacher_status_post(request, pk, TeacherLeaveForm, "leave_form", act)


@requires("people:teacher:change")
def teacher_return(request, pk: int):
    """Ghi nhận trở lại công tác (POST from the teacher's page)."""

    def act(teacher, data) -> str:
        current = services.teacher_return(teacher=teacher, on=data["return_on"], by=request.user,
                                          expected_version=data["version"])
        login = ""
        if current.user_id is not None and not current.user.is_active:  # closed before, not by the leaving
            login = (" Tài khoản đăng nhập của giáo viên vẫn khoá (đã khoá từ trước khi nghỉ việc): nếu giáo viên "
                     "cần đăng nhập, nhà trường đề nghị quản trị hệ thống mở lại tài khoản.")
        elif teacher.login_closed_on_leave and current.user_id is not None:
            login = " Tài khoản đăng nhập của giáo viên (khoá khi nghỉ việc) đã được mở lại."
        return f"Đã ghi nhận {current.full_name} trở lại công tác.{login}"

    return _teacher_status_post(request, pk, TeacherReturnForm, "return_form", act)


def _teacher_status_post(request, pk: int, form_class, form_key: str, act):
    """The leave and return forms' shared round: a GET goes back to the page; a valid form is handed to ``act``
    (the service call, returning the success message); a refusal shows the page with the form bound."""
    teacher = selectors.teacher_get_for_change(user=request.user, pk=pk, record_read=False)
    section = f"{reverse('people:teacher_detail', args=[teacher.pk])}#cong-tac"
    if request.method != "POST":
        return redirect(section)
    form = form_class(request.POST, teacher=teacher, today=timezone.localdate())
    if form.is_valid():
        try:
            messages.success(request, act(teacher, form.cleaned_data))
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return redirect(section)
    return _render_teacher(request, pk, **{form_key: form})


@requires("people:teacher:change")
def teacher_create(request):
    """Thêm giáo viên: the trích ngang of a teacher of the user's school (one of their schools, if several)."""
    schools = selectors.teacher_school_list(user=request.user, perm="people:teacher:change")
    form = TeacherForm(request.POST or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        try:
            teacher = services.teacher_create(data=form.profile(), school=form.chosen_school(),
                                              subjects=list(form.cleaned_data["subjects"]), by=request.user)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Đã thêm giáo viên {teacher.full_name} (mã cán bộ {teacher.staff_code}).")
            return redirect("people:teacher_detail", pk=teacher.pk)
    return render(request, "people/teacher_form.html", {"form": form, "teacher": None})


@requires("people:teacher:change")
def teacher_edit(request, pk: int):
    """Sửa trích ngang: the add page's fields filled in; refused, naming the newer values, over someone's save."""
    teacher = selectors.teacher_get_for_change(user=request.user, pk=pk, record_read=request.method != "POST")
    form = TeacherEditForm(request.POST or None, teacher=teacher)
    if request.method == "POST" and form.is_valid():
        try:
            current = services.teacher_update(teacher=teacher, changes=form.changes(), by=request.user,
                                              subjects=form.chosen_subjects(),
                                              expected_version=form.cleaned_data["version"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            if current.version == form.cleaned_data["version"]:
                messages.info(request, "Không có gì thay đổi: trích ngang giữ nguyên.")
            else:
                messages.success(request, f"Đã lưu trích ngang của {current.full_name}.")
            return redirect("people:teacher_detail", pk=teacher.pk)
    return render(request, "people/teacher_form.html", {"form": form, "teacher": teacher})


@requires("people:teacher:view")
def teacher_export(request):
    """Xuất Excel danh sách trích ngang of one school (``?truong=``, or the user's only one): the personal columns
    only for readers of teachers' full profiles; every export is audited."""
    school = selectors.teacher_school_get(user=request.user, pk=request.GET.get("truong"))
    if school is None:
        messages.warning(request, "Chọn một trường để xuất danh sách trích ngang.")
        return redirect("people:teacher_list")
    teachers, full = selectors.teacher_roster(user=request.user, school=school)
    data = excel.teacher_roster_export(school=school, teachers=teachers, full=full, today=timezone.localdate())
    services.teacher_export_record(by=request.user, school=school, teachers=len(teachers), full=full)
    return HttpResponse(data, content_type=XLSX, headers={
        "Content-Disposition": content_disposition_header(True, f"trich-ngang-giao-vien-{school.code}.xlsx")})


def _teacher_account_context(request, teacher) -> dict:
    """The teacher page's "Tài khoản đăng nhập" section, for their school's board and principal: the login (or
    none), and why a new password cannot be issued for it, if so."""
    if not can(request.user, "people:teacher:account", teacher):
        return {}
    login = selectors.teacher_login(teacher=teacher)
    return {"may_account": True, "login": login,
            "reissue_refusal": people_accounts.reissue_refusal(teacher, by=request.user) if login else "",
            "create_refusal": "" if login else people_accounts.create_refusal(teacher)}


@require_POST
@requires("people:teacher:account")
def teacher_account(request, pk: int):
    """Tạo tài khoản (``action=create``) or Cấp lại mật khẩu (``action=reissue``) for one teacher: the sheet with the
    initial password, shown this once."""
    teacher = selectors.teacher_get_for_account(user=request.user, pk=pk)
    try:
        if request.POST.get("action") == "reissue":
            issued = people_accounts.teacher_password_reissue(teacher=teacher, by=request.user)
        else:
            issued = people_accounts.teacher_account_create(teacher=teacher, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('people:teacher_detail', args=[teacher.pk])}#tai-khoan")
    return _issued_sheet(request, teacher.school, [issued])


@require_POST
@requires("people:teacher:account")
def teacher_accounts(request):
    """Tạo tài khoản cho mọi giáo viên chưa có (``truong=`` the school): the sheet of every new login."""
    try:
        school = selectors.teacher_school_get(user=request.user, pk=request.POST.get("truong"),
                                              perm="people:teacher:account")
    except PermissionDeniedError as exc:
        return forbidden(request, exc.message)
    if school is None:
        messages.warning(request, "Chọn một trường để tạo tài khoản cho giáo viên.")
        return redirect("people:teacher_list")
    return _issued_sheet(request, school, people_accounts.teacher_accounts_create(school=school, by=request.user))


def _issued_sheet(request, school, issued) -> HttpResponse:
    """The page to print and hand out; never kept by a browser's or a proxy's cache."""
    response = render(request, "people/teacher_accounts_issued.html", {
        "school": school, "issued": issued, "login_url": settings.HOCBA_PUBLIC_URL + reverse("core:login")})
    response["Cache-Control"] = "private, no-store"
    return response
