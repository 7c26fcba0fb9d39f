"""Pages of the signing workflow: a class's records (confirm, sign the class), the school (sign the
school, live progress), certificate provisioning, and a validation report for any uploaded PDF."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hocba.core.access import forbidden, requires
from hocba.core.errors import DomainError, PermissionDeniedError
from hocba.core.permissions import can, has_any, restrict, roles_for, scope_of
from hocba.org.models import School, TeachingAssignment
from hocba.org.selectors import class_get
from hocba.people.models import ACTIVE_STATUSES, Enrolment, Teacher, TeacherStatus
from hocba.records.compose import approval_signer as approval_signer_of
from hocba.records.models import YearRecord
from hocba.records.permissions import may_open_class_books
from hocba.signing import batch as batches
from hocba.signing import pki, selectors, services, workflow
from hocba.signing.models import BackendKind, Certificate, Signature, SigningBatch, SignRole, SubjectConfirmation
from hocba.signing.permissions import may_choose_approver, may_view_class, may_view_school
from hocba.signing.provisioning import provisioning_status

MAX_UPLOAD = 20 * 1024 * 1024


# --- a class --------------------------------------------------------------------------------

def class_rows(class_group) -> list[dict]:
    """Every active student: the current version, confirmations done/missing, signatures, status."""
    enrolments = list(Enrolment.objects.filter(class_group=class_group, status__in=ACTIVE_STATUSES)
                      .select_related("student").order_by("student__sort_name", "student_id"))
    records = {r.student_id: r for r in YearRecord.objects.filter(class_group=class_group)
               .select_related("current_version")}
    version_ids = [r.current_version_id for r in records.values() if r.current_version_id]
    sigs: dict[int, list[Signature]] = {}
    for s in Signature.objects.filter(version_id__in=version_ids).order_by("signed_at"):
        sigs.setdefault(s.version_id, []).append(s)
    confirmed: dict[int, set[str]] = {}
    carried: dict[int, set[str]] = {}  # confirmations kept from the version a correction replaced
    for c in SubjectConfirmation.objects.filter(version_id__in=version_ids).select_related("version"):
        if c.json_sha256 == c.version.json_sha256:
            confirmed.setdefault(c.version_id, set()).add(c.subject_name)
            if c.carried_from_id:
                carried.setdefault(c.version_id, set()).add(c.subject_name)
    rows = []
    for n, e in enumerate(enrolments, start=1):
        record = records.get(e.student_id)
        version = record.current_version if record else None
        row = {"number": n, "student": e.student, "version": version, "confirmed": [], "missing": [], "carried": [],
               "signatures": []}
        if version is not None:
            names = [s["name"] for s in version.document.get("subjects", []) if s.get("term1") != "Miễn"]
            done = confirmed.get(version.pk, set())
            row["confirmed"] = [s for s in names if s in done]
            row["missing"] = [s for s in names if s not in done]
            row["carried"] = [s for s in names if s in carried.get(version.pk, ())]
            row["subject_total"] = len(names)
            row["signatures"] = sigs.get(version.pk, [])
        rows.append(row)
    return rows


def _class_batch_json(class_group):
    return batches.batch_status(batches.latest_batch(school=class_group.school, class_group=class_group,
                                                     role=SignRole.HOMEROOM))


@requires("signing:record:view")
def class_page(request, class_id: int):
    class_group = class_get(user=request.user, pk=class_id)
    if not may_view_class(request.user, class_group):
        return forbidden(request)
    scope = scope_of(request.user)
    rows = class_rows(class_group)
    missing: dict[str, int] = {}
    for row in rows:
        for name in row["missing"]:
            missing[name] = missing.get(name, 0) + 1
    assignments = list(TeachingAssignment.objects.filter(class_group=class_group).select_related("subject", "teacher"))
    teachers = {a.subject.name: a.teacher.full_name for a in assignments}  # who confirms each subject
    mine = {a.subject.name for a in assignments if scope.teacher_id is not None and a.teacher_id == scope.teacher_id}
    batch = batches.latest_batch(school=class_group.school, class_group=class_group, role=SignRole.HOMEROOM)
    ready_count = sum(1 for r in rows if r["version"] is not None and not r["missing"]
                      and not any(s.role == SignRole.HOMEROOM for s in r["signatures"]))
    return render(request, "signing/class.html", {
        "missing_by_subject": [(name, teachers.get(name, ""), n) for name, n in sorted(missing.items())],
        "class_group": class_group, "rows": rows,
        "may_confirm": class_group.pk in scope.taught_class_ids,
        "confirm_blocked": _confirm_blocked(rows, mine),
        "may_open_books": may_open_class_books(request.user, class_group),
        "may_sign": class_group.pk in scope.homeroom_class_ids,
        "sign_blocked": _class_sign_blocked(rows, ready_count=ready_count, missing=missing, batch=batch),
        "batch": batch,
        "signed_count": sum(1 for r in rows if any(s.role == SignRole.HOMEROOM for s in r["signatures"])),
        "ready_count": ready_count,
        "progress": selectors.signing_progress(school=class_group.school, today=timezone.localdate(),
                                               class_group=class_group)[0],
    })


def _confirm_blocked(rows: list[dict], mine: set[str]) -> str:
    """Why "Xác nhận các môn tôi dạy" would confirm nothing for this teacher ("" when it would)."""
    if not any(r["version"] for r in rows):
        return "Lớp chưa lập học bạ nào để xác nhận."
    if not any(set(r["missing"]) & mine for r in rows):
        return "Bạn đã xác nhận đủ các môn bạn dạy trên mọi học bạ hiện hành của lớp."
    return ""


def _class_sign_blocked(rows: list[dict], *, ready_count: int, missing: dict[str, int], batch) -> str:
    """Why "Ký toàn bộ lớp" would sign nothing now ("" when it would sign ``ready_count`` records)."""
    if batch is not None and batch.status in SigningBatch.ACTIVE:
        return "Đang có một lượt ký hàng loạt của lớp; hãy chờ lượt đó xong."
    if ready_count:
        return ""
    if not any(r["version"] for r in rows):
        return "Lớp chưa lập học bạ nào để ký."
    if missing:
        return (f"Chưa có học bạ nào đủ xác nhận để ký: còn chờ giáo viên bộ môn xác nhận {len(missing)} môn "
                "(xem danh sách ở trên).")
    return "Mọi học bạ của lớp đã có chữ ký của giáo viên chủ nhiệm."


@requires("signing:record:view")
def class_status(request, class_id: int):
    class_group = class_get(user=request.user, pk=class_id)
    if not may_view_class(request.user, class_group):
        return JsonResponse({"message": "Bạn không có quyền truy cập trang này."}, status=403)
    return JsonResponse(_class_batch_json(class_group))


@require_POST
@requires("signing:subject:confirm")
def class_confirm(request, class_id: int):
    """"Xác nhận các môn tôi dạy": the subject teacher confirms their rows on every current version."""
    class_group = class_get(user=request.user, pk=class_id)
    if class_group.pk not in scope_of(request.user).taught_class_ids:
        return forbidden(request)
    confirmed = records = 0
    for record in YearRecord.objects.filter(class_group=class_group).exclude(current_version=None) \
            .select_related("current_version__year_record"):
        try:
            done = workflow.subject_confirm(version=record.current_version, by=request.user)
        except DomainError:
            continue
        confirmed += len(done)
        records += bool(done)
    if confirmed:
        messages.success(request, f"Đã xác nhận {confirmed} dòng môn học trên {records} học bạ.")
    else:
        messages.info(request, "Không có dòng môn học nào cần xác nhận thêm.")
    return redirect("signing:class", class_id=class_group.pk)


@require_POST
@requires("signing:record:sign_homeroom")
def class_sign(request, class_id: int):
    """"Ký toàn bộ lớp": the homeroom teacher signs every record of the class in one batch."""
    class_group = class_get(user=request.user, pk=class_id)
    if class_group.pk not in scope_of(request.user).homeroom_class_ids:
        return forbidden(request)
    try:
        batch = batches.signing_batch_start(class_group=class_group, role=SignRole.HOMEROOM, by=request.user,
                                            secret=request.POST.get("secret", ""))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        unready = batches.unready_count(class_group)
        note = (f"; {unready} học bạ chưa đủ xác nhận của giáo viên bộ môn sẽ chưa được ký" if unready else "")
        messages.success(request, f"Đã bắt đầu ký {batch.total - unready} học bạ của lớp {class_group.name}{note}.")
    return redirect("signing:class", class_id=class_group.pk)


# --- a school -------------------------------------------------------------------------------

def _school_for(request, school_id: int) -> School | None:
    if not may_view_school(request.user, school_id):
        return None
    return get_object_or_404(School, pk=school_id)


@requires("signing:record:view")
def school_page(request, school_id: int):
    school = _school_for(request, school_id)
    if school is None:
        return forbidden(request)
    waiting = batches.awaiting(role=SignRole.PRINCIPAL, school=school).count()
    homeroom_waiting = batches.awaiting(role=SignRole.HOMEROOM, school=school).count()
    seal_waiting = batches.awaiting(role=SignRole.SEAL, school=school).count()
    may_sign = bool(scope_of(request.user).schools_for(roles_for(request.user, "signing:record:sign_principal"))
                    & {school.pk})
    progress = selectors.signing_progress(school=school, today=timezone.localdate())
    signers = services.approval_signers(school)
    batch = _school_batch(school)
    running = batch is not None and batch.status in SigningBatch.ACTIVE
    return render(request, "signing/school.html", {
        "signers": signers, "approver": approval_signer_of(school),
        "may_choose_signer": may_choose_approver(request.user, school),
        "may_see_certificates": has_any(request.user, "signing:certificate:progress"),
        "school": school, "waiting": waiting, "progress": progress,
        "late_classes": [p for p in progress if p.late],
        "totals": {"students": sum(p.students for p in progress), "sealed": sum(p.sealed for p in progress),
                   "unconfirmed": sum(p.unconfirmed for p in progress)},
        "homeroom_waiting": homeroom_waiting, "seal_waiting": seal_waiting, "may_sign": may_sign,
        "has_seal": Certificate.objects.filter(school=school, is_seal=True, revoked=False).exists(),
        "sign_blocked": _school_sign_blocked(waiting, running=running, homeroom_waiting=homeroom_waiting),
        "seal_blocked": _seal_blocked(seal_waiting, running=running, principal_waiting=waiting),
        "batch": batch})


def _school_sign_blocked(waiting: int, *, running: bool, homeroom_waiting: int) -> str:
    """Why "Ký toàn trường" would sign nothing now ("" when records await the principal)."""
    if running:
        return "Đang có một lượt ký hàng loạt của trường; hãy chờ lượt đó xong."
    if waiting:
        return ""
    if homeroom_waiting:
        return (f"Chưa có học bạ nào chờ Hiệu trưởng ký: {homeroom_waiting} học bạ chưa có chữ ký của giáo viên "
                "chủ nhiệm (xem tiến độ từng lớp ở trên).")
    return "Không có học bạ nào chờ Hiệu trưởng ký."


def _seal_blocked(seal_waiting: int, *, running: bool, principal_waiting: int) -> str:
    """Why "Đóng dấu toàn trường" would seal nothing now ("" when signed records await the seal)."""
    if running:
        return "Đang có một lượt ký hàng loạt của trường; hãy chờ lượt đó xong."
    if seal_waiting:
        return ""
    if principal_waiting:
        return f"Chưa có học bạ nào chờ đóng dấu: {principal_waiting} học bạ còn chờ Hiệu trưởng ký trước."
    return "Không có học bạ nào chờ đóng dấu: đóng dấu sau khi Hiệu trưởng ký."


def _school_batch(school):
    """The school's latest batch of its own (the principal's approval or the seal; not a class's)."""
    return batches.latest_batch(school=school, class_group=None, role=None, school_level=True)


