"""Digital signatures (ký số, docs/workflows.md §8): the school's PKCS#12 certificate kept encrypted, PAdES
signatures added in turn with pyHanko (each an incremental revision naming its signer), and the
verification of any PDF that claims to come from the portal.

Teachers install nothing: the portal holds the school's certificate and each signer confirms with their
own password and, when they have one, their TOTP code.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import School, User
from audit.models import AuditEvent
from audit.services import record
from sodiem.domain import Actor, DomainError, acting
from transcripts.documents import may_sign, next_turn, signature_title, turns
from transcripts.models import (
    DocumentSignature,
    DocumentVersion,
    PersonalCertificate,
    PrintedDocument,
    SchoolAuthority,
    SigningCertificate,
)


class SigningError(DomainError):
    """A refusal the user can act on (message in the user's language)."""


def _fernet(secret: str | None = None):
    """The cipher of the stored certificates: CERTIFICATE_KEY (SECRET_KEY in development), or `secret`."""
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    secret = secret or settings.CERTIFICATE_KEY or settings.SECRET_KEY
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"sodiem signing certificates").derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


@transaction.atomic
def rotate_certificate_key(old_secret: str) -> int:
    """Re-encrypt every stored key — the schools' organisation certificates, their authorities in the
    portal, the signers' own certificates — encrypted under `old_secret`, with the current key; all or
    nothing. Returns how many were re-encrypted (those already under the current key are left)."""
    from cryptography.fernet import InvalidToken, MultiFernet

    current, old = _fernet(), _fernet(old_secret)
    both = MultiFernet([current, old])
    rotated = 0
    kept = (
        (SigningCertificate, ("encrypted_pkcs12", "encrypted_passphrase"), "subject"),
        (SchoolAuthority, ("encrypted_pkcs12",), "school"),
        (PersonalCertificate, ("encrypted_pkcs12", "encrypted_passphrase"), "subject"),
    )
    for model, fields, label in kept:
        for row in model.objects.select_for_update():
            try:
                current.decrypt(bytes(row.encrypted_pkcs12))
                continue  # already under the current key
            except InvalidToken:
                pass
            try:
                for name in fields:
                    value = bytes(getattr(row, name))
                    if value:  # a certificate the portal issued has no passphrase of its own
                        setattr(row, name, both.rotate(value))
            except InvalidToken:
                raise SigningError(
                    _("The certificate %(subject)s opens with neither the old key nor the new one.")
                    % {"subject": getattr(row, label)}
                ) from None
            row.save(update_fields=list(fields))
            rotated += 1
    return rotated


def _opened_certificate(data: bytes, passphrase: str):
    """The certificate of an uploaded PKCS#12 file, which must open with the passphrase, hold the
    private key with it, and be valid today."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        key, cert, _chain = pkcs12.load_key_and_certificates(data, passphrase.encode() or None)
    except ValueError:
        raise SigningError(_("The file is not a PKCS#12 certificate, or the passphrase is wrong.")) from None
    if key is None or cert is None:
        raise SigningError(_("The file must hold the private key and its certificate."))
    now = timezone.now()
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise SigningError(
            _("The certificate is not valid today (valid from %(start)s to %(end)s).")
            % {
                "start": f"{cert.not_valid_before_utc:%d/%m/%Y}",
                "end": f"{cert.not_valid_after_utc:%d/%m/%Y}",
            }
        )
    return cert


def store_certificate(school: School, data: bytes, passphrase: str, by: Actor | User) -> SigningCertificate:
    """Check and keep a PKCS#12 file: it must open with the passphrase, hold a private key and its
    certificate, and be valid now. The previous certificate stays for verification, out of use."""
    user, ip = acting(by)
    from cryptography.hazmat.primitives import hashes, serialization

    cert = _opened_certificate(data, passphrase)
    now = timezone.now()
    der = cert.public_bytes(serialization.Encoding.DER)
    fingerprint = cert.fingerprint(hashes.SHA256()).hex()
    if SigningCertificate.objects.filter(fingerprint=fingerprint).exclude(school=school).exists():
        raise SigningError(_("This certificate belongs to another school."))
    fernet = _fernet()
    with transaction.atomic():
        SigningCertificate.objects.filter(school=school, active=True).update(active=False)
        certificate, _created = SigningCertificate.objects.update_or_create(
            fingerprint=fingerprint,
            defaults={
                "school": school,
                "encrypted_pkcs12": fernet.encrypt(data),
                "encrypted_passphrase": fernet.encrypt(passphrase.encode()),
                "certificate_der": der,
                "subject": cert.subject.rfc4514_string()[:300],
                "issuer": cert.issuer.rfc4514_string()[:300],
                "serial": format(cert.serial_number, "x")[:80],
                "not_before": cert.not_valid_before_utc,
                "not_after": cert.not_valid_after_utc,
                "active": True,
                "uploaded_by": user,
                "uploaded_at": now,
            },
        )
        record(
            AuditEvent.Action.CERTIFICATE_UPLOADED,
            actor=user,
            ip=ip,
            school=school,
            obj=certificate,
            subject=certificate.subject,
            fingerprint=fingerprint,
        )
    return certificate


def store_seal_image(school: School, png: bytes, by: Actor | User) -> None:
    """Keep the image of the school's seal (checked by the form) for the seal signatures to draw."""
    user, ip = acting(by)
    with transaction.atomic():
        authority = school_authority(school)
        authority.seal_png = png
        authority.save(update_fields=["seal_png"])
        record(
            AuditEvent.Action.CERTIFICATE_UPLOADED,
            actor=user,
            ip=ip,
            school=school,
            obj=authority,
            seal_image_sha256=hashlib.sha256(png).hexdigest(),
        )


