from django.urls import path, re_path

from hocba.verification import views

app_name = "verification"

urlpatterns = [
    path("xac-thuc/", views.verify_home, name="verify"),
    path("xac-thuc/kiem-tra-tep/", views.verify_upload, name="verify_upload"),
    # The URL printed in the QR code: HOCBA_PUBLIC_URL + "/xac-thuc/" + code (trailing slash optional).
    re_path(r"^xac-thuc/(?P<code>[^/]{1,64})/?$", views.verify_code, name="verify_code"),
    path("chia-se/<str:token>/", views.share_public, name="share_public"),
    path("gia-dinh/", views.family_home, name="family"),
    path("gia-dinh/phien-ban/<int:version_id>/pdf/", views.family_download, name="family_download"),
    path("gia-dinh/hoc-ba/<int:record_id>/chia-se/", views.share_create, name="share_create"),
    path("gia-dinh/chia-se/<int:link_id>/thu-hoi/", views.share_revoke, name="share_revoke"),
    path("gia-dinh/chia-se/<int:link_id>/qr.svg", views.share_qr, name="share_qr"),
    path("tai-khoan/doi-mat-khau/", views.password_change, name="password"),
    path("gia-dinh/doi-mat-khau/", views.password_change, name="password_family"),  # the first sheets' address
    path("gia-dinh/ma-xac-nhan/", views.otp_verify, name="otp"),
    path("gia-dinh/bao-mat/", views.security, name="security"),
    path("tai-khoan-gia-dinh/", views.accounts, name="accounts"),
    path("tai-khoan-gia-dinh/lop/<int:class_id>/", views.accounts_create, name="accounts_create"),
]
