"""System checks of the trail's integrity set-up (docs/integrity.md)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register()
def every_history_table_is_chained(app_configs, **kwargs):
    from audit.chain import unchained_history_models

    return [
        Error(
            f"{label} keeps history but names no chain",
            hint="Give the model a `chain_school` path to its school (None for no school): audit/chain.py.",
            id="audit.E001",
        )
        for label in unchained_history_models()
    ]


@register(Tags.database, deploy=True)
def application_role_cannot_rewrite_the_trail(app_configs, databases=None, **kwargs):
    """With DEBUG off, the processes must not connect as the owner of the tables or a superuser
    (`check --deploy --database default`)."""
    if settings.DEBUG or not databases:
        return []
    from django.db import connections

    from audit.dbroles import privilege_problems

    return [
        Warning(
            f"The database connection could rewrite the audit trail: {problem}.",
            hint="Connect the web processes and workers as the application role (DATABASE_APP_ROLE); "
            "run migrations as the owner. README, 'Deploying'.",
            id="audit.W001",
        )
        for alias in databases
        for problem in privilege_problems(connections[alias])
    ]
