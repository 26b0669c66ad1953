from django.urls import path

from transcripts import views

urlpatterns = [
    path(
        "corrections/<uuid:correction_uuid>/request.pdf",
        views.correction_request_pdf,
        name="correction_request_pdf",
    ),
    path(
        "corrections/<uuid:correction_uuid>/record.pdf",
        views.correction_record_pdf,
        name="correction_record_pdf",
    ),
    path("corrections/log.pdf", views.correction_log_pdf, name="correction_log_pdf"),
    path("quality-report.pdf", views.quality_report_pdf, name="quality_report_pdf"),
]
