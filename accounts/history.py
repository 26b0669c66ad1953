"""The history every model with a trail keeps (django-simple-history), and its extra columns."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class HistoricalIP(models.Model):
    """Extra columns of every historical row: the IP the change came from."""

    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        abstract = True


class TrailHistory(HistoricalRecords):
    """History rows that outlive their author's account. The library's author column cascades
    (SET NULL when an account is deleted), which would rewrite append-only rows (docs/integrity.md):
    here it is a plain reference, no constraint and no cascade. Accounts are deactivated, not deleted,
    and an audit row keeps naming who wrote it either way."""

    author_index = True

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("bases", [HistoricalIP])
        super().__init__(*args, **kwargs)

    def _get_history_user_fields(self):
        return {
            "history_user": models.ForeignKey(
                settings.AUTH_USER_MODEL,
                null=True,
                related_name="+",
                on_delete=models.DO_NOTHING,
                db_constraint=False,
                db_index=self.author_index,
            )
        }


def attribute(instance, user) -> None:
    """Name who makes the change a history row will record (django-simple-history reads the instance's
    `_history_user`; without it, the request's user)."""
    instance._history_user = user
