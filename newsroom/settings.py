"""Settings for Newsroom, read once from the environment (and an optional `.env` file)."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from newsroom.cache_config import cache_config, is_shared

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or in .env "
            "(only DEBUG=1 runs with a development key)."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

NEWSROOM_SITE_NAME = env.str("NEWSROOM_SITE_NAME", default="Newsroom")
# The admin's address; moving it off /admin/ keeps scanners away.
ADMIN_URL = env.str("ADMIN_URL", default="admin/").strip("/") + "/"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "taggit",
    "axes",
    "csp",
    "articles",
    "articles.editorial",
    "references",
    "feedback",
    "newsroom.delivery",
    "newsroom.api",
    "webhooks",
    "images",
    "ninja",  # its API docs page's scripts and styles, served from here (no CDN)
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "newsroom.request_log.RequestLogMiddleware",
    # Outside the rest, so that the API's errors read as problems whoever answered them.
    "newsroom.api.middleware.ApiProblemsMiddleware",
    # Outside every middleware that can refuse a vote (CSRF, hosts), so those refusals read too.
    "feedback.middleware.VoteErrorsAsJsonMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A 400 for NUL in parameters and non-UTF-8 forms, before anything reads them.
    "newsroom.bad_requests.BadRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    # Public pages are answered from the cache here, before sessions, CSRF and auth run.
    "newsroom.delivery.middleware.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out logins
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

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
                "newsroom.context_processors.site",
            ],
        },
    },
]

# An empty DATABASE_URL or CACHE_URL means "use the default", as an unset one does.
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A write transaction takes SQLite's write lock when it begins, not at its first write,
    # and waits up to 20 s for it: concurrent writers (the server, the worker, an import) queue
    # instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
# Keep each worker's connection open between requests (opening one costs a PostgreSQL process
# start); checked before reuse, so a restarted database costs a reconnection, not an error.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    # Shared by every worker, command and app server (newsroom/cache_config.py says how).
    "default": cache_config(env.str("CACHE_URL", default="")),
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
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

# Uploaded images and their renditions, in the default storage: files under MEDIA_ROOT, served
# at MEDIA_URL by images.views (README, "Images"). An absolute MEDIA_URL (a CDN, object storage)
# is used in pages as it is, and this site serves no media. Share cards are stored there too
# (under share-cards/), so the app must be able to write it. A relative path is taken from the
# project folder.
MEDIA_ROOT = BASE_DIR / env.str("MEDIA_ROOT", default="media")
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
if not MEDIA_URL.endswith("/"):
    MEDIA_URL += "/"
# The largest image accepted, in bytes and in pixels (a small file can decode to gigabytes).
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)

TAGGIT_CASE_INSENSITIVE = True

# Security. HTTPS is on by default in production; `make serve` turns it off to run on localhost.
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
# Health probes (a load balancer's, the edge's) ask over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/|$)"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Markdown tables align cells with style attributes; no script can run from a style.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "https:", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
PERMISSIONS_POLICY = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
    "interest-cohort": [],
}

# Admin logins (django-axes, counted in the database; newsroom/login_lockout.py says how): locked
# for an hour after AXES_FAILURE_LIMIT failures of one username from one address, and, for
# addresses the username never logged in from, after LOGIN_ADDRESS_FAILURE_LIMIT failures from
# the address or LOGIN_USERNAME_FAILURE_LIMIT failures of the username from anywhere.
AXES_HANDLER = "newsroom.login_lockout.LoginLockoutHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
LOGIN_USERNAME_FAILURE_LIMIT = env.int("LOGIN_USERNAME_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # what a successful login resets
AXES_RESET_ON_SUCCESS = True

# Public pages are cached for PAGE_CACHE_SECONDS (0 turns the cache off; off by default in
# development, so template edits show at once); CDNs may keep them for CDN_CACHE_SECONDS.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=0 if DEBUG else 600)
CDN_CACHE_SECONDS = env.int("CDN_CACHE_SECONDS", default=60)

# The edge: an HTTP cache in front of the app servers (the shipped Varnish, or a CDN) that keeps
# public pages for EDGE_CACHE_SECONDS and is purged by content key after every write. Which kind
# sets the keys header and how purges are sent (newsroom/delivery/edge.py); with no
# EDGE_PURGE_URLS nothing is purged, and edges and CDNs keep pages CDN_CACHE_SECONDS only.
EDGE_KINDS = ("varnish", "fastly", "cloudflare")
EDGE_KIND = env.str("EDGE_KIND", default="varnish")
EDGE_PURGE_URLS = env.list("EDGE_PURGE_URLS", default=[])
EDGE_PURGE_TOKEN = env.str("EDGE_PURGE_TOKEN", default="")
EDGE_CACHE_SECONDS = env.int("EDGE_CACHE_SECONDS", default=86_400)
if EDGE_KIND not in EDGE_KINDS:
    raise ImproperlyConfigured(f"EDGE_KIND={EDGE_KIND!r} is not one of {', '.join(EDGE_KINDS)}.")
if EDGE_PURGE_URLS and EDGE_KIND != "varnish" and not EDGE_PURGE_TOKEN:
    raise ImproperlyConfigured(
        f"EDGE_KIND={EDGE_KIND} purges through the CDN's API: set EDGE_PURGE_TOKEN to an API "
        "token allowed to purge by key (tag)."
    )
if PAGE_CACHE_SECONDS and not DEBUG and not is_shared(CACHES["default"]):
    raise ImproperlyConfigured(
        "CACHE_URL points at one process's memory (or none), which gunicorn's other workers and "
        "import_articles cannot see: they would serve pages older than the last edit. Leave "
        "CACHE_URL empty (a cache table in the database) or use Redis, or set PAGE_CACHE_SECONDS=0."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "newsroom.request_log.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # newsroom.request logs every request once; Django's request logger adds only the
        # tracebacks of server errors, and runserver's own access log is left out.
        "django.request": {"level": "ERROR"},
        "django.server": {"handlers": [], "propagate": False},
        "axes": {"level": "WARNING"},
    },
}

# Publication gates (articles/editorial/gates.py): an article the pipeline asks to publish goes
# live only if it passes every gate in PUBLISH_GATES (empty: none); one that fails waits in review
# for an editor, who may publish it anyway with a recorded reason.
PUBLISH_GATE_NAMES = ("references", "citations", "provenance", "quality", "duplicate")
PUBLISH_GATES = [
    name.strip()
    for name in env.list("PUBLISH_GATES", default=list(PUBLISH_GATE_NAMES))
    if name.strip()
]
PUBLISH_MIN_REFERENCES = env.int("PUBLISH_MIN_REFERENCES", default=2)
PUBLISH_MIN_QUALITY = env.float("PUBLISH_MIN_QUALITY", default=0.7)
# A near duplicate: word shingles this alike (estimated Jaccard, 0 to 1) with an article
# published, or held, in the last PUBLISH_DUPLICATE_DAYS days.
PUBLISH_DUPLICATE_SIMILARITY = env.float("PUBLISH_DUPLICATE_SIMILARITY", default=0.8)
PUBLISH_DUPLICATE_DAYS = env.int("PUBLISH_DUPLICATE_DAYS", default=30)
if unknown_gates := set(PUBLISH_GATES) - set(PUBLISH_GATE_NAMES):
    raise ImproperlyConfigured(
        f"PUBLISH_GATES names {', '.join(sorted(unknown_gates))}: the gates are "
        f"{', '.join(PUBLISH_GATE_NAMES)}."
    )

# The site's public address (https://news.example.org), for the links in webhook events and
# API answers; empty, API answers use the address they were asked at, and events give paths.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")

# Background work is queued in the database (django-tasks with django-tasks-db) and run by
# `manage.py run_worker`: edge purges in their own queue, webhook deliveries in the default one.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "edge"]}}

# The pipeline's API (/api/v1/): at most API_RATE_LIMIT calls per token per minute.
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=120)

# Webhooks: receivers on private, loopback or link-local addresses are refused unless
# WEBHOOK_ALLOW_PRIVATE is set (tests, a receiver on the same machine); each delivery may take
# WEBHOOK_TIMEOUT_SECONDS.
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)

# The demo editor's password for `load_demo`; empty means a random one, printed once.
DEMO_EDITOR_PASSWORD = env.str("DEMO_EDITOR_PASSWORD", default="")

# Reader feedback: at most FEEDBACK_RATE_LIMIT votes per client per FEEDBACK_RATE_WINDOW seconds.
FEEDBACK_RATE_LIMIT = env.int("FEEDBACK_RATE_LIMIT", default=30)
FEEDBACK_RATE_WINDOW = env.int("FEEDBACK_RATE_WINDOW", default=600)
# How many reverse proxies (load balancer, CDN) stand before the app and append to
# X-Forwarded-For; 0 trusts none and uses the connection's address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
