"""Bad input on every form and upload, tried with hypothesis — random text with control
characters, huge values, wrong types, random bytes for files. Never a 500 (the test client re-raises a
server error), and a refused submission (400) writes no row.

The fields of each form are read from the page itself (every input, select and textarea of its POST
forms), so a field added later is fuzzed too.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_access_matrix import _writes
from tests.test_access_matrix import people as people  # noqa: PLC0414 (the fixture, used by name)

# (URL name, the role allowed to post it, the kwargs of the matrix's fixture)
FORMS = [
    ("accounts:staff_create", "admin_board", None),
    ("accounts:staff_import", "admin_board", None),
    ("accounts:password_change", "teacher", None),
    ("accounts:staff_detail", "admin_board", "staff"),
    ("attendance", "homeroom", "month"),
    ("conduct", "homeroom", "period"),
    ("summer", "homeroom", "classroom"),
    ("discipline", "homeroom", "classroom"),
    ("class_results", "homeroom", "period"),
    ("family_accounts", "admin_board", "classroom"),
    ("student_move", "admin_board", "student"),
    ("earlier_year_new", "admin_board", "student"),
    ("transfer_in", "admin_board", None),
    ("rollover", "admin_board", None),
    ("grid_import", "teacher", "grid"),
    ("comment_bank", "teacher", None),
    ("lock_list", "principal", None),
    ("lock_reopen", "principal", "lock"),
    ("correction_new", "teacher", "grid"),
    ("results_delegation", "principal", None),
    ("results_approvals", "principal", None),
    ("progress", "principal", None),
    ("documents_home", "clerk", None),
    ("certificate", "principal", None),
    ("archive_home", "clerk", None),
    ("archive_retention", "principal", None),
    ("verify_pdf", "anon", None),
]

NASTY = st.one_of(
    st.text(max_size=300),  # any unicode, control characters and NUL included
    st.text(alphabet=st.characters(codec="utf-8"), min_size=5000, max_size=20000),  # huge
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "99999999999999999999",
            "1e309",
            "NaN",
            "31/02/2026",
            "2026-13-45",
            "null",
            "[]",
            "{}",
            "<script>alert(1)</script>",
            "'; DROP TABLE gradebook_score; --",
            '=HYPERLINK("http://x")',
            "\u202e",
            "\x00",
            "10,5",
            "8.75",
            "Đ",
        ]
    ),  # fmt: skip
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)


def _fields(html: str) -> tuple[list[str], list[str]]:
    """Names of the fields and of the file inputs of the page's POST forms."""
    names, files = [], []
    for form in re.finditer(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S | re.I):
        for tag in re.finditer(r"<(input|select|textarea|button)\b([^>]*)>", form.group(1), re.I):
            name = re.search(r'name="([^"]+)"', tag.group(2))
            if not name or name.group(1) == "csrfmiddlewaretoken":
                continue
            if re.search(r'type="file"', tag.group(2)):
                files.append(name.group(1))
            elif name.group(1) not in names:
                names.append(name.group(1))
    return names, files


@pytest.mark.parametrize(("name", "role", "target"), FORMS, ids=[f[0] for f in FORMS])
def test_bad_input_never_breaks_a_form(people, client, name, role, target):
    users, kwargs = people
    url = reverse(name, kwargs=kwargs[target])
    if role != "anon":
        client.force_login(users[role])
    page = client.get(url)
    assert page.status_code == 200, f"{name}: {page.status_code}"
    names, files = _fields(page.content.decode())
    names = names or ["action"]  # a page whose form has nothing to fill in now still takes a post

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(
        values=st.fixed_dictionaries({n: NASTY for n in names}),
        blobs=st.fixed_dictionaries({f: st.binary(max_size=4096) for f in files}),
        extra=st.dictionaries(st.text(min_size=1, max_size=20), NASTY, max_size=2),
    )
    def post(values, blobs, extra):
        data = {**extra, **values}
        for field, blob in blobs.items():
            data[field] = SimpleUploadedFile("tep.bin", blob)
        before = _writes()
        response = client.post(url, data)
        assert response.status_code < 500
        if response.status_code == 400:
            assert _writes() == before, f"{name}: a refused submission wrote rows"
            if response["Content-Type"].startswith("text/html") and len(response.content) > 500:
                # a page: the message is shown where the user looks (next to the field, or on top)
                assert b'role="alert"' in response.content or b"field-error" in response.content, name

    post()


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(payload=st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
))  # fmt: skip
def test_the_grid_endpoints_answer_any_json_with_a_clear_refusal(people, client, payload):
    users, kwargs = people
    client.force_login(users["teacher"])
    for endpoint in ("grid_check", "grid_save", "grid_preview"):
        url = reverse(endpoint, kwargs=kwargs["grid"])
        for body in (
            payload,
            {"changes": payload},
            {"values": payload},
            {"changes": [payload], "reason": payload},
        ):
            response = client.post(url, json.dumps(body), content_type="application/json")
            assert response.status_code < 500
            if response.status_code == 400:
                assert "error" in response.json()
