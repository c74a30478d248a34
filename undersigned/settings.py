"""One env-driven settings module with a zero-config default.

Every variable is documented in docs/configuration.md; tests/test_configuration.py checks
that the two agree. Malformed values fail loudly at start-up rather than half-working.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE (for secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name, "")
    if value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = env(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def data_dir() -> Path:
    """The data folder (database, disk cache, generated keys), never inside the package:
    from inside the source tree, the default `./data` would put the keys where a commit or a
    built package takes them along, so that stops the start instead."""
    folder = Path(env("UNDERSIGNED_DATA_DIR", str(Path.cwd() / "data"))).resolve()
    if folder.is_relative_to(BASE_DIR):
        raise ImproperlyConfigured(
            f"The data folder {folder} is inside the source tree ({BASE_DIR}), where its keys "
            "and database would be committed or packaged with the code. Run undersigned from "
            "another folder, or set UNDERSIGNED_DATA_DIR to a folder outside the source tree."
        )
    return folder


DATA_DIR = data_dir()
SECRET_NAMES = ("SECRET_KEY", "DEDUP_KEY", "OUTBOX_KEY", "CLIENT_HASH_KEY", "LOG_KEY")


def _local_secrets() -> dict[str, str]:
    """Server-held keys for a zero-config instance, kept in the data folder and never in the
    database, so a dump or backup alone cannot reverse the keyed hashes or open the outbox.
    Production sets them through the environment (or *_FILE) instead."""
    path = DATA_DIR / "secrets.json"
    stored: dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text())
    if all(stored.get(k) for k in SECRET_NAMES):
        return stored
    stored |= {k: secrets.token_urlsafe(48) for k in SECRET_NAMES if not stored.get(k)}
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(stored, fh)
    os.replace(tmp, path)
    return stored


_local = {} if all(env(k) for k in SECRET_NAMES) else _local_secrets()

SECRET_KEY = env("SECRET_KEY") or _local["SECRET_KEY"]
# HMAC key for duplicate detection of normalised emails (per statement).
DEDUP_KEY = env("DEDUP_KEY") or _local["DEDUP_KEY"]
# Symmetric key that protects an address only until its email is sent.
OUTBOX_KEY = env("OUTBOX_KEY") or _local["OUTBOX_KEY"]
CLIENT_HASH_KEY = env("CLIENT_HASH_KEY") or _local["CLIENT_HASH_KEY"]  # rate limits' hash
LOG_KEY = env("LOG_KEY") or _local["LOG_KEY"]  # the count log's signing key (statements/tlog)

DEBUG = env_bool("DEBUG", False)
# The onion service (docs/tor.md); `serve` sets UNDERSIGNED_ONION_LISTENER for tor's listener.
ONION_ADDRESS = env("ONION_ADDRESS").lower()
ONION_LISTENER = env_bool("UNDERSIGNED_ONION_LISTENER", False)
ONION_SIGN_LIMITS = env_list("ONION_SIGN_LIMITS", "100/60,2000/3600")  # per statement
ONION_WAIT_SECONDS = env_int("ONION_WAIT_SECONDS", 20)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
ALLOWED_HOSTS += [ONION_ADDRESS] if ONION_ADDRESS else []
SITE_URL = env("SITE_URL", f"http://127.0.0.1:{env_int('SERVE_PORT', 8000)}").rstrip("/")
SITE_NAME = env("SITE_NAME", "undersigned")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_countries",
    "undersigned.statements",
    "undersigned.public",
    "undersigned.delivery",
    "undersigned.control",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "undersigned.public.middleware.SecurityHeadersMiddleware",
    "undersigned.public.onion.OnionLocationMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "undersigned.public.compression.PublicGZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "undersigned.public.errors.StyledErrorsMiddleware",
    "undersigned.public.middleware.StaffCsrfViewMiddleware",  # its cookie for staff only
    # Sessions, staff log-in (with OTP) and messages, under /control/ and /admin/ only.
    "undersigned.public.middleware.StaffOnlyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "undersigned.urls"
WSGI_APPLICATION = "undersigned.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "undersigned.public.context_processors.site",
            ],
        },
    },
]

DATABASE_URL = env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'undersigned.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600)}
SQLITE_SYNCHRONOUS = env("SQLITE_SYNCHRONOUS", "NORMAL").upper()
if SQLITE_SYNCHRONOUS not in ("NORMAL", "FULL", "EXTRA"):
    raise ImproperlyConfigured(
        f"SQLITE_SYNCHRONOUS must be NORMAL, FULL or EXTRA, not {SQLITE_SYNCHRONOUS!r}"
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = None
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue on busy_timeout instead of failing mid-transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # secure_delete zeroes the space freed by a deleted or rewritten row, so erased and
        # purged personal data does not linger in the database file (P4, P8).
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA secure_delete=ON;"
            f"PRAGMA synchronous={SQLITE_SYNCHRONOUS};"
            "PRAGMA busy_timeout=20000;"
            # Checkpoints run in a background thread of each server process
            # (lib/checkpointer.py); this is the safety net should that thread stop.
            "PRAGMA wal_autocheckpoint=20000;"
        ),
    }
    # Tests use a file too, not memory: the canary and export tests read the raw bytes and
    # copy the file, as someone holding a seized disk or a backup would.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
else:
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, with a health check only for connections that sat idle.
        DATABASES["default"]["ENGINE"] = "undersigned.backends.postgresql"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env_bool("DATABASE_PREPARE", True) and "postgresql" in DATABASES["default"]["ENGINE"]:
        # Lets backends/postgresql prepare the signing and confirming writes on each connection
        # (Django's own queries bind on the client and never prepare). Set DATABASE_PREPARE
        # to 0 behind a transaction-mode pooler that cannot keep prepared statements.
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
    if env_bool("DATABASE_POOL", False):
        # psycopg 3's pool instead of a connection per thread: only for many threads.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 1, "max_size": 4}

REDIS_URL = env("REDIS_URL")
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "undersigned.backends.redis.RedisCache",  # fails open (issue 14)
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "undersigned"),
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},  # bound a hung Redis
        }
    }
else:
    # One machine: a disk cache shared by every worker process, which rate limits need
    # (local memory would give each its own limits). Django's file cache lists its whole
    # folder on every write: each signature cost milliseconds once the limits had keys.
    CACHES = {
        "default": {
            "BACKEND": "undersigned.backends.diskcache.DiskCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "TIMEOUT": 300,
            "SHARDS": 4,
            "DATABASE_TIMEOUT": 1.0,
            # Entries expire on their own; what is cached can be rebuilt, so a cache write
            # need not wait for the disk.
            "OPTIONS": {
                "size_limit": 2**30,
                "eviction_policy": "none",
                "sqlite_synchronous": 0,
                "statistics": 0,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("uk", _("Ukrainian")),
    ("ru", _("Russian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = USE_TZ = True
TIME_ZONE = env("TIME_ZONE", "UTC")

STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT") or None
# Serve the package's own static files straight from the installed apps: no collectstatic
# step, and WhiteNoise sets long-lived caching headers.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False
WHITENOISE_MAX_AGE = 3600

# Staff log in at /control/ with a password and a TOTP code (django-otp).
LOGIN_URL = "/control/login/"
LOGIN_REDIRECT_URL = "/control/"
OTP_TOTP_ISSUER = SITE_NAME
# Where a contact's answer to a moderator's question goes (Reply-To); empty: no Reply-To.
MODERATION_REPLY_TO = env("MODERATION_REPLY_TO")

# Public pages carry no cookie; staff pages use a session that expires.
SESSION_COOKIE_AGE = env_int("STAFF_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
HTTPS = SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True) and not ONION_LISTENER
SECURE_HSTS_SECONDS, SECURE_HSTS_INCLUDE_SUBDOMAINS = (31536000 if HTTPS else 0), HTTPS
# Preloading is a promise to browsers that is slow to undo, so it is the operator's choice;
# without it Django's check --deploy warns (W021), which we silence deliberately.
SECURE_HSTS_PRELOAD = HTTPS and env_bool("HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# The admin's checks want sessions, log-in and messages in MIDDLEWARE, W003 Django's own CSRF
# middleware: StaffOnlyMiddleware and StaffCsrfViewMiddleware stand in (public/middleware.py).
SILENCED_SYSTEM_CHECKS += ["admin.E408", "admin.E409", "admin.E410", "security.W003"]
SECURE_REFERRER_POLICY = "same-origin"  # no-referrer: Chromium posts Origin null, CSRF says 403
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS") or [SITE_URL]
CSRF_FAILURE_VIEW = "undersigned.public.errors.csrf_failure"

# Proxies whose X-Forwarded-For we believe; empty means use the socket address.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
elif env_bool("EMAIL_TO_CONSOLE", False):  # `undersigned demo` only: it prints every link
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:  # nothing is sent or printed: emails wait in the queue (delivery/backends.py)
    EMAIL_BACKEND = "undersigned.delivery.backends.NoSmtpBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "undersigned <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Signing and confirming.
CONFIRM_LINK_HOURS = env_int("CONFIRM_LINK_HOURS", 72)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 10)
# A worker that dies mid-send leaves its claim; another takes the message after this long.
OUTBOX_LOCK_SECONDS = env_int("OUTBOX_LOCK_SECONDS", 300)
COUNT_SHARDS = env_int("COUNT_SHARDS", 8)
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 2)
MICRO_CACHE_SECONDS = env_int("MICRO_CACHE_SECONDS", 1)  # a process's own page copy (0: off)
SIGNERS_PER_PAGE = env_int("SIGNERS_PER_PAGE", 50)
SUPPRESS_BELOW = env_int("SUPPRESS_BELOW", 10)  # P9: a count below it is "fewer than N"
# Signers from these countries are not listed unless they choose to be; neutral emails.
HIGH_RISK_COUNTRIES = [c.upper() for c in env_list("HIGH_RISK_COUNTRIES", "RU,BY")]
NEUTRAL_SENDER_NAME = env("NEUTRAL_SENDER_NAME", "Notifications")
STATS_HIDDEN_COUNTRIES = env_list("STATS_HIDDEN_COUNTRIES", ",".join(HIGH_RISK_COUNTRIES))
# A signer who picks no visibility gets this (1 public … 4 not public); high-risk: 4.
DEFAULT_VISIBILITY = env_int("DEFAULT_VISIBILITY", 4)
if DEFAULT_VISIBILITY not in (1, 2, 3, 4):
    raise ImproperlyConfigured("DEFAULT_VISIBILITY must be 1, 2, 3 or 4")
# Retention (P8): `undersigned purge`, which the worker runs every PURGE_EVERY_MINUTES.
UNCONFIRMED_RETENTION_DAYS = env_int("UNCONFIRMED_RETENTION_DAYS", 7)
PURGE_EVERY_MINUTES = env_int("PURGE_EVERY_MINUTES", 60)
LOG_CHECKPOINT_SECONDS = env_int("LOG_CHECKPOINT_SECONDS", 60)
# How often the worker emails moderators a digest of endorsements waiting (0: never).
DIGEST_EVERY_HOURS = env_int("DIGEST_EVERY_HOURS", 24)
# Default organisers' public key (base64) for statements imported without one.
ORGANISERS_PUBLIC_KEY = env("ORGANISERS_PUBLIC_KEY")

# Abuse resistance (see undersigned/public/screening.py). Limits are COUNT/SECONDS per
# statement and client hash; over a limit a signature is stored quarantined, silently.
SIGN_BURST_LIMIT = env("SIGN_BURST_LIMIT", "1/60")
SIGN_SUSTAINED_LIMIT = env("SIGN_SUSTAINED_LIMIT", "5/300")
SIGN_DOMAIN_LIMIT = env("SIGN_DOMAIN_LIMIT", "30/600")
# Big mail providers whose volume is normal and carries no signal for the domain limit.
SIGN_DOMAIN_EXEMPT = env_list(
    "SIGN_DOMAIN_EXEMPT",
    "gmail.com,googlemail.com,yahoo.com,outlook.com,hotmail.com,live.com,icloud.com,"
    "proton.me,protonmail.com,yandex.ru,ya.ru,mail.ru,bk.ru,inbox.ru,list.ru,rambler.ru,"
    "ukr.net,i.ua,meta.ua,gmx.de,gmx.net,web.de",
)
# Signatures without proof-of-work (no JavaScript) per client hash per statement per day.
SIGN_NO_POW_PER_DAY = env_int("SIGN_NO_POW_PER_DAY", 3)
# Confirmation emails any one address may receive per day, across statements.
CONFIRM_EMAILS_PER_ADDRESS = env_int("CONFIRM_EMAILS_PER_ADDRESS", 3)
SIGN_MIN_FILL_SECONDS = env_int("SIGN_MIN_FILL_SECONDS", 3)
POW_MAX_NUMBER = env_int("POW_MAX_NUMBER", 100_000)
ONION_POW_MAX_NUMBER = env_int("ONION_POW_MAX_NUMBER", 1_000_000)
POW_EXPIRES_MINUTES = env_int("POW_EXPIRES_MINUTES", 20)
BLOCK_DISPOSABLE_DOMAINS = env_bool("BLOCK_DISPOSABLE_DOMAINS", True)
# Trending sources: signatures per source per hour worth showing, and worth an email.
TRENDING_REPORT_MIN = env_int("TRENDING_REPORT_MIN", 5)
TRENDING_ALERT_MIN = env_int("TRENDING_ALERT_MIN", 30)
TRENDING_RETENTION_DAYS = env_int("TRENDING_RETENTION_DAYS", 14)
# Days a signature keeps the rotating client hash that bulk invalidation can match.
ABUSE_RETENTION_DAYS = env_int("ABUSE_RETENTION_DAYS", 7)
SERVE_HOST, SERVE_PORT = env("SERVE_HOST", "127.0.0.1"), env_int("SERVE_PORT", 8000)
SERVE_WORKERS = env_int("SERVE_WORKERS", max(1, (os.cpu_count() or 1)))
SERVE_THREADS = env_int("SERVE_THREADS", 6)  # so admission sees the queue (public/admission.py)
# Admission control, per process: submissions in hand, ms to be written, waiting for a slot.
SIGN_MAX_IN_FLIGHT = env_int("SIGN_MAX_IN_FLIGHT", 1)
SIGN_BUDGET_MS = env_int("SIGN_BUDGET_MS", 1000)
SIGN_MAX_WAITING = env_int("SIGN_MAX_WAITING", max(0, SERVE_THREADS - SIGN_MAX_IN_FLIGHT - 2))

LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING: dict[str, object] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Link tokens in logged paths (a 404 on a confirm link) would let a log reader act.
    "filters": {"redact": {"()": "undersigned.lib.logredact.RedactTokens"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # The plain formatter prints only the message (method-less path and status), never
        # request.META, so no client address reaches a log.
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
