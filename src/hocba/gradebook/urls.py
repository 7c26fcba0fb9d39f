"""Pages of the e-gradebook: my sheets, the entry grid, the homeroom page, locks, closing."""

from django.urls import path

from hocba.gradebook import views

app_name = "gradebook"

SHEET = "so-diem/lop/<int:class_id>/mon/<int:subject_id>/hk<int:term>/"
HOMEROOM = "so-diem/lop/<int:class_id>/hk<int:term>/"
LOCKS = "so-diem/truong/<int:school_id>/hk<int:term>/"
YEAR = "so-diem/lop/<int:class_id>/ca-nam/"

urlpatterns = [
    path("so-diem/", views.my_sheets, name="my_sheets"),
    # The entry grid of one class × subject × term and its small JSON endpoints.
    path(SHEET, views.sheet, name="sheet"),
    path(SHEET + "luu/", views.cell_save, name="cell_save"),
    path(SHEET + "lich-su/<int:student_id>/<str:field>/", views.cell_history, name="cell_history"),
    path(SHEET + "chot/", views.subject_finalise, name="subject_finalise"),
    path(SHEET + "xuat-excel/", views.sheet_export, name="sheet_export"),
    path(SHEET + "nhap-excel/", views.sheet_import, name="sheet_import"),
    # The homeroom teacher's page of a class × term.
    path(HOMEROOM + "chu-nhiem/", views.homeroom, name="homeroom"),
    path(HOMEROOM + "chu-nhiem/luu/", views.homeroom_save, name="homeroom_save"),
    path(HOMEROOM + "khoa-so/", views.class_close, name="class_close"),
    path(HOMEROOM + "xuat-excel/", views.class_summary_export, name="class_summary_export"),
    # The homeroom teacher's year page (cả năm): year comment, summer re-evaluation, re-tests.
    path(YEAR + "chu-nhiem/", views.homeroom_year, name="homeroom_year"),
    path(YEAR + "chu-nhiem/luu/", views.homeroom_year_save, name="homeroom_year_save"),
    # The principal's locks of a school × term.
    path(LOCKS + "khoa-so/", views.school_locks, name="school_locks"),
    path(LOCKS + "khoa-so/toan-truong/", views.school_lock, name="school_lock"),
    path(LOCKS + "khoa-so/<int:lock_id>/mo-khoa/", views.lock_remove, name="lock_remove"),
    path(LOCKS + "cho-phep-sua/", views.edit_grant, name="edit_grant"),
    path(LOCKS + "cho-phep-sua/<int:grant_id>/thu-hoi/", views.edit_grant_revoke, name="edit_grant_revoke"),
    # Chuyển lớp: a student to another class of the school, with their gradebook rows (from the student's page).
    path("so-diem/hoc-sinh/<int:student_id>/chuyen-lop/", views.student_move, name="student_move"),
    # Closing a term or the year (background work with a progress bar).
    path("so-diem/tong-ket/", views.closing, name="closing"),
    path("so-diem/tong-hop/", views.aggregate_list, name="aggregate_list"),
    path("so-diem/tong-ket/bat-dau/", views.closing_start, name="closing_start"),
    path("so-diem/tong-ket/trang-thai/", views.closing_status, name="closing_status"),
]
