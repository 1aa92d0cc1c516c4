"""Django settings for jixiao.

Everything that differs between a laptop demo and a production server comes from the
environment: ``DATABASE_URL``, ``JIXIAO_SECRET_KEY``, ``JIXIAO_DEBUG``,
``JIXIAO_ALLOWED_HOSTS``, ``JIXIAO_DATA_DIR``, ``JIXIAO_LANGUAGE``, ``JIXIAO_AUDIT_KEY``
(or ``JIXIAO_AUDIT_KEY_FILE``); for a production server behind an HTTPS reverse proxy
``JIXIAO_PRODUCTION``, ``JIXIAO_HTTPS``, ``JIXIAO_TRUSTED_PROXIES``, ``JIXIAO_HSTS_SECONDS``
(see the README's deployment section).
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent

DATA_DIR = Path(os.environ.get("JIXIAO_DATA_DIR", BASE_DIR / "data"))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("JIXIAO_DEBUG", False)
# `jixiao serve` sets it: static files under hashed names from STATIC_ROOT, HTTPS settings.
PRODUCTION = env_flag("JIXIAO_PRODUCTION", False)

# A production server must be given its own key; the fixed one only serves local use.
SECRET_KEY = os.environ.get("JIXIAO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION or (not DEBUG and os.environ.get("JIXIAO_ALLOWED_HOSTS")):
        raise ImproperlyConfigured(
            "JIXIAO_SECRET_KEY must be set in production and when serving other hosts "
            "(a long random string, e.g. from: python3 -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = "jixiao-local-only-not-a-secret"

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("JIXIAO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    # First: its templates (the password pages in the site's look) win over the admin's.
    "jixiao.core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "jixiao.org",
    "jixiao.assessment",
    "jixiao.selection",
    "jixiao.imports",
    "jixiao.reports",
    "jixiao.showcase",
    "jixiao.rating",
    "jixiao.portal",
    "jixiao.demo",
    # django-axes and django-tasks-db, named in the site's language (jixiao/core/named_apps.py).
    "jixiao.core.named_apps.SignInLocksConfig",
    "django_htmx",
    "django_tasks",
    "jixiao.core.named_apps.TaskQueueConfig",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files before anything else touches the request (no session, no database).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jixiao.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view is explicitly marked public.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "jixiao.org.middleware.PasswordToChangeMiddleware",
    # Last, as django-axes requires: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jixiao.urls"
WSGI_APPLICATION = "jixiao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jixiao.org.context.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'jixiao.sqlite3'}",
        conn_max_age=int(os.environ.get("JIXIAO_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while an import writes; IMMEDIATE avoids
    # "database is locked" when two writers start a transaction at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Idle sessions end after the cookie age; each request extends it.
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out user before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on (answers only the platform's callback, and only when configured).
    "jixiao.org.oidc.PlatformBackend",
]
# Five wrong passwords for one user from one address lock them out for an hour.
AXES_FAILURE_LIMIT = int(os.environ.get("JIXIAO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(hours=1)
# Also per user name from any address: many addresses guessing one account's password.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
# The client as the trusted proxy saw it, not the proxy (which would lock everyone out).
AXES_CLIENT_IP_CALLABLE = "jixiao.core.clients.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = os.environ.get("JIXIAO_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# The public site's address as people outside reach it, for QR codes on posters and links
# in articles (default: the address of the request, or the local demo server).
JIXIAO_PUBLIC_URL = os.environ.get("JIXIAO_PUBLIC_URL", "")

# Who runs the system, as the login page, the top bar, the city's documents and posters name
# them: the city (示范市), its organisation department and its assessment office. Empty
# names leave those words out.
JIXIAO_CITY_NAME = os.environ.get("JIXIAO_CITY_NAME", "").strip()
JIXIAO_ORGANISATION = os.environ.get("JIXIAO_ORGANISATION", "").strip() or (
    f"中共{JIXIAO_CITY_NAME}委组织部" if JIXIAO_CITY_NAME else ""
)
JIXIAO_ASSESSMENT_OFFICE = os.environ.get("JIXIAO_ASSESSMENT_OFFICE", "").strip() or (
    f"{JIXIAO_CITY_NAME}绩效考核办公室" if JIXIAO_CITY_NAME else ""
)
# A line for the login page's footer: whom to call about an account (e.g. a phone number).
JIXIAO_SUPPORT_CONTACT = os.environ.get("JIXIAO_SUPPORT_CONTACT", "").strip()

# Single sign-on through the city's unified identity platform (OpenID Connect), off unless
# its client is configured; the claim that names an account (the staff ID for staff).
JIXIAO_OIDC_ENABLED = bool(os.environ.get("JIXIAO_OIDC_CLIENT_ID", "").strip())
JIXIAO_OIDC_USERNAME_CLAIM = os.environ.get("JIXIAO_OIDC_USERNAME_CLAIM", "preferred_username")
JIXIAO_OIDC_ISSUER = os.environ.get("JIXIAO_OIDC_ISSUER", "")
OIDC_RP_CLIENT_ID = os.environ.get("JIXIAO_OIDC_CLIENT_ID", "").strip()
OIDC_RP_CLIENT_SECRET = os.environ.get("JIXIAO_OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("JIXIAO_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("JIXIAO_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("JIXIAO_OIDC_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("JIXIAO_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("JIXIAO_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("JIXIAO_OIDC_SCOPES", "openid profile")
OIDC_CREATE_USER = False
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_callback"
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"

# Long documents (a city's poster) are queued in the database and made by `jixiao worker`
# processes (any number, on any machine sharing the database) while the browser shows their
# progress; off, they are made within the request (a single small server without a worker).
JIXIAO_EXPORTS_IN_BACKGROUND = env_flag("JIXIAO_EXPORTS_IN_BACKGROUND", True)
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Expensive work per user: documents waiting or being made at once, documents started in an
# hour (one already made is sent again without counting), rankings computed in a minute.
JIXIAO_JOBS_AT_ONCE = int(os.environ.get("JIXIAO_JOBS_AT_ONCE", "3"))
JIXIAO_JOBS_PER_HOUR = int(os.environ.get("JIXIAO_JOBS_PER_HOUR", "30"))
JIXIAO_RANKINGS_PER_MINUTE = int(os.environ.get("JIXIAO_RANKINGS_PER_MINUTE", "6"))

# The audit log's key (every entry's hash is an HMAC under it) is kept outside the database:
# the environment variable JIXIAO_AUDIT_KEY or, when that is unset, this file, made with a
# random key (mode 0600) by the first entry. Keep a copy apart from the database's backups:
# the log can be verified only with it (see jixiao.core.audit).
JIXIAO_AUDIT_KEY_FILE = Path(os.environ.get("JIXIAO_AUDIT_KEY_FILE") or DATA_DIR / "audit.key")

# The big screen's fastest rotation and refresh (seconds) a URL may ask for
# (``/screen/2023H1/?interval=8&refresh=60``): a lobby TV never polls faster than this.
JIXIAO_SCREEN_MIN_INTERVAL = float(os.environ.get("JIXIAO_SCREEN_MIN_INTERVAL", "3"))
JIXIAO_SCREEN_MIN_REFRESH = float(os.environ.get("JIXIAO_SCREEN_MIN_REFRESH", "10"))

# Per process; the showcase keys its entries by a version read from the database, so a
# stale entry is never read after a publication or an edit, whichever process made it.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "jixiao",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
}

# No upload is stored beyond the largest file a form accepts (an import's 20 MB); the proxy
# in front bounds the request too (nginx's client_max_body_size, see the README).
JIXIAO_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "jixiao.core.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise looks there even before the first collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # In production `jixiao serve` collects the files first: hashed names (cached for a
    # year by WhiteNoise) and gzip/Brotli copies. Elsewhere they are served from the apps.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Every page runs without inline script: the policy forbids it. Styles from the site's own
# files, and inline ones only with the request's nonce; style attributes are allowed, as
# ECharts writes its tooltips with them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Behind an HTTPS reverse proxy (nginx): on by default in production. JIXIAO_HTTPS=0 serves
# plain HTTP (a test on loopback, a closed network without certificates).
HTTPS = env_flag("JIXIAO_HTTPS", PRODUCTION)
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    # The load balancer's and monitoring's health check speaks plain HTTP to the server.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("JIXIAO_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("JIXIAO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_flag("JIXIAO_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading commits the whole domain to HTTPS in every browser: its owner's choice.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
# The reverse proxies in front of the server (their addresses, comma-separated). The client
# address is taken from X-Forwarded-For only when they sent it (jixiao.core.clients), and
# gunicorn takes the scheme only from them; Django's SECURE_PROXY_SSL_HEADER believes any
# peer, so the server must listen where only the proxies reach it (127.0.0.1, see README).
TRUSTED_PROXIES = frozenset(
    address.strip() for address in os.environ.get("JIXIAO_TRUSTED_PROXIES", "").split(",") if address.strip()
)
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
