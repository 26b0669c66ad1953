from django.urls import path

from archive import views

urlpatterns = [
    path("", views.archive_home, name="archive_home"),
    path("retention/", views.retention, name="archive_retention"),
    path("<uuid:archive_uuid>/", views.archive_detail, name="archive_detail"),
    path("<uuid:archive_uuid>/download/", views.archive_download, name="archive_download"),
]