@requires("signing:record:view")
def school_status(request, school_id: int):
    school = _school_for(request, school_id)
    if school is None:
        return JsonResponse({"message": "Bạn không có quyền truy cập trang này."}, status=403)
    return JsonResponse(batches.batch_status(_school_batch(school)))


@require_POST
@requires("signing:record:sign_principal")
def school_sign(request, school_id: int):
    """"Ký toàn trường": the principal (or an authorised deputy) signs every record awaiting them; "Đóng dấu
    toàn trường" (``role=seal``): they apply the school's seal to every record they have signed."""
    roles = roles_for(request.user, "signing:record:sign_principal")
    if school_id not in scope_of(request.user).schools_for(roles):
        return forbidden(request)
    school = get_object_or_404(School, pk=school_id)
    try:
        role = SignRole.SEAL if request.POST.get("role") == SignRole.SEAL else SignRole.PRINCIPAL
        batch = batches.signing_batch_start(school=school, role=role, by=request.user,
                                            secret=request.POST.get("secret", ""))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        what = "đóng dấu" if role == SignRole.SEAL else "ký"
        messages.success(request, f"Đã bắt đầu {what} {batch.total} học bạ của {school.name}.")
    return redirect("signing:school", school_id=school.pk)


@require_POST
@requires("signing:record:sign_principal")
def approval_signer(request, school_id: int):
    """The principal chooses who signs the approval of the records composed from now on."""
    school = _school_for(request, school_id)
    if school is None:
        return forbidden(request)
    chosen = request.POST.get("teacher", "")
    teacher = Teacher.objects.filter(pk=int(chosen), school=school).first() if chosen.isdigit() else None
    try:
        if chosen and teacher is None:
            raise DomainError("Không chọn được người này.", {"Người ký phê duyệt": ["Không có trong trường."]})
        services.approval_signer_set(school=school, teacher=teacher, by=request.user)
    except PermissionDeniedError as exc:
        return forbidden(request, str(exc))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        approver = approval_signer_of(school)
        messages.success(request, f"Từ nay học bạ lập mới ghi người ký phê duyệt: "
                                  f"{approver.full_name if approver else 'Hiệu trưởng'}.")
    return redirect("signing:school", school_id=school.pk)


