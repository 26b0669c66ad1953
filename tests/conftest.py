"""The suite runs the way the portal is deployed: the owner role migrates the test database, then every
connection acts as the application role (SET ROLE), which cannot change or remove history and audit
rows (audit/dbroles.py). Tests that play an attacker with the owner's rights use `as_owner`."""

import zlib

import pytest
from django.conf import settings
from django.db import connection, connections
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.signals import connection_created

from tests.owner import owner_rights


def _app_role_ready(conn) -> bool:
    return (
        conn.vendor == "postgresql"
        and conn.alias != NO_DB_ALIAS
        and str(conn.settings_dict.get("NAME") or "").startswith("test_")
    )


def _as_app_role(sender, connection, **kwargs):
    if _app_role_ready(connection):
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {connection.ops.quote_name(settings.DATABASE_APP_ROLE)}")


def _flush_as_owner():
    """Transactional tests end with a flush (TRUNCATE of every table): the owner does it, with the
    append-only guards lifted for that statement only, and reinstalls the chain after it."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    from audit import chain

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        guarded = [t.table for t in chain.chained_tables()] + list(chain.GUARDED_OWN)
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            for table in guarded:
                cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER audit_guard")
        try:
            original(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                for table in guarded:
                    cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER audit_guard")
            chain.install(self.connection)
            with self.connection.cursor() as cursor:
                cursor.execute(f"SET ROLE {quote(settings.DATABASE_APP_ROLE)}")

    DatabaseOperations.execute_sql_flush = execute_sql_flush


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        if _app_role_ready(connection):
            from audit.dbroles import role_exists

            with connection.cursor() as cursor:
                if not role_exists(cursor, settings.DATABASE_APP_ROLE):
                    pytest.exit(
                        f"PostgreSQL role {settings.DATABASE_APP_ROLE} missing: run `make test` "
                        "(it creates the owner and application roles)"
                    )
            _flush_as_owner()
            connection_created.connect(_as_app_role)
            for conn in connections.all():
                conn.close()
    yield


@pytest.fixture
def as_owner():
    return owner_rights


@pytest.fixture(autouse=True)
def _seal_file(settings, tmp_path):
    """Each test keeps its seals outside the database in a file of its own."""
    settings.INTEGRITY_SEAL_FILE = str(tmp_path / "seals.jsonl")


@pytest.fixture
def world(db):
    from tests.factories import SchoolWorld

    return SchoolWorld("Trường THCS Thử Nghiệm A", "a")


@pytest.fixture
def locked(world):
    """The world with Bình's Toán TX1 = 7 and GK = 6 saved, then term I locked (the corrections' start)."""
    from gradebook.services.scores import CellChange, save_grid
    from tests.test_corrections import lock_term

    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [CellChange(str(world.enrolment.uuid), "tx1", "7"), CellChange(str(world.enrolment.uuid), "gk", "6")],
    )
    lock_term(world)
    return world


@pytest.fixture
def other_world(db):
    from tests.factories import SchoolWorld

    return SchoolWorld("Trường THCS Thử Nghiệm B", "b")


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


# the class whose students hit every branch of the results (Xuất sắc, retest, summer training,
# retained), shared by the results and the printed-books tests
from tests.test_class_results import klass  # noqa: E402, F401

ACCESS_MATRIX_WORKERS = 4


def pytest_collection_modifyitems(config, items):
    """`make test` runs in parallel with `--dist loadgroup`: each file stays on one worker (its
    fixtures are built once), except the access matrix, one item per URL, spread over a few groups."""
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        group = module
        if module.endswith("test_access_matrix.py") and "[" in item.nodeid:
            group = f"{module}-{zlib.crc32(item.nodeid.encode()) % ACCESS_MATRIX_WORKERS}"
        item.add_marker(pytest.mark.xdist_group(group))