def active_certificate(school: School) -> SigningCertificate | None:
    now = timezone.now()
    return SigningCertificate.objects.filter(
        school=school, active=True, not_before__lte=now, not_after__gte=now
    ).first()


def school_authority(school: School) -> SchoolAuthority:
    """The school's certificate authority in the portal, made on first use."""
    found = SchoolAuthority.objects.filter(school=school).first()
    if found is not None:
        return found
    from cryptography.hazmat.primitives import serialization

    from transcripts import selfsigned

    key, cert = selfsigned.authority(school.name)
    authority, _created = SchoolAuthority.objects.get_or_create(
        school=school,
        defaults={
            "encrypted_pkcs12": _fernet().encrypt(selfsigned.to_p12(key, cert)),
            "certificate_der": cert.public_bytes(serialization.Encoding.DER),
        },
    )
    return authority


def personal_certificate(user: User, school: School) -> PersonalCertificate:
    """The signer's certificate in their own name: their own uploaded one, else the one the school's
    authority issued them, made now when they have none (valid two years, within the authority's life)."""
    now = timezone.now()
    found = (
        PersonalCertificate.objects.filter(user=user, school=school, active=True, not_after__gt=now)
        .order_by("-uploaded", "-issued_at")
        .first()
    )
    if found is not None:
        return found
    return _issue(user, school, user.full_name or user.username)


def organisation_certificate(school: School, by: User) -> SigningCertificate:
    """The school's organisation certificate, with which the clerk seals (đóng dấu): the one the school
    uploaded from a public CA, else one issued now by the school's authority in the school's name."""
    found = active_certificate(school)
    if found is not None:
        return found
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    from transcripts import selfsigned

    fernet = _fernet()
    authority = school_authority(school)
    ca_key, ca_cert, _chain = pkcs12.load_key_and_certificates(
        fernet.decrypt(bytes(authority.encrypted_pkcs12)), None
    )
    key, cert = selfsigned.personal(ca_key, ca_cert, school.name, school.name)
    with transaction.atomic():
        SigningCertificate.objects.filter(school=school, active=True).update(active=False)
        return SigningCertificate.objects.create(
            school=school,
            encrypted_pkcs12=fernet.encrypt(selfsigned.to_p12(key, cert, [ca_cert])),
            encrypted_passphrase=fernet.encrypt(b""),
            certificate_der=cert.public_bytes(serialization.Encoding.DER),
            subject=cert.subject.rfc4514_string()[:300],
            issuer=cert.issuer.rfc4514_string()[:300],
            serial=format(cert.serial_number, "x")[:80],
            fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            uploaded_by=by,
        )


