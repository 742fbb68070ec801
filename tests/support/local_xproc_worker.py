"""A separate process for ``test_local_processes``: reads JSON commands, answers JSON lines.

Run as ``python tests/support/local_xproc_worker.py`` with ``DATABASE_URL`` set; it is a web or worker
process of its own, with its own in-process snapshot of the local index. ``HRFLOW_TEST_LOCAL``
(JSON) overrides keys of ``HRFLOW_MATCHING["LOCAL"]``, e.g. its own ``INDEX_DIR`` to stand for
another host.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_crm.settings")

import django

django.setup()

if os.environ.get("HRFLOW_TEST_LOCAL"):
    from django.conf import settings

    from hrflow_matching.conf import get_settings

    local = {
        **settings.HRFLOW_MATCHING.get("LOCAL", {}),
        **json.loads(os.environ["HRFLOW_TEST_LOCAL"]),
    }
    settings.HRFLOW_MATCHING = {**settings.HRFLOW_MATCHING, "LOCAL": local}
    get_settings.cache_clear()

from hrflow_matching.backends.base import Criteria  # noqa: E402
from hrflow_matching.backends.local import LocalBackend, store  # noqa: E402
from hrflow_matching.backends.local.engine import get_engine  # noqa: E402


def main() -> None:
    for line in sys.stdin:
        cmd = json.loads(line)
        backend = LocalBackend(tenant=cmd.get("tenant"))
        op = cmd["op"]
        if op == "index":
            backend.index(cmd["kind"], cmd["docs"])
            out: dict = {"ok": True}
        elif op == "archive":
            backend.archive(cmd["kind"], cmd["refs"])
            out = {"ok": True}
        elif op == "rebuild":
            out = {"rows": backend.rebuild(cmd["kind"])}
        elif op == "score_profiles":
            page = backend.score_profiles(cmd["job"], Criteria(**cmd.get("criteria", {})))
            out = {"refs": [i.reference for i in page.items]}
        elif op == "compact":  # what hrflow_sync does last: purge tombstones up to now
            version = store.stamp(cmd["kind"])[0]
            out = {"purged": store.compact(cmd["kind"], version), "version": version}
        elif op == "snapshot":  # the version of the snapshot this process serves from
            base = get_engine(cmd["kind"], cmd.get("tenant")).view().base
            out = {"version": base.version, "rows": len(base)}
        else:
            out = {"error": f"unknown op {op}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
