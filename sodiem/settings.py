"""Sổ Điểm settings, read from the environment.

Development defaults are safe to run on a laptop (DEBUG on, SQLite when DATABASE_URL is unset).
Production: DEBUG=false, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL are required; every security
setting turns on and `manage.py check --deploy --fail-level WARNING` is clean.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from sodiem.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
elif not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters in production")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is false")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The reverse proxies in front of the portal (addresses or networks, e.g. 10.0.0.5,172.16.0.0/12): only
# from them is X-Forwarded-For believed, for the audit trail and the sign-in lockout (sodiem/http.py).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "guardian",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
    "gradebook",
    "transcripts",
    "audit",
    "archive",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "sodiem.middleware.RejectNulMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "accounts.middleware.AccountPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    "sodiem.middleware.FriendlyErrorsMiddleware",
    "sodiem.middleware.DomainErrorMiddleware",
]
# the portal's own 404/500 pages even with DEBUG on (the demo of `make run`)
FRIENDLY_ERROR_PAGES = env_bool("FRIENDLY_ERROR_PAGES", False)

ROOT_URLCONF = "sodiem.urls"
WSGI_APPLICATION = "sodiem.wsgi.application"
ASGI_APPLICATION = "sodiem.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.portal",
            ],
        },
    },
]

# Database: PostgreSQL in production and tests; SQLite only as the demo's embedded default.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        DATABASES = {
            "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
        }
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
    DATABASES["default"]["ATOMIC_REQUESTS"] = False
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    if not DEBUG:
        raise ImproperlyConfigured("DATABASE_URL must be set when DEBUG is false (PostgreSQL)")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # the demo's web server and printing worker write at the same time: wait for the lock
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE"},
        }
    }

# The PostgreSQL role the processes connect as (DATABASE_URL) may not change the trail; migrations run
# as the tables' owner, which grants this role its rights (audit/dbroles.py, docs/integrity.md).
DATABASE_APP_ROLE = env_str("DATABASE_APP_ROLE", "sodiem_app")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]

# scrypt first (memory-hard; Django's parameters N=2^14, r=8, p=5 are one of OWASP's recommended
# settings) at about half the CPU of PBKDF2's 1.5 million rounds: on the morning of a deadline every
# teacher signs in at once (bench/load.py). Older PBKDF2 hashes still verify and are upgraded at login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-axes: lock an account (username) after repeated failures, for a while.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
# Lock the pair (username, address): the teachers of a school share one public address, so locking by
# address would lock out the school, and locking by username would let a stranger lock a teacher out;
# a username attacked from many addresses is slowed instead (accounts/signin.py). The address is the
# client's behind a trusted proxy only (sodiem/http.py).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "sodiem.http.lockout_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# django-guardian
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Internationalisation: Vietnamese UI, English available.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Evidence of corrections and archived documents: outside any URL, read only through views that check
# the right (the storage cannot even produce a link).
PRIVATE_ROOT = Path(env_str("PRIVATE_ROOT", str(MEDIA_ROOT / "private")))
STORAGES["private"] = {
    "BACKEND": "sodiem.storage.PrivateFileStorage",
    "OPTIONS": {"location": str(PRIVATE_ROOT)},
}
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
EVIDENCE_MAX_FILES = 10

# The address printed in the QR code of every document (its public verification page).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# Key that encrypts the schools' signing certificates at rest; derived from SECRET_KEY when unset.
# Changing it (or SECRET_KEY without it) makes the stored certificates unreadable: set it in production.
CERTIFICATE_KEY = env_str("CERTIFICATE_KEY", "")
# The printed forms' font files (transcripts/fonts.py): Debian's fonts-liberation2 and fonts-dejavu-core
PDF_FONT_DIR = env_str("PDF_FONT_DIR", "/usr/share/fonts/truetype/liberation2")
PDF_SYMBOL_FONT_DIR = env_str("PDF_SYMBOL_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
# An RFC 3161 timestamp authority (its URL): when set, every signature carries a timestamp from it, and
# signing is refused while it cannot be reached. Unset: the signing time is the server's clock.
TIMESTAMP_URL = env_str("TIMESTAMP_URL", "")
TIMESTAMP_TIMEOUT = env_int("TIMESTAMP_TIMEOUT", 10)
VERIFY_MAX_BYTES = env_int("VERIFY_MAX_BYTES", 30 * 1024 * 1024)
# The key of the chain seals (audit/seals.py): derived from CERTIFICATE_KEY (or SECRET_KEY) when unset.
# It must stay outside the database; changing it leaves older seals uncheckable.
INTEGRITY_KEY = env_str("INTEGRITY_KEY", "")
# A copy of every seal outside the database (on the private files' volume by default).
INTEGRITY_SEAL_FILE = env_str("INTEGRITY_SEAL_FILE", str(PRIVATE_ROOT / "integrity" / "seals.jsonl"))

# Background work (printing batches): Django's tasks framework with a database-backed queue and
# worker (`manage.py db_worker`); several workers render in parallel.
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
MEDIA_URL = "/media/"  # never served publicly: private files go through permission-checked views

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env_bool("USE_REDIS_CACHE", not DEBUG):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# E-mail (Django 6.1 MAILERS): console in development, SMTP in production.
MAILERS = {
    "default": (
        {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
        if DEBUG
        else {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 587),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
            },
        }
    )
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "so-diem@localhost")

# Sessions and cookies
# Sessions read from the cache (Redis when deployed) and written through to the database: a request
# costs no session query; sign-out and expiry remove both copies.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 3600)
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},
    },
}

# School-level defaults (each school may override in its settings page).
SODIEM_PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 180)
SODIEM_BULK_IMPORT_MAX_ROWS = env_int("BULK_IMPORT_MAX_ROWS", 2000)

# A month of attendance is one form: up to 45 students × 31 days of cells (Django's default is 1000).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 4000
