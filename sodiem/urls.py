from django.contrib import admin
from django.urls import include, path

from sodiem import views
from transcripts import views_books, views_xml

urlpatterns = [
    path("accounts/", include("accounts.urls")),
    path("", views.home, name="home"),
    path("", include("gradebook.urls")),
    # pages of the gradebook's paths served by the documents app, which sits above it
    path("students/<uuid:student_uuid>/hocba.xml", views_xml.student_xml, name="student_xml"),
    path("classes/<uuid:classroom_uuid>/hocba.xml", views_xml.classroom_xml, name="classroom_xml"),
    path("transfers/in/", views_xml.transfer_in, name="transfer_in"),
    path("", include("audit.urls")),
    path("documents/", include("transcripts.urls")),
    path("archive/", include("archive.urls")),
    path("verify/", views_books.verify_upload, name="verify_pdf"),
    path("verify/<uuid:document_uuid>/", views_books.verify_document, name="verify_document"),
    path("verify/p/<str:token>/", views_books.verify_paper, name="verify_paper"),
    path("verify/p/<str:token>/<int:page>.png", views_books.verify_paper_page, name="verify_paper_page"),
    path("health/", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]

handler403 = "sodiem.views.forbidden"
handler404 = "sodiem.views.not_found"
