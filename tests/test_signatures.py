"""Signatures by person, drawn in their blocks of the form, in order, the clerk's seal last; a person's
own certificate; timestamps from a timestamp authority; signing many documents with one confirmation.
Validated with pyHanko, the school's certificate authority as the only trust root."""

import io
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from tests.factories import sign_subject_turns
from transcripts import signing
from transcripts.documents import Kind, Target, approved_transcript, issue
from transcripts.models import DocumentSignature, PersonalCertificate, SchoolAuthority, SignBatch
from transcripts.selfsigned import authority, personal

pytestmark = pytest.mark.django_db


def stored(document) -> bytes:
    with document.file.open("rb") as f:
        return f.read()


def printed(world, kind, **target):
    return issue(Target(kind, world.school, world.year, **target), user=world.clerk)


def sign_everyone(document, world) -> None:
    sign_subject_turns(document)
    for user in (document.homeroom_teacher(), world.principal, world.clerk):
        signing.sign_document(document, user)
    document.refresh_from_db()


def widgets(pdf: bytes) -> dict[str, tuple[int, list[float]]]:
    """Each signature field's page and rectangle, read from the file."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf))
    found = {}
    for index in range(int(reader.root["/Pages"]["/Count"])):
        page_ref, _resources = reader.find_page_for_modification(index)
        for annot in page_ref.get_object().get("/Annots", []):
            annot = annot.get_object()
            if annot.get("/FT") == "/Sig" and annot.get("/Rect") is not None:
                found[str(annot["/T"])] = (index, [float(v) for v in annot["/Rect"]])
    return found


def pixels(pdf: bytes, page: int, box: list[float], tmp_path, name: str):
    """The colours inside `box` (points, origin bottom left) of one page rendered at 72 dpi."""
    from PIL import Image

    prefix = tmp_path / name
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "72",
            "-f",
            str(page + 1),
            "-l",
            str(page + 1),
            "-singlefile",
            "-",
            str(prefix),
        ],
        input=pdf,
        check=True,
    )
    image = Image.open(f"{prefix}.png").convert("RGB")
    x0, y0, x1, y1 = box
    crop = image.crop((round(x0), round(image.height - y1), round(x1), round(image.height - y0)))
    return list(crop.get_flattened_data())


def dark(colours) -> int:
    return sum(1 for r, g, b in colours if r + g + b < 300)


def red(colours) -> int:
    return sum(1 for r, g, b in colours if r > 150 and g < 90 and b < 90)


def test_each_person_signs_in_turn_in_their_block_and_the_clerk_seals_last(klass, tmp_path):
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    world = klass
    document = printed(world, Kind.CLASS_BOOK, classroom=world.classroom)
    homeroom = document.homeroom_teacher()
    places = document.signature_places
    keys = [f"subject-{user_id}" for user_id, _t in document.subject_signers] + ["homeroom", "principal"]
    assert set(keys) <= set(places)
    original = stored(document)
    # nothing drawn where the signatures will go before anyone signs
    for key in ("homeroom", "principal"):
        page, *box = places[key]
        assert dark(pixels(original, page, box, tmp_path, f"before-{key}")) == 0
    # the order: subject teachers, homeroom teacher, principal, then the clerk's seal — no one early
    with pytest.raises(signing.SigningError):
        signing.sign_document(document, world.clerk)
    sign_subject_turns(document)
    with pytest.raises(signing.SigningError):
        signing.sign_document(document, world.principal)
    signing.sign_document(document, homeroom)
    with pytest.raises(signing.SigningError):
        signing.sign_document(document, world.clerk)
    signing.sign_document(document, world.principal)
    with pytest.raises(signing.SigningError):
        signing.sign_document(document, world.principal)  # once only
    document.refresh_from_db()
    assert not document.complete
    signing.sign_document(document, world.clerk)
    document.refresh_from_db()
    assert document.complete
    with pytest.raises(signing.SigningError):
        signing.sign_document(document, world.clerk)
    pdf = stored(document)

    # pyHanko with the school's certificate authority as the only trust root: every signature sound,
    # each by the certificate of the person named, the seal by the school's organisation certificate
    root = x509.Certificate.load(bytes(SchoolAuthority.objects.get(school=world.school).certificate_der))
    embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    holders = []
    for sig in embedded:
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=[root], allow_fetching=False))
        assert status.intact and status.valid and status.trusted, sig.field_name
        holders.append(status.signing_cert.subject.native["common_name"])
    subject_names = [
        type(homeroom).objects.get(pk=user_id).full_name for user_id, _title in document.subject_signers
    ]
    assert holders == [*subject_names, homeroom.full_name, world.principal.full_name, world.school.name]
    seal = DocumentSignature.objects.get(document=document, order=len(holders))
    assert seal.certificate is not None and seal.certificate.school == world.school
    assert seal.role_title == "Văn thư (đóng dấu)" and seal.signer == world.clerk

    # each signature drawn in its block: the field's rectangle is the block measured at rendering, and
    # something is drawn there now; the seal in red over the left third of the principal's block
    drawn = widgets(pdf)
    for number, key in enumerate(keys, start=1):
        page, *box = places[key]
        field_page, rect = drawn[f"Sig{number}"]
        assert field_page == page and all(abs(a - b) < 0.6 for a, b in zip(rect, box, strict=True)), key
        assert dark(pixels(pdf, page, box, tmp_path, f"after-{key}")) > 20, key
    page, *principal_box = places["principal"]
    seal_page, seal_rect = drawn[f"Sig{len(holders)}"]
    assert seal_page == page
    centre_x = (seal_rect[0] + seal_rect[2]) / 2
    assert principal_box[0] < centre_x < principal_box[0] + (principal_box[2] - principal_box[0]) / 2
    assert 90 < seal_rect[2] - seal_rect[0] < 105  # 34 mm
    assert red(pixels(pdf, page, seal_rect, tmp_path, "seal")) > 200
    # the verification page names everyone from their certificates; PDF/A metadata still agree
    result = signing.verify_pdf(pdf)
    assert result.ok and result.signatures[-1].holder == world.school.name


def test_the_hoc_ba_is_drawn_on_its_years_page_and_reaches_the_family_only_once_sealed(klass):
    world = klass
    document = printed(world, Kind.TRANSCRIPT, student=world.student)
    assert {"homeroom", "principal"} <= set(document.signature_places)
    assert all(f"subject-{user_id}" in document.signature_places for user_id, _t in document.subject_signers)
    sign_subject_turns(document)
    signing.sign_document(document, document.homeroom_teacher())
    signing.sign_document(document, world.principal)
    assert approved_transcript(world.student) is None  # not sealed yet
    signing.sign_document(document, world.clerk)
    assert approved_transcript(world.student) == document


def test_a_person_signs_with_their_own_uploaded_certificate(klass, login, client):
    world = klass
    # a personal certificate from a "public CA" the portal does not know
    ca_key, ca_cert = authority("CA công cộng thử nghiệm")
    key, cert = personal(ca_key, ca_cert, world.principal.full_name, "CA công cộng thử nghiệm")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    p12 = pkcs12.serialize_key_and_certificates(
        b"hieutruong", key, cert, [ca_cert], serialization.BestAvailableEncryption(b"mat-khau-rieng")
    )
    login(world.principal)
    url = reverse("my_certificate")
    response = client.post(url, {"file": SimpleUploadedFile("ht.p12", p12), "passphrase": "sai"})
    assert response.status_code == 400 and "mật khẩu" in response.content.decode()
    garbage = client.post(
        url, {"file": SimpleUploadedFile("ht.p12", b"%PDF-1.7 not a p12"), "passphrase": ""}
    )
    assert garbage.status_code == 400
    assert (
        client.post(
            url, {"file": SimpleUploadedFile("ht.p12", p12), "passphrase": "mat-khau-rieng"}
        ).status_code
        == 302
    )
    mine = PersonalCertificate.objects.get(user=world.principal, uploaded=True)
    assert p12 not in bytes(mine.encrypted_pkcs12) and b"mat-khau-rieng" not in bytes(
        mine.encrypted_passphrase
    )
    assert "CA công cộng thử nghiệm" in client.get(url).content.decode()
    # someone else cannot take it as theirs: verification would name the principal as the signer
    login(world.math_teacher)
    taken = client.post(url, {"file": SimpleUploadedFile("ht.p12", p12), "passphrase": "mat-khau-rieng"})
    assert taken.status_code == 400 and world.principal.full_name in taken.content.decode()
    assert not PersonalCertificate.objects.filter(user=world.math_teacher, uploaded=True).exists()
    # nor make one up: a self-signed certificate in one's own name is not from a certification authority
    from transcripts.selfsigned import self_signed_p12

    forged = self_signed_p12(world.math_teacher.full_name, b"k")
    made_up = client.post(url, {"file": SimpleUploadedFile("gv.p12", forged), "passphrase": "k"})
    assert made_up.status_code == 400 and "tự ký" in made_up.content.decode()
    # the name as a CA writes it (capitals, extra spaces) is the person's name
    key2, cert2 = personal(
        ca_key, ca_cert, f"  {world.math_teacher.full_name.upper()} ", "CA công cộng thử nghiệm"
    )
    upper = pkcs12.serialize_key_and_certificates(b"gv", key2, cert2, [ca_cert], serialization.NoEncryption())
    assert (
        client.post(url, {"file": SimpleUploadedFile("gv.p12", upper), "passphrase": ""}).status_code == 302
    )

    document = printed(world, Kind.RESULTS_SUMMARY, classroom=world.classroom, period="year")
    sign_subject_turns(document)
    signing.sign_document(document, document.homeroom_teacher())
    signature = signing.sign_document(document, world.principal)
    assert signature.personal_certificate == mine
    document.refresh_from_db()
    result = signing.verify_pdf(stored(document))
    assert result.ok, (result.status, result.signatures)
    assert result.signatures[-1].holder == f"{world.principal.full_name} — CA công cộng thử nghiệm"


class _TimestampAuthority:
    """An RFC 3161 timestamp authority over HTTP on a free local port (pyHanko's test TSA behind it)."""

    def __init__(self):
        import datetime as dt

        from asn1crypto import keys, tsp
        from asn1crypto import x509 as asn1_x509
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TSA thử nghiệm")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(key, hashes.SHA256())
        )
        stamper = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
            tsa_key=keys.PrivateKeyInfo.load(
                key.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            ),
        )
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                owner.requests += 1
                body = self.rfile.read(int(self.headers["Content-Length"]))
                answer = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def test_signatures_carry_the_timestamp_authoritys_time_and_wait_when_it_is_down(klass, settings):
    world = klass
    tsa = _TimestampAuthority()
    try:
        settings.TIMESTAMP_URL = tsa.url
        document = printed(world, Kind.REGISTER)
        signing.sign_document(document, world.principal)
        assert tsa.requests >= 1
        document.refresh_from_db()
        result = signing.verify_pdf(stored(document))
        assert result.ok and result.signatures[0].timestamped_at is not None
    finally:
        tsa.close()
    # the authority unreachable: nothing is signed, the document is as it was
    settings.TIMESTAMP_URL = tsa.url
    settings.TIMESTAMP_TIMEOUT = 2
    before = document.pdf_sha256
    with pytest.raises(signing.SigningError, match="dấu thời gian"):
        signing.sign_document(document, world.clerk)
    document.refresh_from_db()
    assert document.pdf_sha256 == before and document.signatures.count() == 1


