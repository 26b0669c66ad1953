"""Signals other apps listen to without accounts importing them."""

from django.dispatch import Signal

# A role taken from a person in a school (removed, or the account deactivated there), sent inside the
# transaction that removes it: the rights that came with the role end in the same transaction
# (gradebook ends a homeroom or a teaching assignment of the current year and its object permissions).
# Arguments: user, school, role, actor.
role_revoked = Signal()
