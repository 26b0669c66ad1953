"""What the documents app adds to other apps' pages (the gradebook does not import it)."""

from django import template

from transcripts.documents import approved_transcript as _approved_transcript

register = template.Library()


@register.simple_tag
def pdf_fonts():
    """The @font-face rules and the one family of the printed forms (transcripts/fonts.py)."""
    from django.utils.safestring import mark_safe

    from transcripts import fonts

    return mark_safe(fonts.css())  # noqa: S308 — built from settings' paths, no user input


@register.simple_tag
def pdf_font_family():
    from django.utils.safestring import mark_safe

    from transcripts import fonts

    return mark_safe(fonts.STACK)  # noqa: S308 — a constant


@register.simple_tag
def approved_transcript(student):
    """The student's học bạ signed by the homeroom teacher and the principal, when there is one."""
    return _approved_transcript(student)
