"""Django settings for paperwire. Every value comes from paperwire.conf (env or TOML)."""

import os
from pathlib import Path
from urllib.parse import urlsplit

from paperwire.conf import (
    database_from_url,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_str,
    secret_key,
)
from paperwire.lib.datadir import PRIVATE_UMASK, make_private

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("PAPERWIRE_DATA_DIR")).expanduser().resolve()
# Whatever umask paperwire was started with, what it writes (database, WAL, indexes,
# backups) is its user's alone: the database holds live session keys.
os.umask(PRIVATE_UMASK)

SECRET_KEY = secret_key(DATA_DIR)
DEBUG = env_bool("PAPERWIRE_DEBUG")
BASE_URL = env_str("PAPERWIRE_BASE_URL").rstrip("/")

_base_host = urlsplit(BASE_URL).hostname or "localhost"
ALLOWED_HOSTS = sorted(
    {_base_host, "localhost", "127.0.0.1", "[::1]"}
    | {h.strip() for h in env_str("PAPERWIRE_ALLOWED_HOSTS").split(",") if h.strip()}
)
CSRF_TRUSTED_ORIGINS = ([f"{urlsplit(BASE_URL).scheme}://{urlsplit(BASE_URL).netloc}"]
                        if BASE_URL else [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_tasks",
    "django_tasks_db",
    "paperwire.papers",
    "paperwire.ingest",
    "paperwire.schedule",
    "paperwire.search",
    "paperwire.api",
    "paperwire.front",
    "paperwire.feeds",
    "paperwire.community",
    "paperwire.digests",
    "paperwire.library",
    "paperwire.metrics",
    "paperwire.reader",
    "paperwire.deliveries",
    "paperwire.agents",
    "paperwire.enrich",
    # Serves the API docs' Swagger UI from its own static files rather than a CDN.
    "ninja",
]

MIDDLEWARE = [
    # First, so it times everything below it, static files included.
    "paperwire.metrics.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside everything that sets headers or ETags on the content it compresses.
    "paperwire.front.middleware.PublicGZipMiddleware",
    "paperwire.api.middleware.ReadApiCorsMiddleware",
    "paperwire.front.middleware.StrictTransportSecurityMiddleware",
    "paperwire.front.middleware.ContentSecurityPolicyMiddleware",
    # Before anything reads the session cookie or a form: NUL and lone surrogates refused.
    "paperwire.front.inputs.RefuseUnstorableInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # With no PAPERWIRE_BASE_URL, links in mail follow the request's (checked) address.
    "paperwire.lib.urls.RequestSiteUrlMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "paperwire.front.middleware.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# Which process answered: off by default, for tests and debugging of several workers.
if env_bool("PAPERWIRE_PROCESS_HEADER"):
    MIDDLEWARE.insert(0, "paperwire.front.middleware.ProcessHeaderMiddleware")

ROOT_URLCONF = "paperwire.urls"
WSGI_APPLICATION = "paperwire.wsgi.application"

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
            ],
        },
    },
]

