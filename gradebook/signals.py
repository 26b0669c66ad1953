"""What the gradebook announces to the apps above it (documents, archive), which it does not import."""

from django.dispatch import Signal

# A student transferred out of the system, sent once the transfer is committed: the documents app
# issues the học bạ to hand over and records it on the transfer (`transcript_uuid`).
# Arguments: transfer, actor.
transfer_out_recorded = Signal()

# The demo school was created (`manage.py seed_demo`): the documents app gives it a self-signed
# certificate so its books can be signed. Arguments: school, principal.
demo_school_seeded = Signal()
