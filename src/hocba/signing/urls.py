from django.urls import path

from hocba.signing import views

app_name = "signing"

urlpatterns = [
    path("ky-so/lop/<int:class_id>/", views.class_page, name="class"),
    path("ky-so/lop/<int:class_id>/tien-do/", views.class_status, name="class_status"),
    path("ky-so/lop/<int:class_id>/xac-nhan/", views.class_confirm, name="class_confirm"),
    path("ky-so/lop/<int:class_id>/ky/", views.class_sign, name="class_sign"),
    path("ky-so/truong/<int:school_id>/", views.school_page, name="school"),
    path("ky-so/truong/<int:school_id>/tien-do/", views.school_status, name="school_status"),
    path("ky-so/truong/<int:school_id>/ky/", views.school_sign, name="school_sign"),
    path("ky-so/truong/<int:school_id>/nguoi-ky/", views.approval_signer, name="approval_signer"),
    path("ky-so/chung-thu/", views.certificates, name="certificates"),
    path("ky-so/chung-thu/dang-ky/", views.certificate_upload, name="certificate_upload"),
    path("ky-so/kiem-tra/", views.validate, name="validate"),
]
