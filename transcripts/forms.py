from __future__ import annotations

import io

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gradebook.models import Term
from transcripts.models import PrintedDocument

Kind = PrintedDocument.Kind


class PrintForm(forms.Form):
    """What to print. `target` is a class's id, "all" (every class / every teacher), a teacher's id
    (teacher's book) or a student's id (one học bạ); the view resolves it inside the school."""

    kind = forms.ChoiceField(
        label=_("Document"),
        choices=[
            c
            for c in Kind.choices
            if c[0] not in (Kind.CORRECTION_REQUEST, Kind.CORRECTION_RECORD, Kind.QUALITY_REPORT)
        ],
    )
    target = forms.CharField(label=_("For"), max_length=60)  # "student:" and a UUID: 44
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[(Term.Code.HK1, _("Term I")), (Term.Code.HK2, _("Term II")), ("year", _("Whole year"))],
        required=False,
    )
    blank = forms.BooleanField(label=_("Blank (start of the year)"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("kind") == Kind.RESULTS_SUMMARY and not data.get("period"):
            self.add_error("period", _("Choose the period of the summary."))
        return data


class CertificateForm(forms.Form):
    file = forms.FileField(label=_("Certificate file (.p12 / .pfx)"))
    passphrase = forms.CharField(
        label=_("Passphrase of the file"), widget=forms.PasswordInput, required=False, max_length=200
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 200 * 1024:
            raise forms.ValidationError(_("A certificate file is a few kilobytes; this one is too large."))
        return upload


class SealImageForm(forms.Form):
    """The image of the school's seal, as the seal signature draws it: a PNG with a transparent
    background, scanned at its real size or larger (Decree 30/2020/NĐ-CP, Appendix I)."""

    image = forms.FileField(label=_("Image of the seal (PNG, transparent background)"))

    def clean_image(self):
        upload = self.cleaned_data["image"]
        if upload.size > 500 * 1024:
            raise forms.ValidationError(_("The image is too large (at most 500 KB)."))
        data = upload.read()
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                fmt, size, mode = image.format, image.size, image.mode
                # the size is read from the header: a small file claiming huge dimensions is refused
                # before anything is decoded
                if fmt == "PNG" and 200 <= min(size) and max(size) <= 3000:
                    image.load()
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            raise forms.ValidationError(_("The file is not a readable PNG image.")) from None
        if fmt != "PNG":
            raise forms.ValidationError(_("The file is not a readable PNG image."))
        if not (200 <= min(size) and max(size) <= 3000):
            raise forms.ValidationError(_("The image must be between 200 and 3000 pixels on each side."))
        if mode not in ("RGBA", "LA", "P"):
            raise forms.ValidationError(_("The image needs a transparent background."))
        return data


class SignForm(forms.Form):
    """Each signer confirms with their own password and, if they have set up two-factor sign-in,
    their current code."""

    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput, max_length=200)
    otp_token = forms.CharField(
        label=_("Code from the authenticator app"),
        required=False,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.devices = list(user.totpdevice_set.filter(confirmed=True))
        if not self.devices:
            del self.fields["otp_token"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password

    def clean_otp_token(self):
        token = self.cleaned_data.get("otp_token", "").strip()
        if not token:
            raise forms.ValidationError(_("Enter the 6-digit code."))
        if not any(device.verify_token(token) for device in self.devices):
            raise forms.ValidationError(_("The code is not correct or has expired."))
        return token


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("PDF file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.VERIFY_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than the portal's documents can be."))
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            raise forms.ValidationError(_("This is not a PDF file."))
        return upload
