from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradebookConfig(AppConfig):
    name = "gradebook"
    verbose_name = _("Gradebook")

    def ready(self):
        from gradebook.services import structure  # noqa: F401 (ends a teacher's rights with the role)
