"""Django settings for jixiao.

Everything that differs between a laptop demo and a production server comes from the
environment: ``DATABASE_URL``, ``JIXIAO_SECRET_KEY``, ``JIXIAO_DEBUG``,
``JIXIAO_ALLOWED_HOSTS``, ``JIXIAO_DATA_DIR``, ``JIXIAO_LANGUAGE``, ``JIXIAO_AUDIT_KEY``
(or ``JIXIAO_AUDIT_KEY_FILE``).
"""

import datetime
import os
from pathlib import Path

import dj_database_url
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

# A production server must be given its own key; the fixed one only serves local use.
SECRET_KEY = os.environ.get("JIXIAO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and os.environ.get("JIXIAO_ALLOWED_HOSTS"):
        raise ImproperlyConfigured("JIXIAO_SECRET_KEY must be set when serving other hosts.")
    SECRET_KEY = "jixiao-local-only-not-a-secret"

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("JIXIAO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "jixiao.core",
    "jixiao.org",
    "jixiao.assessment",
    "jixiao.selection",
    "jixiao.imports",
    "jixiao.reports",
    "jixiao.showcase",
    "jixiao.portal",
    "jixiao.demo",
    "axes",
    "django_htmx",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
]
# Five wrong passwords for one user from one address lock them out for an hour.
AXES_FAILURE_LIMIT = int(os.environ.get("JIXIAO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
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

# Long documents (a city's poster) are made in a thread while the browser shows their
# progress; off, they are made within the request (a server that forbids threads).
JIXIAO_EXPORTS_IN_BACKGROUND = env_flag("JIXIAO_EXPORTS_IN_BACKGROUND", True)

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

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