def store_personal_certificate(
    user: User, school: School, data: bytes, passphrase: str, by: Actor | User
) -> PersonalCertificate:
    """Keep a signer's own PKCS#12 (from a public CA), encrypted: it must open with the passphrase, hold
    the private key and its certificate, be valid now and be no one else's. From now on the person signs
    with it; the certificate the school's authority issued them stays for verification, out of use."""
    actor, ip = acting(by)
    from cryptography.hazmat.primitives import hashes, serialization

    cert = _opened_certificate(data, passphrase)
    now = timezone.now()
    # a signer's own certificate names them and comes from a certification authority: a certificate
    # in someone else's name would have verification name that person as the signer
    from cryptography.x509.oid import NameOID

    common_names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    holder = str(common_names[0].value) if common_names else ""
    if _name_key(holder) != _name_key(user.full_name):
        raise SigningError(
            _("The certificate is issued to %(holder)s, not to you (%(name)s).")
            % {"holder": holder or "?", "name": user.full_name}
        )
    if cert.issuer == cert.subject:
        raise SigningError(
            _("The certificate is self-signed: upload the one a certification authority issued you.")
        )
    fingerprint = cert.fingerprint(hashes.SHA256()).hex()
    if (
        PersonalCertificate.objects.filter(fingerprint=fingerprint).exclude(user=user).exists()
        or SigningCertificate.objects.filter(fingerprint=fingerprint).exists()
    ):
        raise SigningError(_("This certificate belongs to someone else."))
    fernet = _fernet()
    with transaction.atomic():
        PersonalCertificate.objects.filter(user=user, school=school, active=True).update(active=False)
        certificate, _created = PersonalCertificate.objects.update_or_create(
            fingerprint=fingerprint,
            defaults={
                "user": user,
                "school": school,
                "encrypted_pkcs12": fernet.encrypt(data),
                "encrypted_passphrase": fernet.encrypt(passphrase.encode()),
                "certificate_der": cert.public_bytes(serialization.Encoding.DER),
                "subject": cert.subject.rfc4514_string()[:300],
                "issuer": cert.issuer.rfc4514_string()[:300],
                "not_after": cert.not_valid_after_utc,
                "issued_at": now,
                "uploaded": True,
                "active": True,
            },
        )
        record(
            AuditEvent.Action.CERTIFICATE_UPLOADED,
            actor=actor,
            ip=ip,
            school=school,
            obj=certificate,
            subject=certificate.subject,
            fingerprint=fingerprint,
            holder=user.full_name,
        )
    return certificate


def _name_key(name: str) -> str:
    """A person's name compared as written, whatever the case and spacing (CAs often use capitals)."""
    import unicodedata

    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def _issue(user: User, school: School, name: str) -> PersonalCertificate:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    from transcripts import selfsigned

    fernet = _fernet()
    authority = school_authority(school)
    ca_key, ca_cert, _chain = pkcs12.load_key_and_certificates(
        fernet.decrypt(bytes(authority.encrypted_pkcs12)), None
    )
    key, cert = selfsigned.personal(ca_key, ca_cert, name, school.name)
    certificate = PersonalCertificate.objects.create(
        user=user,
        school=school,
        encrypted_pkcs12=fernet.encrypt(selfsigned.to_p12(key, cert, [ca_cert])),
        certificate_der=cert.public_bytes(serialization.Encoding.DER),
        subject=cert.subject.rfc4514_string()[:300],
        issuer=cert.issuer.rfc4514_string()[:300],
        fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
        not_after=cert.not_valid_after_utc,
    )
    return certificate


@cache
def _simple_signer_class():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign import signers
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class KeyOnceSigner(signers.SimpleSigner):
        """pyHanko's SimpleSigner parses the private key again for every signature (~45 ms for RSA-2048,
        its consistency checks); this one parses it once and keeps it, for the signatures of a batch."""

        _key = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            if self._key is None:
                self._key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
            if mechanism.signature_algo == "rsassa_pkcs1v15" and isinstance(self._key, RSAPrivateKey):
                return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            return super().sign_raw(data, digest_algorithm)

    return KeyOnceSigner


def _load_signer(data: bytes, passphrase: bytes | None):
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12_data(data, other_certs=None, passphrase=passphrase)
    signer.__class__ = _simple_signer_class()  # load_pkcs12_data always builds a SimpleSigner
    return signer


def _personal_signer(certificate: PersonalCertificate):
    fernet = _fernet()
    passphrase = bytes(certificate.encrypted_passphrase)
    return _load_signer(
        fernet.decrypt(bytes(certificate.encrypted_pkcs12)),
        fernet.decrypt(passphrase) or None if passphrase else None,
    )


def _signer(certificate: SigningCertificate):
    fernet = _fernet()
    return _load_signer(
        fernet.decrypt(bytes(certificate.encrypted_pkcs12)),
        fernet.decrypt(bytes(certificate.encrypted_passphrase)) or None,
    )