# --- certificates ---------------------------------------------------------------------------

def provisioning(schools, *, now=None) -> list[dict]:
    """Per school: working staff with a valid certificate / all working staff, who is missing, the seal (a
    teacher who left needs no certificate: they are not counted)."""
    now = now or timezone.now()
    valid = Certificate.objects.filter(revoked=False, not_before__lte=now, not_after__gt=now)
    with_cert = set(valid.filter(is_seal=False).values_list("teacher_id", flat=True))
    sealed = set(valid.filter(is_seal=True).values_list("school_id", flat=True))
    out = []
    for school in schools:
        staff = list(Teacher.objects.filter(school=school, status=TeacherStatus.WORKING).order_by("full_name", "pk"))
        missing = [t for t in staff if t.pk not in with_cert]
        total = len(staff)
        have = total - len(missing)
        out.append({"school": school, "total": total, "have": have, "missing": missing,
                    "percent": round(100 * have / total) if total else 100, "seal": school.pk in sealed})
    return out


@requires("signing:certificate:progress")
def certificates(request):
    schools = restrict(School.objects.all(), request.user, "signing:certificate:progress").order_by("name")
    manage_ids = scope_of(request.user).schools_for(roles_for(request.user, "signing:certificate:manage"))
    rows = provisioning(schools)
    totals = {"have": sum(r["have"] for r in rows), "total": sum(r["total"] for r in rows)}
    teachers = (Teacher.objects.filter(school_id__in=manage_ids, status=TeacherStatus.WORKING).order_by("full_name")
                if manage_ids else [])
    deadline = selectors.certificate_deadline()
    return render(request, "signing/certificates.html", {
        "rows": rows, "deadline": deadline, "totals": totals,
        "status": provisioning_status(**totals, today=timezone.localdate(), deadline=deadline),
        "may_manage": bool(manage_ids), "teachers": teachers,
        "manage_schools": School.objects.filter(pk__in=manage_ids).order_by("name"),
        "backends": BackendKind.choices})


