"""Newsroom settings: 12-factor, everything from the environment.

Production is the default: DEBUG is on only with DJANGO_DEBUG=1 (``make run`` and the
tests set it), and without DEBUG the settings refuse to load unless DJANGO_SECRET_KEY is
a real secret and DJANGO_ALLOWED_HOSTS names the site: a forgotten variable stops the
server instead of serving tracebacks with a published key. With DJANGO_DEBUG=1 the
defaults suit a laptop (a development key, SQLite next to manage.py).
"""
from datetime import timedelta
from pathlib import Path
import os

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# DEBUG only when asked for: an unset, empty or unknown DJANGO_DEBUG is production.
DEBUG = env_bool("DJANGO_DEBUG", False)

# The laptop key: published in this file, so never accepted without DEBUG.
_LAPTOP_KEY = "django-insecure-newsroom-laptop-only"


def _production_secret_key(key: str) -> str:
    """The key, if it can be a real secret (Django's own deploy check: 50+ characters, 5+
    distinct, not a ``django-insecure`` development key); refuses to start otherwise."""
    if not key:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (production); "
            "for a laptop, set DJANGO_DEBUG=1."
        )
    if key == _LAPTOP_KEY or key.startswith("django-insecure") or len(key) < 50 or len(set(key)) < 5:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not a real secret: use 50 or more random characters, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(64))'."
        )
    return key


if DEBUG:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _LAPTOP_KEY
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
else:
    SECRET_KEY = _production_secret_key(os.environ.get("DJANGO_SECRET_KEY", ""))
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS must name the site's host names (comma-separated) when "
            "DJANGO_DEBUG is off (production)."
        )

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "articles.apps.NewsroomAdminConfig",  # django.contrib.admin with the editors' desk
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.syndication",
    "django_filters",
    "axes",
    "csp",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "newsroom.urls"

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
                "articles.public.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DJANGO_SQLITE_CONN_MAX_AGE", "0"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
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

LOGIN_URL = "admin:login"

# Security: strict in production, harmless on a laptop.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Reverse proxies in front of Newsroom (NEWSROOM_TRUSTED_PROXIES): only then are the
# headers they set believed (X-Forwarded-Proto here, X-Forwarded-For for login throttling);
# without a proxy, a client could send them to pass a plain-HTTP request off as HTTPS.
TRUSTED_PROXIES = int(os.environ.get("NEWSROOM_TRUSTED_PROXIES", "0"))
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    if TRUSTED_PROXIES > 0:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one user name
# from one address, that pair is refused (even with the right password) for the cool-off
# time; a successful login clears the count. Other users, and the same user elsewhere,
# are not affected, so a guesser cannot lock editors out of the desk. Unlock early with
# ``manage.py axes_reset_username NAME``.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(os.environ.get("NEWSROOM_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("NEWSROOM_LOGIN_COOLOFF_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "articles.admin.auth.lockout_response"
# The client's address: REMOTE_ADDR, unless NEWSROOM_TRUSTED_PROXIES says how many reverse
# proxies in front append to X-Forwarded-For (a header a client can forge otherwise).
AXES_CLIENT_IP_CALLABLE = "articles.admin.auth.client_ip"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# Newsroom
NEWSROOM = {
    # Largest front-matter file accepted by the importer, in bytes.
    "MAX_FILE_BYTES": int(os.environ.get("NEWSROOM_MAX_FILE_BYTES", str(2 * 1024 * 1024))),
    # Public site metadata used by feeds and the API.
    "SITE_TITLE": os.environ.get("NEWSROOM_SITE_TITLE", "Newsroom"),
    "LOCALE": os.environ.get("NEWSROOM_LOCALE", "en-us"),
    # Admin import: largest expanded size and entry count of an uploaded .zip.
    "MAX_ZIP_BYTES": int(os.environ.get("NEWSROOM_MAX_ZIP_BYTES", str(200 * 1024 * 1024))),
    "MAX_ZIP_FILES": int(os.environ.get("NEWSROOM_MAX_ZIP_FILES", "20000")),
    # Admin import: the root of the private per-upload staging folders (None: the system's
    # temporary folder, in a folder of this user's).
    "IMPORT_STAGING": os.environ.get("NEWSROOM_IMPORT_STAGING") or None,
    # Hosts whose https iframes an item's featuredContent may embed (the CSP's frame-src).
    "EMBED_HOSTS": env_list("NEWSROOM_EMBED_HOSTS", [
        "www.youtube.com", "youtube.com", "www.youtube-nocookie.com", "player.vimeo.com",
        "channel9.msdn.com", "learn.microsoft.com", "docs.microsoft.com", "www.microsoft.com",
    ]),
    # Reverse proxies in front of Newsroom that append the client's address to
    # X-Forwarded-For (0: the header is ignored, REMOTE_ADDR is the client).
    "TRUSTED_PROXIES": TRUSTED_PROXIES,
}

# Content-Security-Policy (django-csp) on every response, public pages and the desk: no
# inline script or style anywhere (the templates keep theirs in static files, so cached
# public pages need no per-response nonce); images may come from the items' own hosts;
# frames only from the embed hosts. A payload that slipped past the sanitizer would not
# run. NEWSROOM_CSP_REPORT_URI: where browsers report what the policy blocked.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "https:", "http:", "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [f"https://{host}" for host in NEWSROOM["EMBED_HOSTS"]],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"report-uri": [os.environ["NEWSROOM_CSP_REPORT_URI"]]} if os.environ.get("NEWSROOM_CSP_REPORT_URI") else {}),
    },
}

# Public site: rendered pages, feeds and API pages are kept per process, keyed by the
# content stamp (any edit, import, decision or deletion makes new keys, so nothing
# stale is ever served). NEWSROOM_PUBLIC_CACHE_ENTRIES=0 turns it off.
_PUBLIC_CACHE_ENTRIES = int(os.environ.get("NEWSROOM_PUBLIC_CACHE_ENTRIES", "2000"))
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "public": (
        {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "newsroom-public",
            "TIMEOUT": 3600,
            "OPTIONS": {"MAX_ENTRIES": _PUBLIC_CACHE_ENTRIES, "CULL_FREQUENCY": 4},
        }
        if _PUBLIC_CACHE_ENTRIES > 0
        else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    ),
}
