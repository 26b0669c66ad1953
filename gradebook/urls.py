from django.urls import path

from gradebook import (
    views,
    views_corrections,
    views_grid,
    views_homeroom,
    views_lifecycle,
    views_locks,
    views_office,
)

urlpatterns = [
    path("", views.home, name="home"),
    path("classes/", views.classroom_list, name="classroom_list"),
    path("classes/<uuid:classroom_uuid>/", views.classroom_detail, name="classroom_detail"),
    path("classes/<uuid:classroom_uuid>/attendance/", views_homeroom.attendance, name="attendance_now"),
    path(
        "classes/<uuid:classroom_uuid>/attendance/<str:month>/", views_homeroom.attendance, name="attendance"
    ),
    path("classes/<uuid:classroom_uuid>/conduct/<str:period>/", views_homeroom.conduct, name="conduct"),
    path("classes/<uuid:classroom_uuid>/summer/", views_homeroom.summer, name="summer"),
    path("classes/<uuid:classroom_uuid>/discipline/", views_homeroom.discipline, name="discipline"),
    path("results/delegation/", views_homeroom.results_delegation, name="results_delegation"),
    path("progress/", views_homeroom.progress, name="progress"),
    path("statistics/", views_homeroom.statistics, name="statistics"),
    path("office/", views_office.office_overview, name="office_overview"),
    path("office/schools/<uuid:school_uuid>/", views_office.office_school, name="office_school"),
    path(
        "office/schools/<uuid:school_uuid>/appoint/",
        views_office.office_school_appoint,
        name="office_school_appoint",
    ),
    path("statistics/export.xlsx", views_homeroom.statistics_export, name="statistics_export"),
    path(
        "classes/<uuid:classroom_uuid>/results/<str:period>/",
        views_homeroom.class_results_page,
        name="class_results",
    ),
    path("students/", views.student_list, name="student_list"),
    path("students/<uuid:student_uuid>/", views.student_detail, name="student_detail"),
    path("students/<uuid:student_uuid>/move/", views_lifecycle.student_move, name="student_move"),
    path(
        "students/<uuid:student_uuid>/earlier-years/new/",
        views_lifecycle.earlier_year_new,
        name="earlier_year_new",
    ),
    path(
        "classes/<uuid:classroom_uuid>/family-accounts/",
        views_lifecycle.family_accounts,
        name="family_accounts",
    ),
    path("transfers/", views_lifecycle.transfer_list, name="transfer_list"),
    path("transfers/<uuid:transfer_uuid>/accept/", views_lifecycle.transfer_accept, name="transfer_accept"),
    path("transfers/<uuid:transfer_uuid>/refuse/", views_lifecycle.transfer_refuse, name="transfer_refuse"),
    path("transfers/<uuid:transfer_uuid>/cancel/", views_lifecycle.transfer_cancel, name="transfer_cancel"),
    path("rollover/", views_lifecycle.rollover_view, name="rollover"),
]

urlpatterns += [
    path("grid/<uuid:assignment_uuid>/<str:term>/", views_grid.grid, name="grid"),
    path("grid/<uuid:assignment_uuid>/<str:term>/check/", views_grid.grid_check, name="grid_check"),
    path("grid/<uuid:assignment_uuid>/<str:term>/save/", views_grid.grid_save, name="grid_save"),
    path("grid/<uuid:assignment_uuid>/<str:term>/preview/", views_grid.grid_preview, name="grid_preview"),
    path("grid/<uuid:assignment_uuid>/<str:term>/excel/", views_grid.grid_excel, name="grid_excel"),
    path("grid/<uuid:assignment_uuid>/<str:term>/import/", views_grid.grid_import, name="grid_import"),
    path("locks/", views_locks.lock_list, name="lock_list"),
    path("locks/<uuid:lock_uuid>/carry-out/", views_locks.lock_carry_out, name="lock_carry_out"),
    path("locks/<uuid:lock_uuid>/reopen/", views_locks.lock_reopen, name="lock_reopen"),
    path(
        "locks/reopenings/<uuid:reopening_uuid>/carry-out/",
        views_locks.reopening_carry_out,
        name="reopening_carry_out",
    ),
    path("comments/bank/", views_grid.comment_bank, name="comment_bank"),
    path("corrections/", views_corrections.correction_list, name="correction_list"),
    path(
        "corrections/new/<uuid:assignment_uuid>/<str:term>/",
        views_corrections.correction_new,
        name="correction_new",
    ),
    path(
        "corrections/<uuid:correction_uuid>/", views_corrections.correction_detail, name="correction_detail"
    ),
    path(
        "corrections/<uuid:correction_uuid>/decide/",
        views_corrections.correction_decide,
        name="correction_decide",
    ),
    path(
        "corrections/<uuid:correction_uuid>/apply/",
        views_corrections.correction_apply,
        name="correction_apply",
    ),
    path(
        "corrections/<uuid:correction_uuid>/evidence/<int:evidence_id>/",
        views_corrections.correction_evidence,
        name="correction_evidence",
    ),
]
