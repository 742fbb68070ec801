#!/usr/bin/env bash
# Build the wheel and prove it works outside the repository: a fresh venv, `pip install` of the
# wheel alone (dependencies from PyPI), then, from a directory without the sources, import the
# package, start Django with only the app installed, migrate, find the templates, static files
# and data, and run the system checks.
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

echo "== fresh venv ($PYTHON) and install of the wheel"
"$PYTHON" -m venv "$WORK/venv"
quiet_pip() { "$WORK/venv/bin/pip" install --quiet "$@" 2> >(grep -v "^WARNING: Location" >&2); }
quiet_pip --upgrade pip
quiet_pip "$WHEEL"

echo "== smoke test outside the source tree"
cd "$WORK"
"$WORK/venv/bin/python" - <<'PY'
import importlib.resources as resources

import hrflow_matching

assert "site-packages" in hrflow_matching.__file__, hrflow_matching.__file__
print("   import hrflow_matching", hrflow_matching.__version__, "from", hrflow_matching.__file__)

import django
from django.conf import settings

settings.configure(
    DEBUG=True,
    SECRET_KEY="wheel-check",
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    INSTALLED_APPS=[
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "django.contrib.staticfiles",
        "rest_framework",
        "django_filters",
        "drf_spectacular",
        "hrflow_matching",
    ],
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ],
    TEMPLATES=[
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
    ],
    ROOT_URLCONF="hrflow_matching.urls",
    STATIC_URL="static/",
    USE_TZ=True,
)
django.setup()

from django.contrib.staticfiles import finders
from django.core.checks import run_checks
from django.core.management import call_command
from django.template.loader import get_template

call_command("migrate", verbosity=0)
print("   migrations applied")
package = resources.files("hrflow_matching")
templates = [p.name for p in (package / "templates" / "hrflow_matching").iterdir()]
assert templates, "no templates in the wheel"
get_template("hrflow_matching/matching/page.html")
print("   templates:", ", ".join(sorted(templates)))
assert finders.find("hrflow_matching/matching.css"), "static files missing"
print("   static files found")
data = [p.name for p in (package / "data").iterdir() if p.is_file()]
assert data, "no data files in the wheel"
print("   data:", ", ".join(sorted(data)))
ids = sorted(m.id for m in run_checks())
# A project without adapters must be told so (E010/E011), and nothing else may be wrong.
assert set(ids) <= {"hrflow_matching.E010", "hrflow_matching.E011"}, ids
print("   system checks:", ", ".join(ids) or "none")
PY
echo "== wheel OK"
