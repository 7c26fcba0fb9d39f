"""URL map: each app owns its pages; the API lives under /api/."""

from django.contrib import admin
from django.urls import include, path

from hocba.api import api

urlpatterns = [
    path("", include("hocba.core.urls")),
    path("", include("hocba.org.urls")),
    path("", include("hocba.people.urls")),
    path("", include("hocba.gradebook.urls")),
    path("", include("hocba.records.urls")),
    path("", include("hocba.verification.urls")),
    path("", include("hocba.signing.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
