"""A deadline evening: N teachers entering whole grids on the real server.

Starts gunicorn with the production settings (DEBUG off, secure cookies, Redis cache, the local
PostgreSQL) behind a pretend TLS proxy (the client sends X-Forwarded-Proto: https, as nginx would), then
N simulated teachers, each with their own class-subject of the demo school, arriving over `--ramp`
seconds (the sign-ins spread over the evening): sign in, open their home page, then `--rounds` times
open the Term II grid, type every cell of it (every regular column, the mid-term and the final: a
45 × 9 grid) and save it whole, and now and then (`--pages`) open another page as teachers do between
saves (their home page, their class list, the entry progress). Between two actions each waits a time
drawn between `--think` bounds: the pace, set it to load the server as you want. Bounded in count and in
time (`--timeout`). Generator and server run on this machine.

Prints requests per second, p50/p95/p99 of every request, where the time goes (sign-in, page renders,
grid renders, saves: each kind's share of the server's time and its p95), errors, and checks the
database afterwards: every score a teacher saved is there, with the value they typed.

    python bench/load.py [--teachers 45] [--rounds 20] [--think 0.5 1.0] [--workers 2] [--threads 8]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _setup  # noqa: E402

PASSWORD = "Bench-Load-2026!"  # noqa: S105
TERM = "HK2"
CELL = re.compile(r'<input class="cell[^>]*?data-col="((?:tx\d+)|gk|ck)"[^>]*?data-version="(\d+)"[^>]*>')
PAGES = ("/", "/classes/")  # a subject teacher's other pages: what waits for them, the classes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Teacher:
    username: str
    assignment: str  # uuid
    cookies: dict = field(default_factory=dict)
    saved: dict = field(default_factory=dict)  # (enrolment uuid, column) → value last saved
    grids: list = field(default_factory=list)  # cells sent by each save


@dataclass
class Sample:
    kind: str
    seconds: float
    ok: bool
    detail: str = ""


class Client:
    def __init__(self, port: int, teacher: Teacher, samples: list, lock: threading.Lock):
        self.port, self.teacher, self.samples, self.lock = port, teacher, samples, lock

    def request(
        self, kind: str, method: str, path: str, body: bytes | None = None, headers=None, expect=(200,)
    ):
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",  # the TLS proxy in front of gunicorn
            "Referer": f"https://127.0.0.1:{self.port}{path}",
            "User-Agent": "sodiem-bench-load",
            **(headers or {}),
        }
        if self.teacher.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.teacher.cookies.items())
        started = time.perf_counter()
        ok, detail, status, data = False, "", 0, b""
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
            for value in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(value)
                for key, morsel in cookie.items():
                    self.teacher.cookies[key] = morsel.value
            conn.close()
            ok = status in expect
            detail = f"{method} {path}: {status}"
        except OSError as exc:
            detail = f"{method} {path}: {type(exc).__name__}"
        elapsed = time.perf_counter() - started
        with self.lock:
            self.samples.append(Sample(kind, elapsed, ok, detail))
        return status, data

    def csrf(self) -> str:
        return next((v for k, v in self.teacher.cookies.items() if k.endswith("csrftoken")), "")

    def sign_in(self) -> bool:
        _, page = self.request("login", "GET", "/accounts/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        form = {
            "username": self.teacher.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": match.group(1).decode() if match else "",
        }
        status, _ = self.request(
            "login",
            "POST",
            "/accounts/login/",
            urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
            expect=(302,),
        )
        return status == 302

    def grid_round(self, think) -> None:
        path = f"/grid/{self.teacher.assignment}/{TERM}/"
        status, page = self.request("grid", "GET", path)
        if status != 200:
            return
        text = page.decode()
        changes = []
        for row in re.finditer(r'<tr data-enrolment="([0-9a-f-]+)"[^>]*>(.*?)</tr>', text, re.S):
            if 'class="left' in row.group(0):
                continue
            for cell in CELL.finditer(row.group(2)):
                if " readonly" in cell.group(0):
                    continue
                value = f"{random.randint(5, 9)},{random.choice((0, 5))}"  # noqa: S311
                changes.append(
                    {
                        "enrolment": row.group(1),
                        "column": cell.group(1),
                        "value": value,
                        "version": int(cell.group(2)),
                    }
                )
        think()
        self.teacher.grids.append(len(changes))
        body = json.dumps(  # as the page's JSON.stringify writes it: letters unescaped
            {"changes": changes, "reason": "Nhập điểm thường xuyên", "dates": {}}, ensure_ascii=False
        ).encode()
        status, data = self.request(
            "save",
            "POST",
            f"{path}save/",
            body,
            {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": self.csrf()},
        )
        if status == 200:
            # what the server says it saved (or found unchanged) is what the database must hold
            for cell in json.loads(data).get("cells", []):
                if cell["status"] in ("saved", "unchanged"):
                    self.teacher.saved[(cell["enrolment"], cell["column"])] = cell["value"]
        think()

    def page(self, path: str, think) -> None:
        self.request("page", "GET", path)
        think()


def prepare(count: int) -> list[Teacher]:
    """The first `count` class-subjects scored by number, each with its teacher signed in by password
    (the same for all), and their Term II scores cleared: each run types the whole grid."""
    school = _setup.demo_school()
    from accounts.models import User
    from gradebook.models import Subject, TeachingAssignment
    from gradebook.selectors.structure import current_year

    year = current_year(school)
    assignments = list(
        TeachingAssignment.objects.filter(
            classroom__school_year=year, teacher__isnull=False, subject__kind=Subject.Kind.SCORE
        )
        .select_related("teacher")
        .order_by("classroom__grade", "classroom__name", "subject__order")[:count]
    )
    if len(assignments) < count:
        sys.exit(f"only {len(assignments)} class-subjects with a teacher in the demo school")
    from gradebook.models import Score

    Score.objects.filter(assignment__in=assignments, term=TERM).delete()
    hashed = User(username="x")
    hashed.set_password(PASSWORD)
    for user in {a.teacher for a in assignments}:
        User.objects.filter(pk=user.pk).update(password=hashed.password, must_change_password=False)
        user.mark_password_changed()
        User.objects.filter(pk=user.pk).update(password_changed_at=user.password_changed_at)
    return [Teacher(a.teacher.username, str(a.uuid)) for a in assignments]


def start_server(port: int, workers: int, threads: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        CSRF_TRUSTED_ORIGINS=f"https://127.0.0.1:{port}",
        LOG_LEVEL="WARNING",
    )
    root = Path(__file__).resolve().parents[1]
    python = sys.executable
    subprocess.run(  # noqa: S603
        [python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=root, env=env, check=True
    )
    gunicorn = str(Path(python).with_name("gunicorn"))
    server = subprocess.Popen(  # noqa: S603
        [
            gunicorn,
            "sodiem.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            f"--threads={threads}",
            "--worker-class=gthread",
            "--log-level=warning",
        ],
        cwd=root,
        env=env,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health/", headers={"X-Forwarded-Proto": "https"})
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.kill()
    sys.exit("gunicorn did not start")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teachers", type=int, default=45)
    parser.add_argument("--rounds", type=int, default=20, help="whole grids each teacher saves")
    parser.add_argument("--pages", type=float, default=0.5, help="other pages opened per grid saved")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes: one per core")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--ramp", type=float, default=30.0, help="seconds over which the teachers arrive")
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 1.0), metavar=("MIN", "MAX"))
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()

    teachers = prepare(args.teachers)
    port = free_port()
    server = start_server(port, args.workers, args.threads)
    samples: list[Sample] = []
    lock = threading.Lock()

    def think():
        time.sleep(random.uniform(*args.think))  # noqa: S311

    def run(teacher: Teacher, delay: float):
        time.sleep(delay)
        client = Client(port, teacher, samples, lock)
        if client.sign_in():
            client.page("/", think)
            for _ in range(args.rounds):
                client.grid_round(think)
                if random.random() < args.pages:  # noqa: S311
                    client.page(random.choice(PAGES), think)  # noqa: S311

    threads = [
        threading.Thread(target=run, args=(t, args.ramp * i / len(teachers)), daemon=True)
        for i, t in enumerate(teachers)
    ]
    started = time.perf_counter()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(0.0, args.timeout - (time.perf_counter() - started)))
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    # every score a teacher saved is in the database, with the value typed
    from gradebook.models import Score
    from gradebook.services.scores import key_of

    missing = checked = 0
    for teacher in teachers:
        stored = {
            (str(e), key_of(kind, index)): v
            for e, kind, index, v in Score.objects.filter(
                assignment__uuid=teacher.assignment, term=TERM
            ).values_list("enrolment__uuid", "kind", "index", "value")
        }
        for key, value in teacher.saved.items():
            checked += 1
            if key not in stored or stored[key] != Decimal(value.replace(",", ".")):
                missing += 1

    times = [s.seconds * 1000 for s in samples]
    errors = [s for s in samples if not s.ok]
    print(f"teachers: {len(teachers)} teachers (goal a deadline evening)")
    print(f"requests: {len(samples)} requests in {elapsed:.0f} s")
    print(f"throughput: {len(samples) / elapsed:.1f} requests/s (goal ≥ 40)")
    print(f"p50: {percentile(times, 50):.0f} ms")
    print(f"p95: {percentile(times, 95):.0f} ms (goal ≤ 300)")
    print(f"p99: {percentile(times, 99):.0f} ms")
    total = sum(times) or 1
    for kind, name in (("login", "sign-in"), ("page", "pages"), ("grid", "grid render"), ("save", "save")):
        kind_times = [s.seconds * 1000 for s in samples if s.kind == kind]
        print(
            f"time_{kind}: {100 * sum(kind_times) / total:.0f} % of the server's time ({name}: "
            f"{len(kind_times)} requests, p50 {percentile(kind_times, 50):.0f} ms, "
            f"p95 {percentile(kind_times, 95):.0f} ms)"
        )
    grids = [n for t in teachers for n in t.grids]
    print(f"grids: {len(grids)} saved whole, {statistics.mean(grids or [0]):.0f} cells each on average")
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"generator: {cpu.ru_utime + cpu.ru_stime:.0f} s of CPU in {elapsed:.0f} s "
        f"(the simulated teachers share the machine's {os.cpu_count()} cores with the server)"
    )
    print(f"errors: {len(errors)} (goal 0)")
    for sample in errors[:5]:
        print(f"  {sample.detail}", file=sys.stderr)
    print(f"scores_saved: {checked} scores")
    print(f"scores_missing: {missing} (goal 0)")


if __name__ == "__main__":
    main()
