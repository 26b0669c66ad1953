"""Acting as the tables' owner in a test: an attacker with full database access."""

from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction


@contextmanager
def owner_rights(conn=None):
    """Act as the tables' owner inside the test's transaction. A savepoint holds it: when the body
    fails, rolling it back restores the application role with everything else."""
    conn = conn or connection
    with transaction.atomic(using=conn.alias):
        with conn.cursor() as cursor:
            cursor.execute("RESET ROLE")
        yield
        with conn.cursor() as cursor:
            cursor.execute(f"SET ROLE {conn.ops.quote_name(settings.DATABASE_APP_ROLE)}")