SQLITE_BUSY_TIMEOUT = env_int("PAPERWIRE_SQLITE_BUSY_TIMEOUT")
DATABASES = {
    "default": database_from_url(
        env_str("PAPERWIRE_DATABASE_URL"), DATA_DIR, SQLITE_BUSY_TIMEOUT
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
_db_files = ([Path(DATABASES["default"]["NAME"] + suffix) for suffix in ("", "-wal", "-shm")]
             if DATABASES["default"]["ENGINE"].endswith("sqlite3") else [])
# (path, old mode, new mode) of what had looser modes; `paperwire init` reports them.
DATA_DIR_TIGHTENED = make_private(DATA_DIR, _db_files)

# /metrics (Bearer token; off when empty). gunicorn's workers are separate processes:
# prometheus_client adds up the files each writes here. It reads the variable when it is
# first imported, which is after settings.
METRICS_TOKEN = env_str("PAPERWIRE_METRICS_TOKEN")
METRICS_DIR = DATA_DIR / "metrics"
METRICS_DIR.mkdir(mode=0o700, exist_ok=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(METRICS_DIR)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        # "embedding" has a lane of its own in `paperwire worker` (search/tasks.py).
        "QUEUES": ["default", "embedding"],
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("PAPERWIRE_TIME_ZONE")
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the package: no collectstatic step on install.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = BASE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Strict-Transport-Security max-age, sent only when BASE_URL is https (0: never).
HSTS_SECONDS = env_int("PAPERWIRE_HSTS_SECONDS")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "pw-login"
LOGIN_REDIRECT_URL = "pw-home"
# Reset links (auth's tokens.py: derived from user state, dead once used) last 3 days.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

# Community: submissions, mail, rate limits.
SUBMISSION_WINDOW_DAYS = env_int("PAPERWIRE_SUBMISSION_WINDOW_DAYS")
DEFAULT_FROM_EMAIL = env_str("PAPERWIRE_MAIL_FROM")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
TRUST_X_FORWARDED_FOR = env_bool("PAPERWIRE_TRUST_X_FORWARDED_FOR")
if TRUST_X_FORWARDED_FOR:
    # The same proxy says whether the client came over HTTPS (secure cookies, redirects).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Outgoing mail: Django's SMTP backend, configured here for every message paperwire sends.
EMAIL_HOST = env_str("PAPERWIRE_SMTP_HOST")
# No host: mail is not set up, and every message goes to the server log (lib/mail.py).
EMAIL_BACKEND = ("django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
                 else "paperwire.lib.mail.LogBackend")
EMAIL_PORT = env_int("PAPERWIRE_SMTP_PORT")
_smtp_tls = env_choice("PAPERWIRE_SMTP_TLS", ("none", "starttls", "ssl"))
EMAIL_USE_TLS = _smtp_tls == "starttls"
EMAIL_USE_SSL = _smtp_tls == "ssl"
EMAIL_HOST_USER = env_str("PAPERWIRE_SMTP_USER")
EMAIL_HOST_PASSWORD = env_str("PAPERWIRE_SMTP_PASSWORD")
EMAIL_TIMEOUT = env_float("PAPERWIRE_SMTP_TIMEOUT")

# Digests: when the worker builds and sends them, and how failures are handled.
DIGEST_DAILY_SCHEDULE = env_str("PAPERWIRE_DIGEST_DAILY_SCHEDULE")
DIGEST_WEEKLY_SCHEDULE = env_str("PAPERWIRE_DIGEST_WEEKLY_SCHEDULE")
DIGEST_RETRY_DELAY = env_float("PAPERWIRE_DIGEST_RETRY_DELAY")
DIGEST_MAX_HARD_FAILURES = env_int("PAPERWIRE_DIGEST_MAX_HARD_FAILURES")
DIGEST_SEND_SHARE = max(1, env_int("PAPERWIRE_DIGEST_SEND_SHARE"))

# Deliveries: destinations beyond email (webhooks, Slack, Discord).
DELIVERY_SCHEDULE = env_str("PAPERWIRE_DELIVERY_SCHEDULE")
DELIVERY_RETRY_DELAY = env_float("PAPERWIRE_DELIVERY_RETRY_DELAY")
DELIVERY_MAX_FAILURES = max(1, env_int("PAPERWIRE_DELIVERY_MAX_FAILURES"))
DELIVERY_TIMEOUT = env_float("PAPERWIRE_DELIVERY_TIMEOUT")
WEBHOOK_ALLOW_PRIVATE = env_bool("PAPERWIRE_WEBHOOK_ALLOW_PRIVATE")

# Lists and feeds: ETag always; shared page cache and Cache-Control max-age when > 0.
PAGE_CACHE_SECONDS = env_int("PAPERWIRE_PAGE_CACHE_SECONDS")

# Outgoing HTTP (ingestion sources).
ARXIV_API_URL = env_str("PAPERWIRE_ARXIV_API_URL")
OAI_URL = env_str("PAPERWIRE_OAI_URL")
DAILY_URL = env_str("PAPERWIRE_DAILY_URL")
ARXIV_DELAY = env_float("PAPERWIRE_ARXIV_DELAY")
HTTP_TIMEOUT = env_float("PAPERWIRE_HTTP_TIMEOUT")
HTTP_RETRIES = env_int("PAPERWIRE_HTTP_RETRIES")
HTTP_BACKOFF = env_float("PAPERWIRE_HTTP_BACKOFF")

# Enrichment (the enrich app): sources and the scheduled refresh.
HUB_API_URL = env_str("PAPERWIRE_HUB_API_URL")
GITHUB_API_URL = env_str("PAPERWIRE_GITHUB_API_URL")
GITHUB_TOKEN = env_str("PAPERWIRE_GITHUB_TOKEN")
ARXIV_PDF_URL = env_str("PAPERWIRE_ARXIV_PDF_URL")
ARXIV_HTML_URL = env_str("PAPERWIRE_ARXIV_HTML_URL")
THUMBNAILS = env_bool("PAPERWIRE_THUMBNAILS")
ENRICH_SCHEDULE = env_str("PAPERWIRE_ENRICH_SCHEDULE")
ENRICH_DAYS = max(1, env_int("PAPERWIRE_ENRICH_DAYS"))
ENRICH_BATCH = max(1, env_int("PAPERWIRE_ENRICH_BATCH"))
ENRICH_REFRESH_HOURS = env_float("PAPERWIRE_ENRICH_REFRESH_HOURS")
ENRICH_DELAY = env_float("PAPERWIRE_ENRICH_DELAY")

# Search: the embedding model and the hybrid ranking.
EMBEDDING_MODEL = env_str("PAPERWIRE_EMBEDDING_MODEL")
EMBEDDING_MAX_TOKENS = env_int("PAPERWIRE_EMBEDDING_MAX_TOKENS")
EMBEDDING_PRECISION = env_str("PAPERWIRE_EMBEDDING_PRECISION")
EMBEDDING_DEVICE = env_str("PAPERWIRE_EMBEDDING_DEVICE")
EMBEDDING_QUERY_WEIGHTS = env_str("PAPERWIRE_EMBEDDING_QUERY_WEIGHTS").strip().lower()
EMBEDDING_RUNTIME = env_str("PAPERWIRE_EMBEDDING_RUNTIME").strip().lower()
# None: chosen by device (search.embeddings.default_batch_size).
EMBEDDING_BATCH = (None if env_str("PAPERWIRE_EMBEDDING_BATCH").strip().lower() == "auto"
                   else max(1, env_int("PAPERWIRE_EMBEDDING_BATCH")))
EMBED_ON_INGEST = env_bool("PAPERWIRE_EMBED_ON_INGEST")
SEARCH_ANN_THRESHOLD = env_int("PAPERWIRE_SEARCH_ANN_THRESHOLD")
SEARCH_ANN_EF = env_int("PAPERWIRE_SEARCH_ANN_EF")
SEARCH_FUSION = env_str("PAPERWIRE_SEARCH_FUSION")
SEARCH_RRF_K = env_int("PAPERWIRE_SEARCH_RRF_K")
SEARCH_LEXICAL_WEIGHT = env_float("PAPERWIRE_SEARCH_LEXICAL_WEIGHT")
SEARCH_SEMANTIC_WEIGHT = env_float("PAPERWIRE_SEARCH_SEMANTIC_WEIGHT")
SEARCH_MIN_SIMILARITY = env_float("PAPERWIRE_SEARCH_MIN_SIMILARITY")
SEARCH_MIN_LEXICAL = env_float("PAPERWIRE_SEARCH_MIN_LEXICAL")
SEARCH_PASSAGES = env_bool("PAPERWIRE_SEARCH_PASSAGES")
SEARCH_CACHE_SECONDS = env_int("PAPERWIRE_SEARCH_CACHE_SECONDS")

# Scheduled work (`paperwire worker`, or the worker `paperwire serve` starts).
INGEST_SOURCES = [
    s.strip().replace("+", ",") for s in env_str("PAPERWIRE_INGEST_SOURCES").split(",")
    if s.strip()
]
INGEST_SCHEDULE = env_str("PAPERWIRE_INGEST_SCHEDULE")
INGEST_RETRY = env_int("PAPERWIRE_INGEST_RETRY")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "paperwire.lib.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": env_str("PAPERWIRE_LOG_FORMAT")},
    },
    "root": {"handlers": ["console"], "level": env_str("PAPERWIRE_LOG_LEVEL").upper()},
    "loggers": {
        # Per-request access lines come from the server; keep Django's own quiet.
        "django.server": {"level": "WARNING"},
    },
}
