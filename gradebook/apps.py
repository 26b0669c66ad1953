from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradebookConfig(AppConfig):
    name = "gradebook"
    verbose_name = _("Gradebook")

    def ready(self):
        from simple_history.signals import post_create_historical_record

        from gradebook import freshness
        from gradebook.models import (
            Absence,
            Classroom,
            ConductResult,
            Enrolment,
            Exemption,
            Score,
            TeachingAssignment,
        )
        from gradebook.services import structure  # noqa: F401 (ends a teacher's rights with the role)

        # what the results are computed from: a save or delete of one makes its class's figures new
        for model in (Score, ConductResult, Absence, Exemption, Enrolment, TeachingAssignment, Classroom):
            post_create_historical_record.connect(
                freshness.on_history_row,
                sender=model.history.model,
                dispatch_uid=f"freshness-{model.__name__}",
            )
