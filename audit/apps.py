from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from audit import checks, signals  # noqa: F401

        post_migrate.connect(install_integrity, sender=self)


def install_integrity(sender, using, verbosity=1, **kwargs):
    """After every migration, by the role that owns the tables: the chain's triggers and guards on
    every history and audit table, then the application role's rights (audit/chain.py, dbroles.py)."""
    from django.db import connections

    from audit import chain, dbroles

    connection = connections[using]
    chain.install(connection, verbosity=verbosity)
    dbroles.grant(connection)
