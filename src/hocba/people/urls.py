from django.urls import path

from hocba.people import views

app_name = "people"

urlpatterns = [
    path("hoc-sinh/", views.student_list, name="student_list"),
    path("hoc-sinh/them/", views.student_admit, name="student_admit"),
    path("hoc-sinh/<int:pk>/", views.student_detail, name="student_detail"),
    path("hoc-sinh/<int:pk>/sua/", views.student_edit, name="student_edit"),
    path("hoc-sinh/<int:pk>/phu-huynh/", views.guardian_add, name="guardian_add"),
    path("hoc-sinh/<int:pk>/phu-huynh/<int:guardian_id>/sua/", views.guardian_edit, name="guardian_edit"),
    path("hoc-sinh/<int:pk>/phu-huynh/<int:guardian_id>/xoa/", views.guardian_remove, name="guardian_remove"),
    path("hoc-sinh/<int:pk>/trang-thai/", views.enrolment_status, name="enrolment_status"),
    path("giao-vien/", views.teacher_list, name="teacher_list"),
    path("giao-vien/them/", views.teacher_create, name="teacher_create"),
    path("giao-vien/xuat-excel/", views.teacher_export, name="teacher_export"),
    path("giao-vien/tai-khoan/", views.teacher_accounts, name="teacher_accounts"),
    path("giao-vien/<int:pk>/", views.teacher_detail, name="teacher_detail"),
    path("giao-vien/<int:pk>/sua/", views.teacher_edit, name="teacher_edit"),
    path("giao-vien/<int:pk>/tai-khoan/", views.teacher_account, name="teacher_account"),
    path("giao-vien/<int:pk>/nghi-viec/", views.teacher_leave, name="teacher_leave"),
    path("giao-vien/<int:pk>/tro-lai-cong-tac/", views.teacher_return, name="teacher_return"),
]
