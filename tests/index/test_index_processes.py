"""An index update made by one process is seen by the next query of another process.

Two real processes share one database (a SQLite file, or a PostgreSQL database created for the
test): a "worker" writes, a "web" process that already holds a snapshot queries.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.support.local_fixtures import BACKEND_JOB, PARIS, job, profile

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        return
    import psycopg

    name = f"test_hrflow_xproc_{uuid.uuid4().hex[:10]}"
    params = {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = params["user"] + (f":{params['password']}" if params["password"] else "")
    try:
        yield f"postgres://{auth}@{params['host']}:{params['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Proc:
    def __init__(self, env: dict[str, str]) -> None:
        self.p = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "support" / "local_xproc_worker.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )

    def __call__(self, **cmd) -> dict:
        assert self.p.stdin and self.p.stdout
        self.p.stdin.write(json.dumps(cmd) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        assert line, "the process died"
        return json.loads(line)

    def close(self) -> None:
        if self.p.stdin:
            self.p.stdin.close()
        self.p.wait(timeout=30)


def test_an_update_is_visible_to_the_next_query_of_another_process(database_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    worker, web = Proc(env), Proc(env)
    try:
        worker(op="index", kind="job", docs=[job("job-1", **BACKEND_JOB)])
        worker(
            op="index",
            kind="profile",
            docs=[profile("first", title="Accountant", skills=("Microsoft Excel",))],
        )
        assert web(op="score_profiles", job="job-1")["refs"] == ["first"]

        fit = profile(
            "second",
            title="Python Developer",
            skills=("Python", "Django", "PostgreSQL"),
            where=PARIS,
            years=5,
        )
        worker(op="index", kind="profile", docs=[fit])
        assert web(op="score_profiles", job="job-1")["refs"] == ["second", "first"]

        worker(op="archive", kind="profile", refs=["second"])
        assert web(op="score_profiles", job="job-1")["refs"] == ["first"]

        # A rebuild published by the worker is picked up whole; nothing stale comes back.
        assert worker(op="rebuild", kind="profile")["rows"] == 1
        worker(
            op="index",
            kind="profile",
            docs=[{"reference": "third", "text": "Python and Django developer"}],
        )
        assert web(op="score_profiles", job="job-1")["refs"] == ["third", "first"]
    finally:
        worker.close()
        web.close()
