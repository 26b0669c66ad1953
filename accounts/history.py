"""The extra columns every historical row carries (django-simple-history `bases`)."""

from django.db import models


class HistoricalIP(models.Model):
    """Extra columns of every historical row: the IP the change came from."""

    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        abstract = True
