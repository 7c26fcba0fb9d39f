from django.urls import path

from hocba.org import views

app_name = "org"

urlpatterns = [
    path("truong/", views.school_list, name="school_list"),
    path("truong/<int:pk>/", views.school_detail, name="school_detail"),
    path("lop/", views.class_list, name="class_list"),
    path("lop/<int:pk>/", views.class_detail, name="class_detail"),
]
