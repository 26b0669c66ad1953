from django.urls import path

from gradebook import views

urlpatterns = [
    path("", views.home, name="home"),
    path("classes/", views.classroom_list, name="classroom_list"),
    path("classes/<uuid:classroom_uuid>/", views.classroom_detail, name="classroom_detail"),
    path("students/", views.student_list, name="student_list"),
    path("students/<uuid:student_uuid>/", views.student_detail, name="student_detail"),
]