def sign_detached(data: bytes, certificate: SigningCertificate) -> bytes:
    """A detached CMS (PKCS#7) signature of `data` by the certificate (DER)."""
    import asyncio

    content = asyncio.run(_signer(certificate).async_sign_general_data(data, "sha256", detached=True))
    return content.dump()


@dataclass
class DetachedCheck:
    readable: bool = False
    valid: bool = False  # intact and the signature verifies
    trusted: bool = False  # by a certificate of a school of this system (or one given)
    signer: str = ""
    signed_at: datetime | None = None


def check_detached(data: bytes, signature: bytes, extra_roots=()) -> DetachedCheck:
    """Verify a detached CMS signature of `data`; trusted when the signer's certificate is one a school
    of the system uploaded (or in `extra_roots`)."""
    import asyncio

    from asn1crypto import cms, x509
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
    from pyhanko_certvalidator import ValidationContext

    # trusted: the schools' uploaded certificates and the schools' authorities in the portal
    roots = [
        x509.Certificate.load(bytes(der))
        for der in SigningCertificate.objects.values_list("certificate_der", flat=True)
    ]
    roots += list(extra_roots)
    result = DetachedCheck()
    try:
        signed = cms.ContentInfo.load(signature)["content"]
        status = asyncio.run(
            async_validate_detached_cms(
                data,
                signed,
                signer_validation_context=ValidationContext(trust_roots=roots, allow_fetching=False),
            )
        )
    except Exception:  # noqa: BLE001 — a damaged signature: unreadable
        return result
    result.readable = True
    result.valid = bool(status.intact and status.valid)
    result.trusted = bool(status.trusted)
    result.signer = holder_name(status.signing_cert) if status.signing_cert else ""
    result.signed_at = status.signer_reported_dt
    return result


def seal_signature(chain: int, data: bytes) -> str:
    """The school's signature of a chain seal (audit/seals.py), when it has a certificate in use."""
    school = School.objects.filter(pk=chain).first()
    certificate = active_certificate(school) if school else None
    return base64.b64encode(sign_detached(data, certificate)).decode() if certificate else ""


def seal_signature_problem(chain: int, data: bytes, signature: str) -> str:
    try:
        raw = base64.b64decode(signature, validate=True)
    except ValueError:
        return _("its signature is unreadable.")
    check = check_detached(data, raw)
    if not check.readable:
        return _("its signature is unreadable.")
    if not check.valid:
        return _("its signature does not match it: it was altered.")
    if not check.trusted:
        return _("it is signed with a certificate no school of the system uploaded.")
    return ""


def sign_pdf(
    pdf: bytes,
    certificate: SigningCertificate | PersonalCertificate,
    *,
    field_name: str,
    name: str,
    reason: str,
    location: str,
    place: list | None = None,
    style=None,
    signer=None,
) -> bytes:
    """Add one PAdES signature as an incremental revision (earlier signatures stay valid): visible in
    `place` ([page, x0, y0, x1, y1] in points) drawn by `style` when given, timestamped by the
    deployment's timestamp authority when one is configured."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    class KeepingMetadata(IncrementalPdfFileWriter):
        """pyHanko rewrites the document information on each revision: it appends itself to the Info
        /Producer and, not recognising WeasyPrint's XMP stream, writes a new one without the PDF/A
        identification — the two then disagree and the file is no longer PDF/A. A signature changes
        nothing the metadata describes, so the revision leaves both as the rendering wrote them."""

        def _update_meta(self):
            return None

    writer = KeepingMetadata(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        name=name,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    if signer is None:
        signer = (
            _personal_signer(certificate)
            if isinstance(certificate, PersonalCertificate)
            else _signer(certificate)
        )
    spec = None
    if place:
        page, *box = place
        spec = fields.SigFieldSpec(field_name, on_page=int(page), box=tuple(box))
    stamper = timestamper()
    pdf_signer = signers.PdfSigner(
        meta, signer, timestamper=stamper, stamp_style=style if spec else None, new_field_spec=spec
    )
    # room for the signature, said beforehand: otherwise pyHanko signs once more (and asks the timestamp
    # authority once more) only to measure it
    reserved = 16384 + sum(len(c.dump()) for c in signer.cert_registry) * 2 + (16384 if stamper else 0)
    try:
        return pdf_signer.sign_pdf(writer, bytes_reserved=reserved).getvalue()
    except TimestampRequestError:
        raise SigningError(
            _("The timestamp authority could not be reached: nothing was signed. Try again in a moment.")
        ) from None


def timestamper():
    """The RFC 3161 client of the deployment's timestamp authority (TIMESTAMP_URL), if it has one."""
    if not settings.TIMESTAMP_URL:
        return None
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

    return RequestsHTTPTimeStamper(settings.TIMESTAMP_URL, timeout=settings.TIMESTAMP_TIMEOUT)


