"""What the documents app adds to other apps' pages (the gradebook does not import it)."""

from django import template

from transcripts.documents import approved_transcript as _approved_transcript

register = template.Library()


@register.simple_tag
def approved_transcript(student):
    """The student's học bạ signed by the homeroom teacher and the principal, when there is one."""
    return _approved_transcript(student)
