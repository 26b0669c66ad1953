"""The deployment the README documents, run for real: a database of its own migrated by the owner role,
the demo school seeded, then gunicorn and the printing worker with the production settings (DEBUG off,
the Redis cache, secure `__Host-` cookies behind the TLS proxy's header, WhiteNoise's manifest of
static files) connected as the application role. Every demo account signs in through the login form
and opens every page its menu and its home page link to, and every GET URL of the access matrix with
the demo school's objects: no response may be a server error. The clerk prints a class book through
the worker; the application role is the one `check --deploy --database` accepts."""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings
from django.urls import reverse

from gradebook.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.test_access_matrix import matrix

pytestmark = pytest.mark.production
ROOT = Path(__file__).resolve().parent.parent
HOST = "sodiem.example.edu.vn"
PYTHON = sys.executable

# the objects the access matrix's URLs take, read from the demo school by the deployment's own settings
KWARGS_SCRIPT = """
import json
from accounts.models import RoleAssignment, School
from gradebook.models import Classroom, CorrectionRequest, LockReopening, PeriodLock, Student, StudentTransfer
from transcripts.models import PrintBatch, PrintedDocument
from archive.models import YearArchive
school = School.objects.get(code="THCS-LQD")
c = Classroom.objects.filter(school_year__school=school, name="6A1").first()
a = c.assignments.first()
s = c.enrolments.first().student
role = RoleAssignment.objects.filter(school=school, role="subject_teacher").first()
def uid(o, key):
    return {key: str(o.uuid)} if o else None
out = {
    "None": {},
    "classroom": uid(c, "classroom_uuid"),
    "month": {"classroom_uuid": str(c.uuid), "month": f"{c.school_year.start_year}-10"},
    "period": {"classroom_uuid": str(c.uuid), "period": "HK1"},
    "student": uid(s, "student_uuid"),
    "grid": {"assignment_uuid": str(a.uuid), "term": "HK1"},
    "staff": {"user_uuid": str(role.user.uuid)},
    "role": {"user_uuid": str(role.user.uuid), "role_uuid": str(role.uuid)},
    "school": uid(school, "school_uuid"),
    "lock": uid(PeriodLock.objects.filter(school_year__school=school).first(), "lock_uuid"),
    "reopening": uid(LockReopening.objects.filter(lock__school_year__school=school).first(), "reopening_uuid"),
    "correction": uid(CorrectionRequest.objects.filter(assignment__classroom__school_year__school=school).first(), "correction_uuid"),
    "transfer": uid(StudentTransfer.objects.first(), "transfer_uuid"),
    "batch": uid(PrintBatch.objects.filter(school=school).first(), "batch_uuid"),
    "document": uid(PrintedDocument.objects.filter(school=school).first(), "document_uuid"),
    "archive": uid(YearArchive.objects.filter(school=school).first(), "archive_uuid"),
}
print(json.dumps(out))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _url(db: dict, name: str, user: str) -> str:
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


class Browser:
    """A user's browser behind the TLS proxy: cookies, the forwarded scheme, CSRF on forms."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str = "", headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        head = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **(headers or {}),
        }
        conn.request(method, path, body=body, headers=head)
        response = conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response.status, dict(response.getheaders()), data

    def get(self, path: str):
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict, token_from: str):
        status, _headers, page = self.get(token_from)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        body = "&".join(f"{k}={v}" for k, v in {"csrfmiddlewaretoken": token, **fields}.items())
        return self.request(
            "POST",
            path,
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{HOST}",
                "Referer": f"https://{HOST}{token_from}",
            },
        )


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    db = settings.DATABASES["default"]
    owner, app = db["USER"], settings.DATABASE_APP_ROLE
    name = f"sodiem_production_{secrets.token_hex(4)}"
    admin = dict(
        host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432, user=owner, dbname="postgres"
    )
    if db.get("PASSWORD"):
        admin["password"] = db["PASSWORD"]
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    media = tmp_path_factory.mktemp("media")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "CERTIFICATE_KEY": secrets.token_urlsafe(32),
        "INTEGRITY_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": HOST,
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "SITE_URL": f"https://{HOST}",
        "REDIS_URL": "redis://127.0.0.1:6379/13",
        "MEDIA_ROOT": str(media),
        "STATIC_ROOT": str(tmp_path_factory.mktemp("static")),
        "DATABASE_APP_ROLE": app,
        "DB_CONN_MAX_AGE": "60",
    }
    as_owner = {**env, "DATABASE_URL": _url(db, name, owner)}
    as_app = {**env, "DATABASE_URL": _url(db, name, app)}

    def manage(*args, env=as_app, timeout=600):
        result = subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    processes = []
    try:
        manage("migrate", "--noinput", env=as_owner)  # the owner migrates and grants the app role
        manage("seed_demo", "--school-code", "THCS-LQD")  # the application role writes
        manage("collectstatic", "--noinput", "-v0")
        checks = subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", "check", "--deploy", "--database", "default", "--fail-level", "WARNING"],
            cwd=ROOT, env=as_app, capture_output=True, text=True,
        )  # fmt: skip
        owner_checks = subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", "check", "--deploy", "--database", "default", "--fail-level", "WARNING"],
            cwd=ROOT, env=as_owner, capture_output=True, text=True,
        )  # fmt: skip
        kwargs = json.loads(manage("shell", "-c", KWARGS_SCRIPT).strip().splitlines()[-1])
        port = _free_port()
        log = open(media / "gunicorn.log", "w")  # noqa: SIM115
        processes.append(
            subprocess.Popen(  # noqa: S603
                [
                    PYTHON,
                    "-m",
                    "gunicorn",
                    "sodiem.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                    "--timeout",
                    "120",
                ],
                cwd=ROOT,
                env=as_app,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        )
        processes.append(
            subprocess.Popen(  # noqa: S603
                [PYTHON, "manage.py", "db_worker", "--no-reload"],
                cwd=ROOT,
                env=as_app,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        )
        browser = Browser(port)
        for _ in range(120):
            try:
                if browser.get("/health/")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail(f"gunicorn did not start:\n{(media / 'gunicorn.log').read_text()}")
        yield {
            "port": port,
            "kwargs": kwargs,
            "checks": checks,
            "owner_checks": owner_checks,
            "log": media / "gunicorn.log",
        }
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sign_in(port: int, username: str) -> Browser:
    browser = Browser(port)
    status, headers, _ = browser.post_form(
        "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}, token_from="/accounts/login/"
    )
    assert status == 302 and "/accounts/login/" not in headers.get("Location", ""), (username, status)
    assert any(name.startswith("__Host-") for name in browser.cookies), browser.cookies
    return browser


_SKIP = re.compile(r"(/static/|/media/|logout|\.pdf|\.xlsx|\.xml|\.zip|/django-admin/|/file|/download)")


def test_the_application_role_passes_the_deploy_checks_and_the_owner_does_not(deployment):
    assert deployment["checks"].returncode == 0, deployment["checks"].stdout + deployment["checks"].stderr
    assert "audit.W001" in deployment["owner_checks"].stdout + deployment["owner_checks"].stderr


def test_every_role_opens_every_page_without_a_server_error(deployment):
    port, kwargs = deployment["port"], deployment["kwargs"]
    failures, opened = [], 0
    gets = [
        reverse(name, kwargs=kwargs[str(target)])
        for name, (target, get_rule, _post) in sorted(matrix().items())
        if get_rule is not None and kwargs.get(str(target)) is not None
    ]
    for username in DEMO_ACCOUNTS:
        browser = sign_in(port, username)
        status, _headers, home = browser.get("/")
        assert status == 200, (username, status)
        links = {
            unescape(href)
            for href in re.findall(r'href="(/[^"#]*)"', home.decode())
            if not _SKIP.search(href)
        }
        for path in sorted(links) + gets:
            status, _headers, _body = browser.get(path)
            opened += 1
            if status >= 500:
                failures.append(f"{username} GET {path}: {status}")
    assert failures == [], "\n".join(failures) + "\n" + deployment["log"].read_text()[-3000:]
    assert opened > 500


def test_the_statistics_come_from_the_redis_cache(deployment):
    browser = sign_in(deployment["port"], "hieutruong")
    for _ in range(2):
        status, _headers, _body = browser.get("/statistics/")
        assert status == 200
    import redis

    assert any(redis.Redis.from_url("redis://127.0.0.1:6379/13").scan_iter(count=1000))


def test_the_clerk_prints_a_class_book_through_the_worker(deployment):
    browser = sign_in(deployment["port"], "vanthu")
    classroom = deployment["kwargs"]["classroom"]["classroom_uuid"]
    status, headers, _ = browser.post_form(
        "/documents/print/", {"kind": "class_book", "target": classroom}, token_from="/documents/"
    )
    assert status == 302, status
    batch = urlsplit(headers["Location"]).path
    for _ in range(240):
        status, _h, body = browser.get(batch.rstrip("/") + "/status.json")
        state = json.loads(body)
        if state.get("status") in ("done", "failed"):
            break
        time.sleep(0.5)
    assert state.get("status") == "done", state
