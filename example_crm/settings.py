"""Settings of the demo CRM, read from the environment (see README, "Settings")."""

from __future__ import annotations

import math
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from hrflow_matching.schedule import beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def env_float(name: str, default: float) -> float:
    """A number from the environment (unset or blank: ``default``).

    A bad value stops start-up with a message naming the variable and the value: a bare
    ``float()`` raises a ValueError that names neither, from inside the settings import.
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
        if not math.isfinite(value):  # "nan", "inf": float() takes them
            raise ValueError(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number (e.g. {default:g}).") from None
    return value


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "demo-only-not-secret-change-me")
DEBUG = env_bool("DJANGO_DEBUG", True)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS") or ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "hrflow_matching",
    "example_crm",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example_crm.urls"
WSGI_APPLICATION = "example_crm.wsgi.application"

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
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
LOGIN_URL = "admin:login"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "django-hrflow-matching API",
    "DESCRIPTION": "HrFlow.ai pull webservices and matching API of the CRM.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc assets served from the app itself, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery (README, "Production"). Without CELERY_BROKER_URL there is no broker: the web process
# publishes no hint (WEBHOOKS["HINTS"] below) and `manage.py hrflow_worker`, which `make demo`
# runs, sends the webhooks and indexes. So nothing run beside the demo publishes to a Redis
# that happens to be on the machine; set the variable to use Celery (workers need it too).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "").strip()

HRFLOW_MATCHING = {
    "BACKEND": os.environ.get("HRFLOW_BACKEND", "local"),
    "HRFLOW": {
        "API_URL": os.environ.get("HRFLOW_API_URL", "https://api.hrflow.ai/v1/"),
        "API_KEY": os.environ.get("HRFLOW_API_KEY", ""),
        "USER_EMAIL": os.environ.get("HRFLOW_USER_EMAIL", ""),
        "SOURCE_KEYS": env_list("HRFLOW_SOURCE_KEYS"),
        "BOARD_KEY": os.environ.get("HRFLOW_BOARD_KEY", ""),
        "ALGORITHM_KEY": os.environ.get("HRFLOW_ALGORITHM_KEY", ""),
        "PUSH": env_bool("HRFLOW_PUSH"),
    },
    "WEBHOOKS": {
        "ALLOW_PRIVATE": env_bool("HRFLOW_WEBHOOK_ALLOW_PRIVATE"),
        # On when there is a broker; HRFLOW_WEBHOOK_HINTS=0/1 says otherwise explicitly.
        "HINTS": env_bool("HRFLOW_WEBHOOK_HINTS", bool(CELERY_BROKER_URL)),
        "SWEEP_INTERVAL": env_float("HRFLOW_WEBHOOK_SWEEP_INTERVAL", 30),
    },
    # Local engine snapshots: on SQLite beside the database file; otherwise in a private folder
    # of the project (never the system temp folder, which any local user can read: W003).
    "LOCAL": {
        "INDEX_DIR": os.environ.get("HRFLOW_INDEX_DIR")
        or (
            None
            if DATABASES["default"]["ENGINE"].endswith("sqlite3")
            else str(BASE_DIR / "var" / "hrflow-index")
        )
    },
    # The recruiter's organisation (example_crm/tenancy.py); HRFLOW_TENANT_RESOLVER="" disables.
    "TENANT_RESOLVER": os.environ.get(
        "HRFLOW_TENANT_RESOLVER", "example_crm.tenancy.recruiter_organisation"
    )
    or None,
}

# Celery settings that keep tasks through worker crashes (the broker's URL is above).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Producers give up quickly (the database is the record, the sweeper resends); workers keep
# reconnecting for as long as Redis is away, so nothing waits for an operator after an outage.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "max_retries": 3,
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
    "retry_on_timeout": True,
    "health_check_interval": 30,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TASK_TIME_LIMIT = 300  # well under the visibility timeout
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 10
CELERY_TASK_IGNORE_RESULT = True
# The app's entries: the sweeper, the hourly purge and the nightly hrflow_reconcile.
CELERY_BEAT_SCHEDULE = beat_schedule(HRFLOW_MATCHING["WEBHOOKS"]["SWEEP_INTERVAL"])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"hrflow_matching": {"handlers": ["console"], "level": "INFO"}},
}
