"""Shared set-up of the benchmarks: Django on PostgreSQL with a benchmark school.

DATABASE_URL defaults to the local server's `sodiem_bench` database (created and migrated when
missing). The benchmark school (1,600 students, a finished year) is created once by seed_demo.
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sodiem.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sodiem_bench")
os.environ.setdefault("DEBUG", "true")

BENCH_SCHOOL = "BENCH-1600"


def _ensure_database(url: str) -> None:
    import psycopg
    from dj_database_url import parse

    cfg = parse(url)
    if "postgresql" not in cfg["ENGINE"]:
        return
    admin = psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"],
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def setup(school_code: str = BENCH_SCHOOL, size: int = 1600):
    """Django ready, migrated, with the benchmark school; returns the School."""
    _ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.models import School

    if not School.objects.filter(code=school_code).exists():
        started = time.perf_counter()
        print(
            f"(creating the benchmark school {school_code}: {size} students, a finished year…)",
            file=sys.stderr,
        )
        call_command(
            "seed_demo",
            size=size,
            scores="full",
            school_code=school_code,
            school_name=f"Trường THCS {school_code}",
            no_accounts=True,
            verbosity=0,
        )
        print(f"(created in {time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return School.objects.get(code=school_code)


def demo_school(years: int = 1):
    """Django ready, migrated, with the demo school of `make run` (16 classes of 38–45 students, the
    first term under way; with `years` > 1 its earlier school years, finished); returns the School."""
    _ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from gradebook.management.commands.seed_demo import DEMO_SCHOOL_CODE

    call_command("migrate", verbosity=0)
    from accounts.models import School

    if not School.objects.filter(code=DEMO_SCHOOL_CODE).exists():
        print("(creating the demo school…)", file=sys.stderr)
        call_command("seed_demo", years=years, verbosity=0, stdout=io.StringIO())
    return School.objects.get(code=DEMO_SCHOOL_CODE)


def start_workers(count: int, *, batch: bool):
    """`count` task workers (`manage.py db_worker`) as separate processes: with `batch`, each stops when
    the queue is empty; else they poll every 0.1 s until terminated, as in production."""
    import subprocess

    options = ["--batch", "--no-startup-delay"] if batch else ["--interval", "0.1"]
    return [
        subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "db_worker",
                "--no-reload",
                *options,
                "--verbosity",
                "0",
            ],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
        )
        for _ in range(count)
    ]


def report(name: str, value: float, unit: str, goal: str) -> None:
    print(f"{name}: {value:g} {unit} (goal {goal})")
