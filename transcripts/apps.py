from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TranscriptsConfig(AppConfig):
    name = "transcripts"
    verbose_name = _("Transcripts and printed books")

    def ready(self):
        # the chain seals are signed with the school's certificate when it has one (audit/seals.py)
        from audit import seals
        from transcripts import checks, receivers, signing  # noqa: F401 (deploy checks, signal receivers)

        seals.signer = signing.seal_signature
        seals.signature_checker = signing.seal_signature_problem
