"""All of yankao's settings. Every environment variable is declared once, below, with its type
and default; production differences come from the environment, never from another file."""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
# numba (the timeliness audit's compiled pass, ADR 0016) keeps its machine code here: the folder
# beside the code is not writable in every installation, and without a cache it would not start.
os.environ.setdefault("NUMBA_CACHE_DIR", str(VAR_DIR / "numba"))

env = environ.Env(
    YANKAO_ENVIRONMENT=(str, "development"),  # development | test | production
    DEBUG=(bool, False),
    SECRET_KEY=(str, ""),
    YANKAO_FIELD_KEY=(str, ""),
    DATABASE_URL=(str, f"sqlite:///{VAR_DIR / 'yankao.sqlite3'}"),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    YANKAO_CITY=(str, "kaohsiung"),
    YANKAO_CALENDAR_YEARS=(str, "2017-2027"),
    YANKAO_DEMO_PASSWORD=(str, "yankao-demo-2026"),
    YANKAO_COUNCIL_SESSION=(
        str,
        "",
    ),  # the council session on the report cover, e.g. 高雄市議會第四屆第三次定期大會
    YANKAO_SESSION_IDLE_SECONDS=(int, 1800),
    YANKAO_SESSION_REFRESH_SECONDS=(int, 60),
    YANKAO_API_TOKEN_CACHE_SECONDS=(int, 30),
    YANKAO_SECURE_COOKIES=(bool, False),
    YANKAO_AUDIT_SEAL_GRACE_SECONDS=(int, 5),
    YANKAO_TASKS_IMMEDIATE=(bool, False),
    STATIC_ROOT=(str, str(VAR_DIR / "static")),
    MEDIA_ROOT=(str, str(VAR_DIR / "media")),
    LOG_LEVEL=(str, "INFO"),
    CACHE_URL=(str, "dbcache://yankao_cache"),
    YANKAO_MAIL_BACKEND=(str, "django.core.mail.backends.console.EmailBackend"),
    YANKAO_SMTP_HOST=(str, "localhost"),
    YANKAO_SMTP_PORT=(int, 25),
    DEFAULT_FROM_EMAIL=(str, "noreply@yankao.invalid"),
    YANKAO_BENCH_BARE_VIEW=(bool, False),  # set by `yankao bench` on its own server only
)

YANKAO_ENVIRONMENT = env("YANKAO_ENVIRONMENT")
if YANKAO_ENVIRONMENT not in {"development", "test", "production"}:
    raise ImproperlyConfigured("YANKAO_ENVIRONMENT must be development, test or production")
PRODUCTION = YANKAO_ENVIRONMENT == "production"
DEBUG = env("DEBUG")


def _secret(name: str, dev_file: str) -> str:
    """A secret from the environment (or NAME_FILE); outside production, a generated file under var/."""
    value = env(name)
    if not value and env.str(f"{name}_FILE", default=""):
        value = Path(env.str(f"{name}_FILE")).read_text().strip()
    if value:
        return str(value)
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set in production; yankao refuses to start without it.")
    path = VAR_DIR / dev_file
    if path.exists():
        return path.read_text().strip()
    # Only reached before `make` has generated the development keys (e.g. a bare `manage.py check`).
    return "insecure-development-only-" + dev_file


SECRET_KEY = _secret("SECRET_KEY", "secret_key")
YANKAO_FIELD_KEY = _secret("YANKAO_FIELD_KEY", "field_key")
if PRODUCTION and (DEBUG or SECRET_KEY.startswith("insecure")):
    raise ImproperlyConfigured("Production runs with DEBUG off and a real SECRET_KEY.")

ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

YANKAO_CITY = env("YANKAO_CITY")
_first, _, _last = env("YANKAO_CALENDAR_YEARS").partition("-")
YANKAO_CALENDAR_YEARS = (int(_first), int(_last or _first))
YANKAO_DEMO_PASSWORD = env("YANKAO_DEMO_PASSWORD")
YANKAO_COUNCIL_SESSION = env("YANKAO_COUNCIL_SESSION")
YANKAO_AUDIT_SEAL_GRACE_SECONDS = env("YANKAO_AUDIT_SEAL_GRACE_SECONDS")
# The bare JSON view at /_bench/bare that the HTTP benchmarks compare against (config/urls.py).
YANKAO_BENCH_BARE_VIEW = env("YANKAO_BENCH_BARE_VIEW")

INSTALLED_APPS = [
    "yankao.core.admin_site.YankaoAdminConfig",  # django.contrib.admin, gated to RDEC admins
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "axes",
    "simple_history",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "yankao.core",
    "yankao.cases",
    "yankao.servicedesk",
    "yankao.bullying",
    "yankao.programs",
    "yankao.programs.annual",
    "yankao.timeliness",
    "yankao.reports",
    "yankao.web",
    "yankao.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yankao.web.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "yankao.core.middleware.SessionIdleRefreshMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yankao.core.middleware.RequestContextMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yankao.web.context_processors.yankao",
            ],
            "builtins": ["yankao.core.templatetags.roc_dates"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = 600 if PRODUCTION else 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the task worker and the demo builder work on one file at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "yankao.core.auth_backends.AgencyModelBackend",  # ModelBackend, with the user's agency
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:console_home"
LOGOUT_REDIRECT_URL = "web:portal_home"

# Lockout numbers are rows of the rule table (security.login_*); these callables read them.
AXES_FAILURE_LIMIT = "yankao.core.security.login_failure_limit"
AXES_COOLOFF_TIME = "yankao.core.security.login_cooloff"
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_AGE = env("YANKAO_SESSION_IDLE_SECONDS")
# Idle timeout: a request extends the session, saved at most once a minute (SessionIdleRefreshMiddleware).
SESSION_SAVE_EVERY_REQUEST = False
YANKAO_SESSION_REFRESH_SECONDS = env("YANKAO_SESSION_REFRESH_SECONDS")
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env("YANKAO_SECURE_COOKIES")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Everything is served by the app itself; nothing from another origin.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "yankao" / "locale"]
TIME_ZONE = "Asia/Taipei"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT")
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if env("YANKAO_TASKS_IMMEDIATE")
        else "django_tasks_db.DatabaseBackend",
    }
}

# How long a process remembers an API token's user (0: read it on every request); ADR 0017.
YANKAO_API_TOKEN_CACHE_SECONDS = env("YANKAO_API_TOKEN_CACHE_SECONDS")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "yankao.api.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "yankao.api.exception_handlers.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "yankao API",
    "DESCRIPTION": "研考 platform JSON API. Staff clients send `Authorization: Token <key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

# "default" is shared by every process (rate limits must count across app servers): a database
# table by default, Redis via CACHE_URL=redis://... in larger installations. "local" is per process,
# for rendered fragments that are the same for everyone.
CACHES = {
    "default": env.cache("CACHE_URL"),
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "yankao-local"},
}

# Notices to petitioners. Development prints them; production names its SMTP relay.
MAILERS = {
    "default": {
        "BACKEND": env("YANKAO_MAIL_BACKEND"),
        **(
            {"OPTIONS": {"host": env("YANKAO_SMTP_HOST"), "port": env("YANKAO_SMTP_PORT")}}
            if env("YANKAO_MAIL_BACKEND").endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Lockout is per account: a city office behind one NAT address must not lock out all its staff.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
