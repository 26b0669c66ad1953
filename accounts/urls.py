from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("confirm/", views.reauth_view, name="reauth"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/verify/", views.otp_verify, name="otp_verify"),
    path("school/switch/", views.switch_school, name="switch_school"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/import/", views.staff_import, name="staff_import"),
    path("staff/import/confirm/", views.staff_import_confirm, name="staff_import_confirm"),
    path("staff/import/template.xlsx", views.staff_import_template, name="staff_import_template"),
    path("staff/<uuid:user_uuid>/", views.staff_detail, name="staff_detail"),
    path(
        "staff/<uuid:user_uuid>/roles/<uuid:role_uuid>/remove/",
        views.staff_remove_role,
        name="staff_remove_role",
    ),
    path("staff/<uuid:user_uuid>/reset-password/", views.staff_reset_password, name="staff_reset_password"),
    path("staff/<uuid:user_uuid>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
    path(
        "staff/<uuid:user_uuid>/reset-two-factor/",
        views.staff_reset_two_factor,
        name="staff_reset_two_factor",
    ),
]
