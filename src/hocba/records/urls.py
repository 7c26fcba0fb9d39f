from django.urls import path

from hocba.records import views

app_name = "records"

urlpatterns = [
    path("hoc-ba/hoc-sinh/<int:student_id>/", views.book, name="book"),
    path("hoc-ba/phien-ban/<int:version_id>/pdf/", views.version_pdf, name="version_pdf"),
    path("hoc-ba/phien-ban/<int:version_id>/json/", views.version_json, name="version_json"),
    path("hoc-ba/lop/<int:class_id>/", views.class_records, name="class_records"),
    path("hoc-ba/lop/<int:class_id>/lap/", views.class_compose, name="class_compose"),
]
