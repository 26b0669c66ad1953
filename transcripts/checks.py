"""Deployment checks of the documents app."""

from django.conf import settings
from django.core.checks import Error, register


@register(deploy=True)
def certificate_key_is_set(app_configs, **kwargs):
    """In production the schools' signing certificates are encrypted with a key of their own, not one
    derived from SECRET_KEY, which sits in the same environment file and gets rotated for other reasons
    (`manage.py rotate_certificate_key` changes it)."""
    if settings.DEBUG or settings.CERTIFICATE_KEY:
        return []
    return [
        Error(
            "CERTIFICATE_KEY is not set: the schools' signing certificates would be encrypted with a key "
            "derived from SECRET_KEY.",
            hint="Set CERTIFICATE_KEY to a long random value kept apart from SECRET_KEY (README, Deploying).",
            id="transcripts.E001",
        )
    ]
