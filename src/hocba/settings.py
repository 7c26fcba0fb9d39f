"""Django settings, read from the environment (see .env.example).

Development defaults (SQLite under ``var/``, DEBUG off unless asked) make the embedded
demo run with no configuration; ``HOCBA_ENV=production`` removes every default that
must not reach production (secret key, allowed hosts) and turns on the secure flags.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


HOCBA_ENV = env("HOCBA_ENV", "development")
PRODUCTION = HOCBA_ENV == "production"

DATA_DIR = Path(env("HOCBA_DATA_DIR") or (REPO_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

if PRODUCTION:
    SECRET_KEY = env("HOCBA_SECRET_KEY") or ""
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("HOCBA_SECRET_KEY phải được đặt (ít nhất 50 ký tự) khi chạy production.")
    hosts = env("HOCBA_ALLOWED_HOSTS") or ""
    if not hosts:
        raise ImproperlyConfigured("HOCBA_ALLOWED_HOSTS phải được đặt khi chạy production.")
    ALLOWED_HOSTS = [h.strip() for h in hosts.split(",") if h.strip()]
    DEBUG = False
else:
    SECRET_KEY = env("HOCBA_SECRET_KEY") or "dev-only-insecure-key-" + "x" * 40
    hosts = env("HOCBA_ALLOWED_HOSTS") or "localhost,127.0.0.1,[::1],testserver"
    ALLOWED_HOSTS = [h.strip() for h in hosts.split(",")]
    DEBUG = env_bool("HOCBA_DEBUG", False)

CSRF_TRUSTED_ORIGINS = [o for o in (env("HOCBA_CSRF_TRUSTED_ORIGINS") or "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "hocba.core",
    "hocba.org",
    "hocba.people",
    "hocba.gradebook",
    "hocba.records",
    "hocba.signing",
    "hocba.verification",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hocba.core.middleware.RequestIdMiddleware",
    "hocba.core.middleware.ContentSecurityPolicyMiddleware",
    # Family accounts: the first-login password and the e-mailed code come before any page or API route.
    "hocba.verification.middleware.FamilyGateMiddleware",
]

ROOT_URLCONF = "hocba.urls"
WSGI_APPLICATION = "hocba.wsgi.application"
ASGI_APPLICATION = "hocba.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hocba.core.context_processors.navigation",
            ],
        },
    }
]

# Connections persist for HOCBA_DB_CONN_MAX_AGE seconds (60) on both databases: opening one per request
# halved verification throughput (bench/bench_verify.py). SQLite runs in WAL mode (readers never block the
# writer) and takes the write lock at the start of each transaction (IMMEDIATE), waiting up to 30 s for it.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'hocba.sqlite3'}",
        conn_max_age=int(env("HOCBA_DB_CONN_MAX_AGE") or 60),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def cache_setting(kind: str | None, data_dir: Path) -> dict:
    """``CACHES["default"]`` from ``HOCBA_CACHE``: the cache holds the rate limits' counts (verification look-ups,
    e-mailed codes). ``memory`` (default) counts per web process; ``file`` (under HOCBA_DATA_DIR/cache) is shared
    by the processes of one machine; ``database`` by every machine (its table is made by ``hocba serve``, or by
    ``hocba manage createcachetable``)."""
    kind = (kind or "memory").strip().lower()
    if kind == "memory":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if kind == "file":
        return {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(data_dir / "cache"), "OPTIONS": {"MAX_ENTRIES": 100_000}}
    if kind == "database":
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "hocba_cache",
                "OPTIONS": {"MAX_ENTRIES": 100_000}}
    raise ImproperlyConfigured(f"HOCBA_CACHE='{kind}' không hợp lệ: dùng memory, file hoặc database.")


CACHES = {"default": cache_setting(env("HOCBA_CACHE"), DATA_DIR)}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's backend, with failed logins counted and refused past HOCBA_LOGIN_RATE (every login form, the admin's too).
AUTHENTICATION_BACKENDS = ["hocba.core.throttle.ThrottledModelBackend"]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

LANGUAGE_CODE = "vi"
#: Django's Vietnamese formats set "." as the thousands separator but no grouping: counts read 12.000 with
#: ``intcomma`` (USE_THOUSAND_SEPARATOR stays off, so ids and years in attributes and URLs stay plain).
NUMBER_GROUPING = 3
LANGUAGES = [("vi", "Tiếng Việt")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATE_FORMAT = "d/m/Y"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]  # src/hocba/static: hocba itself is not an installed app
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {
        "BACKEND": env("HOCBA_STORAGE_BACKEND") or "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "archive")}
        if not env("HOCBA_STORAGE_BACKEND")
        else {
            "bucket_name": env("HOCBA_S3_BUCKET"),
            "endpoint_url": env("HOCBA_S3_ENDPOINT_URL"),
            "access_key": env("HOCBA_S3_ACCESS_KEY"),
            "secret_key": env("HOCBA_S3_SECRET_KEY"),
        },
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage" if PRODUCTION
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not PRODUCTION

TASKS = {
    "default": {
        "BACKEND": env("HOCBA_TASK_BACKEND") or "django_tasks_db.DatabaseBackend",
    }
}

# Security: secure defaults everywhere, strict in production.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("HOCBA_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("HOCBA_HSTS_SECONDS") or 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
HOCBA_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("HOCBA_LOG_LEVEL") or "WARNING"},
}

# Public base URL printed (as QR code and text) on every học bạ page for verification.
HOCBA_PUBLIC_URL = (env("HOCBA_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")

# Closing a school or the city (PostgreSQL): processes per closing, each with its own connection (unset:
# one per core of the machine running the task).
HOCBA_CLOSING_WORKERS = int(env("HOCBA_CLOSING_WORKERS") or 0) or None

# Signing: the RFC 3161 time-stamping authority (unset: the demo PKI's local TSA when a demo PKI exists),
# the PAdES level ("B-LT" embeds revocation data; "B-T" timestamps only), remote-signing service credentials.
HOCBA_TSA_URL = env("HOCBA_TSA_URL") or None
HOCBA_SIGNING_LEVEL = env("HOCBA_SIGNING_LEVEL") or "B-LT"
HOCBA_REMOTE_SIGNING_CLIENT_ID = env("HOCBA_REMOTE_SIGNING_CLIENT_ID") or ""
HOCBA_REMOTE_SIGNING_CLIENT_SECRET = env("HOCBA_REMOTE_SIGNING_CLIENT_SECRET") or ""
