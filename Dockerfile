# Production image: gunicorn serving Django; static files by WhiteNoise.
FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=false
RUN apt-get update && apt-get install -y --no-install-recommends \
        fonts-liberation2 fonts-dejavu-core poppler-utils gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY sodiem sodiem
COPY accounts accounts
COPY gradebook gradebook
COPY transcripts transcripts
COPY audit audit
COPY archive archive
RUN pip install --no-cache-dir .
COPY . .
RUN SECRET_KEY=build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(48))') \
    ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build \
    python manage.py compilemessages -l vi && \
    SECRET_KEY=build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(48))') \
    ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --noinput
RUN useradd --system --uid 1000 sodiem && mkdir -p /app/media /backups && chown sodiem /app/media /backups
USER sodiem
EXPOSE 8000
CMD ["gunicorn", "sodiem.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