def test_one_confirmation_signs_a_classs_hoc_ba_in_the_background(
    klass, login, client, django_capture_on_commit_callbacks, monkeypatch
):
    world = klass
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    students = [e.student for e in world.classroom.enrolments.filter(status="studying")]
    transcripts = [printed(world, Kind.TRANSCRIPT, student=s) for s in students]
    for document in transcripts:
        sign_subject_turns(document)
        signing.sign_document(document, document.homeroom_teacher())
    other = printed(world, Kind.REGISTER)  # waits for the principal too, but is not in the choice
    world.principal.set_password("Mat-khau-HT-2026")
    world.principal.save()
    login(world.principal)
    url = reverse("sign_many") + f"?kind=transcript&classroom={world.classroom.uuid}"
    page = client.get(url).content.decode()
    assert f"{len(transcripts)} văn bản đang chờ" in page and other.title not in page
    # a student or a parent has no turn: nothing waits for them, and a wrong password signs nothing
    wrong = client.post(url, {"password": "sai", "kind": "transcript", "classroom": world.classroom.uuid})
    assert wrong.status_code == 400 and not SignBatch.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("sign_many"),
            {"password": "Mat-khau-HT-2026", "kind": "transcript", "classroom": str(world.classroom.uuid)},
        )
    batch = SignBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("sign_batch", args=[batch.uuid])
    assert batch.total == len(transcripts) and batch.status == "queued"
    assert sorted(batch.documents) == sorted(d.pk for d in transcripts)
    # meanwhile one of them is signed on its own page: the batch skips it, does not fail
    signing.sign_document(transcripts[0], world.principal)
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    batch.refresh_from_db()
    assert batch.status == "done" and batch.done == len(transcripts) - 1 and batch.skipped == 1
    status = client.get(reverse("sign_batch_status", args=[batch.uuid])).json()
    assert status["done"] == len(transcripts) - 1 and status["percent"] == 100
    for document in transcripts:
        document.refresh_from_db()
        assert document.signatures.filter(signer=world.principal).count() == 1
    assert other.signatures.count() == 0
    # another user cannot follow someone else's batch
    login(world.clerk)
    assert client.get(reverse("sign_batch", args=[batch.uuid])).status_code == 404
    # the clerk seals them all the same way
    world.clerk.set_password("Mat-khau-VT-2026")
    world.clerk.save()
    login(world.clerk)
    with django_capture_on_commit_callbacks(execute=True):
        sealing = client.post(reverse("sign_many"), {"password": "Mat-khau-VT-2026", "kind": "transcript"})
    assert sealing.status_code == 302, sealing.content.decode()[-3000:]
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    sealed = SignBatch.objects.get(signer=world.clerk)
    assert (sealed.status, sealed.done, sealed.error) == ("done", len(transcripts), "")
    assert all(approved_transcript(s) is not None for s in students)


