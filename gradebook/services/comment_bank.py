"""A teacher's own bank of comments to reuse in the grids (TT22 Điều 7: comments on a student's
progress). The bank belongs to the teacher alone: nobody else reads or changes it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from gradebook.cells import MAX_COMMENT
from gradebook.models import CommentBankEntry
from sodiem.domain import DomainError


class CommentBankError(DomainError):
    """A comment that cannot be kept."""


def keep_comment(teacher: User, text: str) -> CommentBankEntry:
    """Keep `text` (spaces collapsed) in the teacher's bank; a comment already there is kept once."""
    text = " ".join((text or "").split())
    if not text:
        raise CommentBankError(errors={"text": _("Type the comment to keep.")})
    if len(text) > MAX_COMMENT:
        raise CommentBankError(
            errors={"text": _("A comment has at most %(n)d characters.") % {"n": MAX_COMMENT}}
        )
    entry, _created = CommentBankEntry.objects.get_or_create(teacher=teacher, text=text)
    return entry


def forget_comment(teacher: User, entry_id: int) -> bool:
    """Remove one of the teacher's own comments (another teacher's id removes nothing)."""
    removed, _detail = CommentBankEntry.objects.filter(teacher=teacher, pk=entry_id).delete()
    return bool(removed)
