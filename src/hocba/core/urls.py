from django.urls import path

from hocba.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("dang-nhap/", views.login_view, name="login"),
    path("dang-xuat/", views.logout_view, name="logout"),
    path("nhat-ky/", views.audit_list, name="audit_list"),
]
