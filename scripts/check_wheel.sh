#!/usr/bin/env bash
# Build the wheel and prove it works outside the repository: a fresh venv, `pip install` of the
# wheel alone (dependencies from PyPI), then a host project of its own in a temporary folder (a
# CRM app with two models and their adapters, as the README's "Adding the app" writes them):
# makemigrations, migrate, system checks, a save that writes the outbox, hrflow_worker and
# hrflow_sync, a pull-API page, a match, the health endpoint and hrflow_status, and the metrics
# endpoint answering 501 before the `metrics` extra is installed and 200 after. It also checks
# that the wheel holds the templates, static files, data, translations and py.typed.
#
#   scripts/check_wheel.sh            # uses python3.11, builds into a temporary folder
#   PYTHON=python3.12 scripts/check_wheel.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3.11}"
WORK="$(mktemp -d /tmp/hrflow-wheel.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

echo "== build (sdist and wheel) into $WORK/dist"
"$ROOT/.venv/bin/python" -m build --outdir "$WORK/dist" "$ROOT" >"$WORK/build.log" 2>&1 \
  || { tail -30 "$WORK/build.log"; exit 1; }
WHEEL="$(ls "$WORK"/dist/*.whl)"
echo "   $(basename "$WHEEL")"

echo "== wheel contents"
"$ROOT/.venv/bin/python" - "$WHEEL" "$ROOT" <<'PY'
import sys
import zipfile
from pathlib import Path