def seal_image(document: PrintedDocument) -> bytes:
    """The school's seal as the seal signature draws it: the image it uploaded, else one drawn from its
    name and managing body."""
    from transcripts import appearance

    uploaded = (
        SchoolAuthority.objects.filter(school=document.school).values_list("seal_png", flat=True).first()
    )
    if uploaded:
        return bytes(uploaded)
    school = document.school
    return appearance.seal_png(school.name, school.managing_body(document.school_year.start_year))


def appearance_of(document: PrintedDocument, turn, name: str, title: str, at: datetime):
    """(place, style) of a signature in its block of the form, or (None, None) when the document has no
    block for this signer (printed before blocks were measured): the signature is then invisible."""
    from transcripts import appearance

    places = document.signature_places or {}
    key = {
        "subject": f"subject-{turn.user_id}",
        "person": f"person-{turn.user_id}",
        "seal": "seal" if "seal" in places else "principal",
    }.get(turn.step, turn.step)
    place = places.get(key)
    if not place:
        return None, None
    page, *box = place
    if turn.step == "seal":
        return [page, *appearance.seal_box(box)], appearance.seal_style(seal_image(document))
    when = timezone.localtime(at).strftime("%H:%M %d/%m/%Y")
    if box[3] - box[1] < 30:  # a row of a table: two lines
        lines = [name, f"Đã ký số {when}"]
    else:
        lines = [f"Ký bởi: {name}", title, f"Ngày ký: {when}"]
    return place, appearance.signature_style(lines)


def sign_document(
    document: PrintedDocument, by: Actor | User, *, keys: dict | None = None
) -> DocumentSignature:
    """The user adds their signature if it is their turn — the clerk's turn, the last, is the school's
    seal with its organisation certificate. The caller has checked the user's confirmation (password and
    TOTP). `keys` keeps the opened keys across the documents of one batch."""
    user, ip = acting(by)
    keys = {} if keys is None else keys
    with transaction.atomic():
        document = PrintedDocument.objects.select_for_update().get(pk=document.pk)
        turn = next_turn(document)
        if turn is None:
            raise SigningError(_("Every signature of this document is already there."), conflict=True)
        if not may_sign(user, document, turn):
            raise SigningError(
                _("It is not your turn to sign this document (next: %(who)s).") % {"who": turn.title}
            )
        # each person signs in their own name; the seal is the school's (docs/forms.md §9b)
        seal = turn.step == "seal"
        certificate: SigningCertificate | PersonalCertificate
        if seal:
            certificate = organisation_certificate(document.school, user)
            name = document.school.name
        else:
            certificate = personal_certificate(user, document.school)
            name = user.full_name
        order = document.signatures.count() + 1
        title = signature_title(user, document, turn)
        with document.file.open("rb") as f:
            current = f.read()
        if hashlib.sha256(current).hexdigest() != document.pdf_sha256:
            raise SigningError(_("The stored file does not match its record; it is not signed. Tell IT."))
        key = (type(certificate).__name__, certificate.pk)
        if key not in keys:
            keys[key] = (
                _signer(certificate)
                if isinstance(certificate, SigningCertificate)
                else _personal_signer(certificate)
            )
        place, style = appearance_of(document, turn, name, title, timezone.now())
        signed = sign_pdf(
            current,
            certificate,
            field_name=f"Sig{order}",
            name=name,
            reason="Đóng dấu" if seal else f"{title} ký xác nhận",
            location=document.school.printed_place,
            place=place,
            style=style,
            signer=keys[key],
        )
        old_name = document.file.name
        document.file.save(f"{document.uuid}-s{order}.pdf", ContentFile(signed), save=False)
        document.pdf_sha256 = hashlib.sha256(signed).hexdigest()
        document.complete = order == len(turns(document))
        document.save(update_fields=["file", "pdf_sha256", "complete"])
        DocumentVersion.objects.create(
            document=document, number=order, sha256=document.pdf_sha256, signer_name=name
        )
        signature = DocumentSignature.objects.create(
            document=document,
            order=order,
            signer=user,
            signer_name=user.full_name,
            role_title=title,
            field_name=f"Sig{order}",
            certificate=certificate if seal else None,
            personal_certificate=None if seal else certificate,
        )
        record(
            AuditEvent.Action.DOCUMENT_SIGNED,
            actor=user,
            ip=ip,
            school=document.school,
            obj=document,
            order=order,
            title=title,
            sha256=document.pdf_sha256,
        )
        storage = document.file.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return signature


