"""Settings of the awkward host: its own REST_FRAMEWORK (JWT-style defaults, no schema class),
its own apps listed once (rest_framework, django_filters were there before the app)."""

from __future__ import annotations

import os
import tempfile

import dj_database_url

SECRET_KEY = "awkward-host-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    # Only the apps the host lacked:
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "hrflow_matching",
    "tests.hosts.awkward.recruitment",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tests.hosts.awkward.recruitment.middleware.selected_company_middleware",
]
ROOT_URLCONF = "tests.hosts.awkward.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL") or "sqlite:///:memory:")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Europe/Paris"
STATIC_URL = "static/"
MEDIA_ROOT = tempfile.mkdtemp(prefix="awkward-media-")
LOGIN_URL = "/login/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The host's API, JWT-style: every DRF view needs a bearer token unless it says otherwise.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tests.hosts.awkward.recruitment.auth.BearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": "1/day"},
}

HRFLOW_MATCHING = {
    "BACKEND": "local",
    "LOCAL": {"INDEX_DIR": tempfile.mkdtemp(prefix="awkward-index-")},
    "WEBHOOKS": {
        "ALLOW_PRIVATE": True,
        "HINTS": False,
        "SWEEP_GRACE": 0,
        "RETRY_SCHEDULE": [0, 0.01],
        "JITTER": 0,
        "TOTAL_TIMEOUT": 2.0,
    },
    "API": {"SETTLE_SECONDS": 0},
    "PAGES": {"BASE_TEMPLATE": "recruitment/base.html"},
}
