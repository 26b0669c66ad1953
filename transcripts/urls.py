from django.urls import path

from transcripts import views, views_books

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
    path(
        "classes/<uuid:classroom_uuid>/data-check.pdf",
        views.data_check_record_pdf,
        name="data_check_record_pdf",
    ),
    path("quality-report.pdf", views.quality_report_pdf, name="quality_report_pdf"),
    path("", views_books.documents_home, name="documents_home"),
    path("print/", views_books.print_request, name="print_request"),
    path("batches/<uuid:batch_uuid>/", views_books.batch_detail, name="print_batch"),
    path("batches/<uuid:batch_uuid>/status.json", views_books.batch_status, name="print_batch_status"),
    path("batches/<uuid:batch_uuid>/download/", views_books.batch_download, name="print_batch_download"),
    path("d/<uuid:document_uuid>/", views_books.document_detail, name="document_detail"),
    path("d/<uuid:document_uuid>/file.pdf", views_books.document_file, name="document_file"),
    path("students/<uuid:student_uuid>/hoc-ba.pdf", views_books.family_transcript, name="family_transcript"),
    path("d/<uuid:document_uuid>/sign/", views_books.document_sign, name="document_sign"),
    path("certificate/", views_books.certificate, name="certificate"),
    path("my-certificate/", views_books.my_certificate, name="my_certificate"),
    path("sign/", views_books.sign_many, name="sign_many"),
    path("sign/<uuid:batch_uuid>/", views_books.sign_batch, name="sign_batch"),
    path("sign/<uuid:batch_uuid>/status.json", views_books.sign_batch_status, name="sign_batch_status"),
]