def test_the_school_may_upload_its_seals_image_and_a_hostile_file_is_refused(world, login, client):
    from PIL import Image

    login(world.math_teacher)
    assert client.get(reverse("certificate")).status_code == 403
    login(world.principal)
    url = reverse("certificate")
    for data in (b"GIF89a not a png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100):
        response = client.post(url, {"seal": "1", "image": SimpleUploadedFile("dau.png", data)})
        assert response.status_code == 400 and "PNG" in response.content.decode()
    opaque = io.BytesIO()
    Image.new("RGB", (400, 400), "white").save(opaque, format="PNG")
    response = client.post(url, {"seal": "1", "image": SimpleUploadedFile("dau.png", opaque.getvalue())})
    assert response.status_code == 400 and "nền trong suốt" in response.content.decode()
    # a small file claiming a huge picture is refused from its header, never decoded
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, format="PNG", optimize=True)
    assert len(bomb.getvalue()) < 500 * 1024
    response = client.post(url, {"seal": "1", "image": SimpleUploadedFile("dau.png", bomb.getvalue())})
    assert response.status_code == 400 and "3000" in response.content.decode()
    seal = io.BytesIO()
    Image.new("RGBA", (400, 400), (0, 0, 0, 0)).save(seal, format="PNG")
    response = client.post(url, {"seal": "1", "image": SimpleUploadedFile("dau.png", seal.getvalue())})
    assert response.status_code == 302
    assert bytes(SchoolAuthority.objects.get(school=world.school).seal_png) == seal.getvalue()


