"""``bench/scale.py`` at a small size, as a smoke test: every step runs through its public path
(seeding, ``hrflow_sync``, the JSON API from two hosts with a writer, first queries, memory of
several processes, visibility across hosts, the pull export) and reports every measure. No
timing is asserted: the figures depend on the machine and its load."""

from __future__ import annotations

import math

import pytest
from django.conf import settings

from bench import scale
from tests.support import services

pytestmark = [pytest.mark.processes, pytest.mark.slow]


def postgres_server() -> str:
    """The PostgreSQL server the suite uses (its ``postgres`` database), else the local one."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        services.require(
            services.port_open("127.0.0.1", 5432),
            "PostgreSQL is not running on 127.0.0.1:5432 (make services starts it)",
        )
        return "postgres://postgres@127.0.0.1:5432/postgres"
    auth = (db.get("USER") or "postgres") + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/postgres"


def test_the_scale_bench_runs_every_step_at_a_small_size(capsys):
    r = scale.main(
        [
            "--tenants=4", "--profiles=300", "--jobs=30", "--seconds=2", "--requests=20",
            "--seeders=1", "--processes=2", "--visibility=1", f"--pg={postgres_server()}",
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert r is not None and "| measure | measured | target | machine |" in out
    largest, _, smallest = r["tenant_sizes"]
    assert largest > smallest  # skewed tenants
    assert r["requests"] > 0 and r["errors"] == 0
    assert r["touched"] == 3  # every tenant but the one the warm-up loaded
    assert math.isfinite(r["visible_s"])  # the save on host A reached host B's search
    assert r["export_rows"] == 300 and r["written"] > 0
    for key in ("sync_s", "seed_s", "first_query_p95", "one_process_mib", "four_pss_mib"):
        assert r[key] > 0, key
