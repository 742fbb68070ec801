#!/usr/bin/env bash
# The test suite under Django 6.x (the other supported series; .venv has Django 5.2 LTS), on SQLite.
#
# Django 6 needs Python >= 3.12, so this uses its own venv, .venv-django6, built from the first
# working Python 3.12+ found: python3.12/3.13/3.14 on PATH (a pyenv shim that does not run is
# skipped), then ${PYENV_ROOT:-~/.pyenv}/versions/3.1x*. Without one it prints a loud SKIPPED line
# and exits 0, also under CI=true: an interpreter is not a service `make services` can start, and
# nothing is downloaded at run time. REQUIRE_DJANGO6=1 turns that skip into a failure.
#
# The Celery worker tests are left out (-m "not celery"): they test Celery, Redis and our outbox,
# which do not change with the Django version, and already run twice (SQLite and PostgreSQL).
# Everything else runs, browser tests included (they drive the admin templates, which do change).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${DJANGO6_VENV:-.venv-django6}
STAMP="$VENV/.installed"

works() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }

find_python() {
  local candidate
  for candidate in python3.12 python3.13 python3.14; do
    candidate=$(command -v "$candidate" 2>/dev/null) || continue
    works "$candidate" && { echo "$candidate"; return 0; }
  done
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
    [ -x "$candidate" ] && works "$candidate" && { echo "$candidate"; return 0; }
  done
  return 1
}

if [ ! -x "$VENV/bin/python" ]; then
  if ! PY=$(find_python); then
    echo "######################################################################"
    echo "## SKIPPED: Django 6.x suite: no Python >= 3.12 found (python3.12 on"
    echo "## PATH or ~/.pyenv/versions/3.12*). Django 5.2 was tested; 6.x was NOT."
    echo "######################################################################"
    [ "${REQUIRE_DJANGO6:-0}" = "1" ] && exit 1
    exit 0
  fi
  echo "django6: creating $VENV with $PY ($("$PY" --version))"
  "$PY" -m venv "$VENV"
fi

# Reinstall when the dependencies change, as .venv does.
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e ".[dev]" "Django>=6.0,<7"
  touch "$STAMP"
fi

echo "== test suite on SQLite with Django $("$VENV/bin/python" -m django --version)" \
  "(Python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())')) =="
# Always SQLite here, whatever DATABASE_URL the caller exported.
exec env -u DATABASE_URL "$VENV/bin/pytest" -m "not celery" "$@"
