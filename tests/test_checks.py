"""The checks `make check` runs fail when the code breaks them: the layering contracts (import-linter,
pyproject.toml) and the types of the rules, services and selectors (mypy). Each is run on a copy of
the code with one deliberate break, and on the copy as it is."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PACKAGES = ("accounts", "archive", "audit", "gradebook", "sodiem", "transcripts")


@pytest.fixture
def copy(tmp_path):
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=lambda folder, names: [
                n for n in names if n == "__pycache__" or n.endswith((".mo", ".pdf"))
            ],
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def run(tool: str, where: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / tool), *args],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": f"{BIN}:/usr/bin:/bin", "PYTHONPATH": str(where), "HOME": str(where)},
    )


def add_line(path: Path, line: str) -> None:
    path.write_text(path.read_text() + "\n" + line + "\n")


@pytest.mark.parametrize(
    ("module", "forbidden", "contract"),
    [
        ("gradebook/regulations/base.py", "import django.db", "The assessment rules are plain Python"),
        (
            "accounts/authz.py",
            "import gradebook.models",
            "Accounts (tenancy, people, rights) import no domain app",
        ),
        (
            "audit/services.py",
            "import gradebook.selectors.grid",
            "Audit's recording and integrity are a ground floor",
        ),
        ("gradebook/services/lifecycle.py", "import transcripts.documents", "The gradebook imports neither"),
    ],
)
def test_the_layering_check_fails_on_a_forbidden_import(copy, module, forbidden, contract):
    assert run("lint-imports", copy, "--no-cache").returncode == 0
    add_line(copy / module, forbidden)
    broken = run("lint-imports", copy, "--no-cache")
    assert broken.returncode != 0
    assert f"{contract}" in broken.stdout and "BROKEN" in broken.stdout


def test_the_type_check_fails_on_a_type_error(copy):
    assert run("mypy", copy, "--cache-dir", str(copy / ".mypy")).returncode == 0
    add_line(copy / "gradebook/services/scores.py", 'NOT_A_NUMBER: int = "8,5"')
    broken = run("mypy", copy, "--cache-dir", str(copy / ".mypy"))
    assert broken.returncode != 0
    assert (
        "gradebook/services/scores.py" in broken.stdout
        and "Incompatible types in assignment" in broken.stdout
    )


WRITES = {
    "save",
    "delete",
    "update",
    "create",
    "get_or_create",
    "update_or_create",
    "bulk_create",
    "bulk_update",
}
VIEW_MODULES = [
    *sorted((ROOT / "gradebook" / "views").glob("*.py")),
    *sorted(ROOT.glob("*/views*.py")),
]


def test_views_write_nothing_themselves():
    """Writes go through services, which check the right and the lock and record the history: a view
    only parses, calls and renders (a workbook or a buffer it saves to is not a write)."""
    import ast

    found = []
    for path in VIEW_MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WRITES
            ):
                target = ast.unparse(node.func.value)
                if target in ("workbook", "context", "response", "request.session", "data"):
                    continue
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {target}.{node.func.attr}()")
    assert found == []
