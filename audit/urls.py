from django.urls import path

from audit import views

urlpatterns = [
    path("audit/", views.audit_trail, name="audit_trail"),
    path("audit/export.xlsx", views.audit_export, name="audit_export"),
]
