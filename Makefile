# Sổ Điểm — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell for p in /root/.pyenv/versions/3.12.1/bin/python python3.13 python3.12; do \
            command -v $$p >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Debian packages the portal needs: the PDFs' fonts (Liberation Serif 2, DejaVu Sans: transcripts/fonts.py),
# zbar (tests read the QR codes back), poppler (pdftotext in tests),
# Chromium (browser tests), gettext (compiling the Vietnamese translation), LibreOffice Calc (the
# set-up test imports a file it wrote, as schools do); pg_dump/pg_restore for the
# backup commands (postgresql-client, unless the PostgreSQL server already brought them).
APT_PACKAGES := fonts-liberation2 fonts-dejavu-core poppler-utils chromium gettext zbar-tools \
                libreoffice-calc-nogui

.PHONY: install system-deps db-roles run test check audit clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python >= 3.12 not found"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q uv
	$(VENV)/bin/uv pip install -q --python $(PY) -e '.[dev]'
	touch $@

MO := locale/vi/LC_MESSAGES/django.mo

install: $(VENV)/.installed system-deps $(MO)

$(MO): locale/vi/LC_MESSAGES/django.po | system-deps
	$(PY) manage.py compilemessages -v0 -l vi

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v pg_dump >/dev/null 2>&1 || missing="$$missing postgresql-client"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# The demo's database: the local PostgreSQL when it answers, run as in production (the owner role
# migrates, the portal connects as the application role, the trail is chained and guarded); SQLite
# (db.sqlite3, no chain) on a machine without PostgreSQL; DATABASE_URL when set.
DEMO_DB ?= sodiem_demo
DEMO_OWNER_URL ?= postgres://sodiem_owner@127.0.0.1:5432/$(DEMO_DB)
DEMO_APP_URL ?= postgres://sodiem_app@127.0.0.1:5432/$(DEMO_DB)

run: install
	@set -e; \
	if [ -n "$$DATABASE_URL" ]; then owner="$$DATABASE_URL"; app="$$DATABASE_URL"; \
	elif $(PY) -c "import psycopg; psycopg.connect('$(PG_ADMIN_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  $(PY) manage.py create_db_roles --admin-url $(PG_ADMIN_URL) --database $(DEMO_DB); \
	  owner="$(DEMO_OWNER_URL)"; app="$(DEMO_APP_URL)"; \
	else \
	  echo "No PostgreSQL at $(PG_ADMIN_URL): the demo runs on SQLite (db.sqlite3), without the chained trail"; \
	  owner=""; app=""; \
	fi; \
	DATABASE_URL="$$owner" $(PY) manage.py migrate --noinput; \
	export DATABASE_URL="$$app" SITE_URL=http://$(HOST):$(PORT) FRIENDLY_ERROR_PAGES=true; \
	$(PY) manage.py seed_demo --if-empty --years 4; \
	$(PY) manage.py demo_accounts --url http://$(HOST):$(PORT)/; \
	workers=""; for i in $$(seq $${PRINT_WORKERS:-$$(nproc)}); do \
	  $(PY) manage.py db_worker --no-reload --verbosity 0 & workers="$$workers $$!"; \
	done; \
	trap 'kill $$workers 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# PostgreSQL roles (audit/dbroles.py): the owner migrates, the application role is what the portal
# connects as. Created by a role that may create roles: the local superuser unless PG_ADMIN_URL says.
PG_ADMIN_URL ?= postgres://postgres@127.0.0.1:5432/postgres

db-roles: $(VENV)/.installed
	$(PY) manage.py create_db_roles --admin-url $(PG_ADMIN_URL)

# Tests run against PostgreSQL (the local server unless DATABASE_URL says otherwise) as the owner, who
# creates, migrates and drops the test database; the tests themselves act as the application role.
TEST_DATABASE_URL ?= postgres://sodiem_owner@127.0.0.1:5432/sodiem

test: install db-roles
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) -m pytest -q -n auto --dist loadgroup $(PYTEST_ARGS)

# The production checks CI runs besides the tests.
check: install
	$(PY) manage.py makemigrations --check --dry-run
	DEBUG=false SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	  CERTIFICATE_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))')" \
	  ALLOWED_HOSTS=sodiem.example.edu.vn DATABASE_URL=$(TEST_DATABASE_URL) \
	  $(PY) manage.py check --deploy --fail-level WARNING
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) db.sqlite3 media/ .pytest_cache

# Known vulnerabilities in the pinned dependencies (pip-audit and its advisory service). A found
# vulnerability fails; a package the service cannot be asked about (offline) is reported by pip-audit
# as not audited.
audit: install
	$(VENV)/bin/uv pip freeze --python $(PY) | grep -v -e '^-e ' -e '^sodiem' > .audit-requirements.txt
	$(VENV)/bin/pip-audit --no-deps --disable-pip -r .audit-requirements.txt; status=$$?; \
	  rm -f .audit-requirements.txt; exit $$status
