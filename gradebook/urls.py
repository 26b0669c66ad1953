from django.urls import path

from gradebook.views import (
    corrections,
    grid,
    homeroom,
    lifecycle,
    locks,
    office,
    reports,
    results,
    school,
    setup,
)

urlpatterns = [
    path("classes/", school.classroom_list, name="classroom_list"),
    path("classes/<uuid:classroom_uuid>/", school.classroom_detail, name="classroom_detail"),
    path("classes/<uuid:classroom_uuid>/attendance/", homeroom.attendance, name="attendance_now"),
    path("classes/<uuid:classroom_uuid>/attendance/<str:month>/", homeroom.attendance, name="attendance"),
    path("classes/<uuid:classroom_uuid>/conduct/<str:period>/", homeroom.conduct, name="conduct"),
    path("classes/<uuid:classroom_uuid>/summer/", results.summer, name="summer"),
    path("classes/<uuid:classroom_uuid>/discipline/", homeroom.discipline, name="discipline"),
    path("results/delegation/", results.results_delegation, name="results_delegation"),
    path("results/approvals/", results.results_approvals, name="results_approvals"),
    path("progress/", reports.progress, name="progress"),
    path("statistics/", reports.statistics, name="statistics"),
    path("office/", office.office_overview, name="office_overview"),
    path("office/schools/<uuid:school_uuid>/", office.office_school, name="office_school"),
    path(
        "office/schools/<uuid:school_uuid>/appoint/",
        office.office_school_appoint,
        name="office_school_appoint",
    ),
    path("statistics/export.xlsx", reports.statistics_export, name="statistics_export"),
    path(
        "classes/<uuid:classroom_uuid>/results/<str:period>/",
        results.class_results_page,
        name="class_results",
    ),
    path("students/", school.student_list, name="student_list"),
    path("students/<uuid:student_uuid>/", school.student_detail, name="student_detail"),
    path("students/<uuid:student_uuid>/move/", lifecycle.student_move, name="student_move"),
    path(
        "students/<uuid:student_uuid>/earlier-years/new/",
        lifecycle.earlier_year_new,
        name="earlier_year_new",
    ),
    path(
        "classes/<uuid:classroom_uuid>/family-accounts/",
        lifecycle.family_accounts,
        name="family_accounts",
    ),
    path("transfers/", lifecycle.transfer_list, name="transfer_list"),
    path("transfers/<uuid:transfer_uuid>/accept/", lifecycle.transfer_accept, name="transfer_accept"),
    path("transfers/<uuid:transfer_uuid>/refuse/", lifecycle.transfer_refuse, name="transfer_refuse"),
    path("transfers/<uuid:transfer_uuid>/cancel/", lifecycle.transfer_cancel, name="transfer_cancel"),
    path("rollover/", lifecycle.rollover_view, name="rollover"),
]

urlpatterns += [
    path("grid/<uuid:assignment_uuid>/<str:term>/", grid.grid, name="grid"),
    path("grid/<uuid:assignment_uuid>/<str:term>/check/", grid.grid_check, name="grid_check"),
    path("grid/<uuid:assignment_uuid>/<str:term>/save/", grid.grid_save, name="grid_save"),
    path("grid/<uuid:assignment_uuid>/<str:term>/preview/", grid.grid_preview, name="grid_preview"),
    path("grid/<uuid:assignment_uuid>/<str:term>/excel/", grid.grid_excel, name="grid_excel"),
    path("grid/<uuid:assignment_uuid>/<str:term>/import/", grid.grid_import, name="grid_import"),
    path("locks/", locks.lock_list, name="lock_list"),
    path("locks/<uuid:lock_uuid>/carry-out/", locks.lock_carry_out, name="lock_carry_out"),
    path("locks/<uuid:lock_uuid>/reopen/", locks.lock_reopen, name="lock_reopen"),
    path(
        "locks/reopenings/<uuid:reopening_uuid>/carry-out/",
        locks.reopening_carry_out,
        name="reopening_carry_out",
    ),
    path("comments/bank/", grid.comment_bank, name="comment_bank"),
    path("corrections/", corrections.correction_list, name="correction_list"),
    path(
        "corrections/new/<uuid:assignment_uuid>/<str:term>/",
        corrections.correction_new,
        name="correction_new",
    ),
    path("corrections/<uuid:correction_uuid>/", corrections.correction_detail, name="correction_detail"),
    path(
        "corrections/<uuid:correction_uuid>/decide/",
        corrections.correction_decide,
        name="correction_decide",
    ),
    path(
        "corrections/<uuid:correction_uuid>/apply/",
        corrections.correction_apply,
        name="correction_apply",
    ),
    path(
        "corrections/<uuid:correction_uuid>/evidence/<int:evidence_id>/",
        corrections.correction_evidence,
        name="correction_evidence",
    ),
]

# Thiết lập năm học (docs/workflows.md §1)
urlpatterns += [
    path("setup/", setup.setup_home, name="setup_home"),
    path("setup/profile/", setup.setup_profile, name="setup_profile"),
    path("setup/year/", setup.setup_year, name="setup_year"),
    path("setup/curriculum/", setup.setup_curriculum, name="setup_curriculum"),
    path("setup/classes/", setup.setup_classes, name="setup_classes"),
    path("setup/classes/<uuid:classroom_uuid>/electives/", setup.setup_electives, name="setup_electives"),
    path("setup/assignments/", setup.setup_assignments, name="setup_assignments"),
    path("setup/assignments/export.xlsx", setup.setup_assignments_export, name="setup_assignments_export"),
    path("setup/roster/", setup.setup_roster, name="setup_roster"),
    path("setup/roster/template.xlsx", setup.setup_roster_template, name="setup_roster_template"),
    path("setup/upload/<str:kind>/", setup.setup_upload, name="setup_upload"),
    path("setup/imports/<uuid:batch_uuid>/", setup.setup_import, name="setup_import"),
    path(
        "setup/imports/<uuid:batch_uuid>/errors.xlsx", setup.setup_import_errors, name="setup_import_errors"
    ),
    path("setup/data-checks/", setup.data_check_overview, name="setup_data_checks"),
    path("classes/<uuid:classroom_uuid>/data-check/", setup.data_check_view, name="data_check"),
    path("classes/<uuid:classroom_uuid>/students/new/", setup.student_profile, name="student_new"),
    path(
        "classes/<uuid:classroom_uuid>/students/<uuid:student_uuid>/profile/",
        setup.student_profile,
        name="student_profile",
    ),
]