@require_POST
@requires("signing:certificate:manage")
def certificate_upload(request):
    """Register an uploaded certificate (PEM/DER) for a staff member or as the school seal."""
    manage_ids = scope_of(request.user).schools_for(roles_for(request.user, "signing:certificate:manage"))
    upload = request.FILES.get("certificate")
    owner = request.POST.get("owner", "")
    backend = request.POST.get("backend", BackendKind.PKCS11)
    try:
        if upload is None or upload.size > 1024 * 1024:
            raise DomainError("Hãy chọn tệp chứng thư số (PEM hoặc DER, tối đa 1 MB).")
        if backend not in BackendKind.values:
            raise DomainError("Phương thức ký không hợp lệ.")
        if owner.startswith("seal:"):
            school = get_object_or_404(School, pk=int(owner[5:]))
            teacher = None
        else:
            teacher = get_object_or_404(Teacher.objects.select_related("school"), pk=int(owner or 0))
            school = teacher.school
        if school.pk not in manage_ids:
            return forbidden(request)
        ref = {k: v for k in ("module", "token", "key_label", "base_url", "user_id", "path")
               if (v := request.POST.get(k, "").strip())}
        if backend == BackendKind.PKCS11:
            ref.setdefault("module", "/usr/lib/softhsm/libsofthsm2.so")
        if backend == BackendKind.REMOTE and teacher is not None and teacher.personal_id:
            ref.setdefault("user_id", teacher.personal_id)
        row = services.certificate_register(data=upload.read(), school=school, teacher=teacher,
                                            is_seal=teacher is None, backend=backend, backend_ref=ref,
                                            by=request.user)
    except (ValueError, DomainError) as exc:
        messages.error(request, str(exc) if isinstance(exc, DomainError) else "Dữ liệu không hợp lệ.")
    else:
        messages.success(request, f"Đã đăng ký chứng thư số {row.subject} (số hiệu {row.serial}), "
                                  f"hiệu lực đến {timezone.localtime(row.not_after):%d/%m/%Y}.")
    return redirect("signing:certificates")


# --- validation -----------------------------------------------------------------------------

@requires("signing:validate")
def validate(request):
    """Upload a PDF and see its validation report in plain Vietnamese."""
    report = None
    name = ""
    if request.method == "POST":
        upload = request.FILES.get("pdf")
        if upload is None:
            messages.error(request, "Hãy chọn tệp PDF cần kiểm tra.")
        elif upload.size > MAX_UPLOAD:
            messages.error(request, "Tệp quá lớn (tối đa 20 MB).")
        else:
            from hocba.signing.core.validate import validate_pdf

            name = upload.name
            report = validate_pdf(upload.read(), pki.trust_roots())
    return render(request, "signing/validate.html", {"report": report, "name": name,
                                                     "can_manage": can(request.user, "signing:certificate:manage")})