# -- verification ---------------------------------------------------------------------------------


@dataclass
class SignatureCheck:
    field: str
    signer: str  # the name in the signature
    holder: str  # the certificate's subject
    signed_at: datetime | None
    intact: bool  # the bytes it covers are unchanged
    valid: bool  # the cryptographic signature checks
    trusted: bool  # made with a certificate the portal issued to a school
    whole_file: bool  # it covers the file to its last byte
    modifications_ok: bool  # what was added after it is only further signatures
    timestamped_at: datetime | None = None  # by a timestamp authority (RFC 3161), when it carries one

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.modifications_ok


@dataclass
class Verification:
    sha256: str
    document: PrintedDocument | None = None  # the document this very file is a version of
    version: DocumentVersion | None = None
    superseded_by: DocumentVersion | None = None  # the next version, when this one is an earlier one
    signatures: list[SignatureCheck] = field(default_factory=list)
    error: str = ""

    VALID, EARLIER, NOT_ISSUED, CHANGED, UNREADABLE = (
        "valid",
        "earlier",
        "not_issued",
        "changed",
        "unreadable",
    )

    @property
    def signatures_ok(self) -> bool:
        return all(s.ok for s in self.signatures) and (not self.signatures or self.signatures[-1].whole_file)

    @property
    def status(self) -> str:
        """valid: the current version of a document on record, its signatures sound; earlier: a version
        the portal issued and later replaced by a signed one; not_issued: validly signed, even with a
        school's key, but never issued by the portal; changed: anything else."""
        if self.error:
            return self.UNREADABLE
        if self.version is not None and self.signatures_ok:
            return self.EARLIER if self.superseded_by is not None else self.VALID
        if self.signatures and all(s.intact and s.valid for s in self.signatures):
            return self.NOT_ISSUED
        return self.CHANGED

    @property
    def ok(self) -> bool:
        return self.status == self.VALID


def holder_name(cert) -> str:
    """A certificate's holder as people read it: "Hoàng Thị Mai — Trường THCS Lê Quý Đôn" (the name and
    the organisation, without the X.500 labels)."""
    native = cert.subject.native
    parts = list(
        dict.fromkeys(str(native[key]) for key in ("common_name", "organization_name") if native.get(key))
    )
    return " — ".join(parts) or cert.subject.human_friendly


def verify_pdf(data: bytes) -> Verification:
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    digest = hashlib.sha256(data).hexdigest()
    version = DocumentVersion.objects.filter(sha256=digest).select_related("document__school").first()
    result = Verification(sha256=digest, version=version, document=version.document if version else None)
    if version is not None and version.document.pdf_sha256 != digest:
        result.superseded_by = (
            DocumentVersion.objects.filter(document=version.document, number__gt=version.number)
            .order_by("number")
            .first()
        )
    # trusted: the schools' uploaded certificates and the schools' authorities in the portal
    roots = [
        x509.Certificate.load(bytes(der))
        for der in [
            *SigningCertificate.objects.values_list("certificate_der", flat=True),
            *SchoolAuthority.objects.values_list("certificate_der", flat=True),
            # a signer's own certificate from a public CA, as the school's staff uploaded it
            *PersonalCertificate.objects.filter(uploaded=True).values_list("certificate_der", flat=True),
        ]
    ]
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
        for sig in embedded:
            status = validate_pdf_signature(sig, ValidationContext(trust_roots=roots, allow_fetching=False))
            cert = status.signing_cert
            result.signatures.append(
                SignatureCheck(
                    field=sig.field_name,
                    signer=str(sig.sig_object.get("/Name", "")),
                    holder=holder_name(cert) if cert is not None else "",
                    signed_at=status.signer_reported_dt,
                    intact=bool(status.intact),
                    valid=bool(status.valid),
                    trusted=bool(status.trusted),
                    whole_file=status.coverage.name == "ENTIRE_FILE",
                    modifications_ok=status.docmdp_ok is not False,
                    timestamped_at=status.timestamp_validity.timestamp if status.timestamp_validity else None,
                )
            )
    except Exception as exc:  # a damaged or hostile file: say so, never a 500
        result.error = _("The file could not be read as a PDF (%(why)s).") % {"why": type(exc).__name__}
    return result
