"""Least privilege in PostgreSQL (docs/integrity.md, "Database roles").

Two roles: the owner, who runs the migrations and owns every table, and the application role
(`DATABASE_APP_ROLE`, default `sodiem_app`) that the web processes, workers and scheduled jobs connect
as. After every migration the owner grants the application role what it needs and nothing more:
reading and writing the ordinary tables; only reading and inserting the history and audit tables and
the chain's own tables (no UPDATE, DELETE or TRUNCATE); no INSERT into the links (only the triggers
write them); no schema changes. The application role does not own the tables, so it cannot disable
their triggers, and it is no superuser, so it cannot switch them off for its session.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection as default_connection

from audit.chain import GUARDED_OWN, chained_tables


def app_role() -> str:
    return settings.DATABASE_APP_ROLE


def role_exists(cursor, role: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    return cursor.fetchone() is not None


def grant(connection=default_connection) -> bool:
    """Grant the application role its rights on the current schema; False when there is no such role
    (a development database used by one role)."""
    if connection.vendor != "postgresql":
        return False
    quote = connection.ops.quote_name
    role = app_role()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_schema()")
        current, schema = cursor.fetchone()
        if not role or role == current or not role_exists(cursor, role):
            return False
        r, s = quote(role), quote(schema)
        append_only = [t.table for t in chained_tables()] + list(GUARDED_OWN)
        statements = [
            f"GRANT USAGE ON SCHEMA {s} TO {r}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
            f"REVOKE INSERT, UPDATE, DELETE ON {s}.django_migrations FROM {r}",
            *(f"REVOKE UPDATE, DELETE, TRUNCATE ON {s}.{quote(t)} FROM {r}" for t in append_only),
            f"REVOKE INSERT ON {s}.audit_chainlink, {s}.audit_chainlayout FROM {r}",
            f"GRANT EXECUTE ON FUNCTION {s}.audit_dispose(int, text, bigint[], text) TO {r}",
        ]
        for statement in statements:
            cursor.execute(statement)
    return True


def privilege_problems(connection=default_connection) -> list[str]:
    """Why the current connection could rewrite the trail (empty: it cannot)."""
    if connection.vendor != "postgresql":
        return []
    problems = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if row and row[0]:
            problems.append("the connection's role is a superuser")
        for table in [t.table for t in chained_tables()] + list(GUARDED_OWN):
            cursor.execute(
                "SELECT pg_has_role(current_user, c.relowner, 'USAGE'), "
                "has_table_privilege(c.oid, 'UPDATE'), has_table_privilege(c.oid, 'DELETE'), "
                "has_table_privilege(c.oid, 'TRUNCATE') FROM pg_class c WHERE c.oid = %s::regclass",
                [table],
            )
            owns, update, delete, truncate = cursor.fetchone()
            if owns:
                problems.append(f"the connection's role owns {table}")
                break
            if update or delete or truncate:
                problems.append(f"the connection's role may change or remove rows of {table}")
                break
    return problems


def create_roles(
    admin_url: str, *, owner: str, app: str, passwords: dict[str, str], database: str = ""
) -> list[str]:
    """Create the owner (may create databases, for the test suite) and the application role when
    missing, let the owner act as the application role (the test suite switches to it), and create
    `database` owned by the owner. Needs a role that may create roles (a superuser on a laptop)."""
    import psycopg
    from psycopg import sql

    done = []
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name, attributes in ((owner, "LOGIN CREATEDB"), (app, "LOGIN")):
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name]).fetchone() is None:
                conn.execute(sql.SQL("CREATE ROLE {} " + attributes).format(sql.Identifier(name)))
                done.append(f"role {name} created")
            if passwords.get(name):
                conn.execute(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                        sql.Identifier(name), sql.Literal(passwords[name])
                    )
                )
        # the application role never holds more (an existing owner is left as it is: it may be the
        # superuser this connection uses)
        conn.execute(sql.SQL("ALTER ROLE {} NOSUPERUSER NOCREATEDB NOCREATEROLE").format(sql.Identifier(app)))
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(app), sql.Identifier(owner)))
        if database:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
            if exists is None:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(database), sql.Identifier(owner)
                    )
                )
                done.append(f"database {database} created")
    return done
