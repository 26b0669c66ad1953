"""The documents app's answers to what the gradebook announces (gradebook/signals.py)."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from gradebook.signals import demo_school_seeded, transfer_out_recorded
from transcripts.documents import Kind, Target, issue

log = logging.getLogger(__name__)


@receiver(transfer_out_recorded)
def issue_handover_transcript(sender, transfer, actor, **kwargs) -> None:
    """A student leaves the system: their học bạ is printed at once, to be signed, stamped and handed
    over; the transfer keeps its id. A failure leaves the transfer standing (it is printed again from
    the books page)."""
    enrolment = transfer.from_enrolment
    try:
        document = issue(
            Target(
                kind=Kind.TRANSCRIPT,
                school=transfer.from_school,
                school_year=enrolment.classroom.school_year,
                student=transfer.student,
            ),
            user=actor,
        )
    except Exception:  # noqa: BLE001 — a failed render must not undo the transfer
        log.exception("học bạ of transfer %s not printed", transfer.uuid)
        return
    transfer.transcript_uuid = document.uuid
    transfer.save(update_fields=["transcript_uuid"])


@receiver(demo_school_seeded)
def demo_certificate(sender, school, principal, **kwargs) -> None:
    """A self-signed certificate so the demo's documents can be signed (a real school uploads the one
    its certification authority issued)."""
    from transcripts.selfsigned import self_signed_p12
    from transcripts.signing import store_certificate

    passphrase = "demo-" + school.code
    p12 = self_signed_p12(f"{school.name} (chứng thư thử nghiệm)", passphrase.encode())
    store_certificate(school, p12, passphrase, principal)