def test_a_teachers_documents_to_sign_are_looked_for_among_those_naming_them(
    klass, django_assert_max_num_queries
):
    """The home page of every teacher asks what waits for their signature: the school's other documents
    (hundreds of học bạ after a year-end run) are not read for them; the principal and the clerk, whose
    turn comes on every document, still see them all."""
    from accounts.models import Role
    from gradebook.models import Classroom
    from tests.factories import make_user
    from transcripts.documents import Kind, Target, issue
    from transcripts.signing_batches import waiting_for

    world = klass
    book = issue(Target(Kind.CLASS_BOOK, world.school, world.year, classroom=world.classroom), user=None)
    other = Classroom.objects.create(
        school_year=world.year, name="6A7", grade=6, regulation=world.classroom.regulation
    )
    issue(Target(Kind.CLASS_BOOK, world.school, world.year, classroom=other), user=None)
    with django_assert_max_num_queries(6) as captured:
        assert [d.pk for d in waiting_for(world.math_teacher, world.school)] == [book.pk]
    assert 'subject_signers" @>' in " ".join(q["sql"] for q in captured.captured_queries)
    with django_assert_max_num_queries(6) as captured:
        waiting_for(world.principal, world.school)
    assert 'subject_signers" @>' not in " ".join(q["sql"] for q in captured.captured_queries)
    # a teacher the documents do not name: one query of plain rows, no document read whole
    bystander = make_user("gv-khac", school=world.school, roles=[Role.SUBJECT_TEACHER])
    with django_assert_max_num_queries(2) as captured:
        assert waiting_for(bystander, world.school) == []
    assert not any("signature_places" in q["sql"] for q in captured.captured_queries)