wheel, root = sys.argv[1], Path(sys.argv[2])
names = set(zipfile.ZipFile(wheel).namelist())
package = root / "hrflow_matching"
want = {"hrflow_matching/py.typed"}
for folder in ("templates", "static", "data", "locale"):
    want |= {
        str(p.relative_to(root))
        for p in (package / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".po~"
    }
missing = sorted(want - names)
assert not missing, f"not in the wheel: {missing}"
locale = sorted(n for n in names if n.endswith(".mo"))
print(f"   {len(want)} package files present (py.typed, templates, static, data,"
      f" {len(locale)} compiled catalogues)")
PY

echo "== fresh venv ($PYTHON) and install of the wheel"
"$PYTHON" -m venv "$WORK/venv"
quiet_pip() { "$WORK/venv/bin/pip" install --quiet "$@" 2> >(grep -v "^WARNING: Location" >&2); }
quiet_pip --upgrade pip
quiet_pip "$WHEEL"

echo "== a host project outside the source tree ($WORK/host)"
HOST="$WORK/host"
mkdir -p "$HOST/hostcrm" "$HOST/crm/migrations"
touch "$HOST/hostcrm/__init__.py" "$HOST/crm/__init__.py" "$HOST/crm/migrations/__init__.py"
cat >"$HOST/manage.py" <<'PY'
import os
import sys

from django.core.management import execute_from_command_line

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostcrm.settings")
execute_from_command_line(sys.argv)
PY
cat >"$HOST/hostcrm/settings.py" <<'PY'
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "wheel-check"
DEBUG = True
ALLOWED_HOSTS = ["testserver"]
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
    "crm",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "hostcrm.urls"
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
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "static/"
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SPECTACULAR_SETTINGS = {"SWAGGER_UI_DIST": "SIDECAR", "SWAGGER_UI_FAVICON_HREF": "SIDECAR"}
HRFLOW_MATCHING = {
    "BACKEND": "local",
    "WEBHOOKS": {"HINTS": False},  # no broker: hrflow_worker sends and indexes
    "HEALTH": {"TOKEN": "probe-token"},
}
PY
cat >"$HOST/hostcrm/urls.py" <<'PY'
from django.contrib import admin
from django.urls import include, path

urlpatterns = [path("admin/", admin.site.urls), path("hrflow/", include("hrflow_matching.urls"))]
PY
cat >"$HOST/crm/models.py" <<'PY'
from django.db import models


class Applicant(models.Model):
    reference = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    headline = models.CharField(max_length=200)
    skills = models.CharField(max_length=400, help_text="comma-separated")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class Opening(models.Model):
    reference = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    skills = models.CharField(max_length=400, help_text="comma-separated")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
PY
cat >"$HOST/crm/hrflow.py" <<'PY'
from hrflow_matching import JobAdapter, ProfileAdapter, register
from hrflow_matching.documents import iso, skill

from .models import Applicant, Opening


def _skills(text):
    return [skill(s.strip()) for s in text.split(",") if s.strip()]


@register(Applicant)
class ApplicantAdapter(ProfileAdapter):
    reference_field = "reference"

    def to_document(self, obj):
        return {
            "reference": obj.reference,
            "text_language": "en",
            "text": obj.headline,
            "info": {"full_name": obj.name, "summary": obj.headline},
            "skills": _skills(obj.skills),
            "created_at": iso(obj.created_at),
            "updated_at": iso(obj.updated_at),
        }


@register(Opening)
class OpeningAdapter(JobAdapter):
    reference_field = "reference"

    def to_document(self, obj):
        return {
            "reference": obj.reference,
            "name": obj.title,
            "summary": obj.title,
            "skills": _skills(obj.skills),
            "created_at": iso(obj.created_at),
            "updated_at": iso(obj.updated_at),
        }
PY

cd "$HOST"
PY="$WORK/venv/bin/python"
"$PY" manage.py makemigrations crm -v 0
"$PY" manage.py migrate -v 0
echo "   migrations made and applied"
"$PY" manage.py check --fail-level WARNING >/dev/null
echo "   system checks: none"
"$PY" manage.py shell -v 0 -c '
from crm.models import Applicant, Opening
Applicant.objects.create(reference="a-1", name="Ada", headline="Python developer", skills="Python, Django")
Applicant.objects.create(reference="a-2", name="Bob", headline="Accountant", skills="Excel")
Opening.objects.create(reference="o-1", title="Django developer", skills="Python, Django")
from hrflow_matching.models import Event
assert Event.objects.count() == 3, Event.objects.count()
print("   saves wrote", Event.objects.count(), "events to the outbox")
'
"$PY" manage.py hrflow_worker --once
"$PY" manage.py hrflow_sync -v 0
"$PY" manage.py hrflow_status >/dev/null
echo "   hrflow_status: exit 0"
"$PY" manage.py shell -v 0 -c '
import hrflow_matching
from django.contrib.staticfiles import finders
from django.template.loader import get_template
from django.test import Client
from hrflow_matching.models import ApiKey

assert "site-packages" in hrflow_matching.__file__, hrflow_matching.__file__
print("   hrflow_matching", hrflow_matching.__version__, "from", hrflow_matching.__file__)
get_template("hrflow_matching/matching/page.html")
get_template("hrflow_matching/admin/endpoint_health.html")
assert finders.find("hrflow_matching/matching.css") and finders.find("hrflow_matching/health.css")
print("   templates and static files found")
_, key = ApiKey.create_key("wheel-check")
page = Client().get("/hrflow/api/profiles/", HTTP_X_API_KEY=key)
assert page.status_code == 200, page.content[:300]
print("   pull API: profiles page", page.status_code)
match = Client().get("/hrflow/api/matching/profiles/?job_reference=o-1", HTTP_X_API_KEY=key)
assert match.status_code == 200, match.content[:500]
best = match.json()["items"][0]["reference"]
assert best == "a-1", match.json()
print("   matching API: best applicant for o-1 is", best)
client = Client(HTTP_AUTHORIZATION="Bearer probe-token")
health = client.get("/hrflow/health/")
assert health.status_code == 200 and health.json()["index"]["pending"] == 0, health.content
print("   /hrflow/health/", health.status_code, health.json()["status"])
metrics = client.get("/hrflow/metrics/")
assert metrics.status_code == 501 and b"[metrics]" in metrics.content, metrics.content
print("   /hrflow/metrics/ without the extra:", metrics.status_code)
'
quiet_pip "prometheus_client>=0.20"
"$PY" manage.py shell -v 0 -c '
from django.test import Client
metrics = Client(HTTP_AUTHORIZATION="Bearer probe-token").get("/hrflow/metrics/")
assert metrics.status_code == 200 and b"hrflow_index_lag_seconds" in metrics.content, metrics.content
print("   /hrflow/metrics/ with prometheus_client:", metrics.status_code)
'
echo "== wheel OK"
