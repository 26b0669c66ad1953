"""Deployment checks of the documents app."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def pdf_fonts_are_installed(app_configs, **kwargs):
    """The printed forms name their font files (transcripts/fonts.py); without them every PDF would fail."""
    from transcripts.fonts import font_files

    missing = [str(path) for path in font_files() if not path.is_file()]
    if not missing:
        return []
    return [
        Error(
            f"The PDF fonts are missing: {', '.join(missing)}.",
            hint="Install Debian's fonts-liberation2 and fonts-dejavu-core (make install does), or set "
            "PDF_FONT_DIR / PDF_SYMBOL_FONT_DIR.",
            id="transcripts.E002",
        )
    ]


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
