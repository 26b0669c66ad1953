from django.contrib import admin
from django.urls import include, path

from sodiem import views

urlpatterns = [
    path("accounts/", include("accounts.urls")),
    path("", include("gradebook.urls")),
    path("", include("audit.urls")),
    path("documents/", include("transcripts.urls")),
    path("health/", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]

handler403 = "sodiem.views.forbidden"
handler404 = "sodiem.views.not_found"
