"""A full incremental pull while another thread updates, archives, deletes and creates rows.

The puller follows the cursor contract (resume from the last ``next_cursor``) and must end
with the latest version of every object and a tombstone for every deleted one.
"""

from __future__ import annotations

import random
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pytest
from django.db import connection

from example_crm.hrflow import CandidateAdapter
from example_crm.models import Candidate
from tests.support.api_helpers import KeyClient, candidate, make_key, no_settle

pytestmark = [pytest.mark.usefixtures("no_settle")]
__all__ = ["no_settle"]


def _turns() -> AbstractContextManager[Any]:
    """SQLite's in-memory test database (shared cache) fails at once instead of waiting when
    two connections collide: there, the writer and the puller take turns, one operation or
    one request at a time. PostgreSQL runs them truly concurrently."""
    return threading.Lock() if connection.vendor == "sqlite" else nullcontext()


def _writer(stop: threading.Event, log: list[str], rounds: int, turn: Any) -> None:
    rng = random.Random(7)
    try:
        for i in range(rounds):
            with turn:
                _write_once(rng, i, log)
            time.sleep(0.002)
    except Exception as exc:  # surfaced by the test
        log.append(f"error: {exc!r}")
    finally:
        stop.set()
        connection.close()


def _write_once(rng: random.Random, i: int, log: list[str]) -> None:
    live = list(Candidate.objects.filter(archived=False).values_list("pk", flat=True))
    action = rng.choice(["update", "update", "archive", "delete", "create"])
    if action == "create" or not live:
        candidate(f"new-{i:04d}")
    else:
        row = Candidate.objects.get(pk=rng.choice(live))
        if action == "update":
            row.first_name = f"v{i}"
            row.save()
        elif action == "archive":
            row.archived = True
            row.save()
        else:
            row.delete()
    log.append(action)


def _apply(state: dict[str, dict[str, Any]], body: dict[str, Any]) -> None:
    for item in body["results"]:
        state[item["reference"]] = item


@pytest.mark.django_db(transaction=True)
def test_incremental_pull_during_writes_ends_with_the_latest_of_everything() -> None:
    for i in range(40):
        candidate(f"c-{i:04d}", first_name="v0")
    client = KeyClient(make_key())
    stop, log = threading.Event(), []
    turn = _turns()
    writer = threading.Thread(target=_writer, args=(stop, log, 80, turn))
    state: dict[str, dict[str, Any]] = {}
    cursor: str | None = None
    pages = 0
    writer.start()
    try:
        # Keep pulling (full pull, then incremental catch-ups) while the writer runs.
        while not stop.is_set() or pages == 0:
            params = {"page_size": 7, **({"cursor": cursor} if cursor else {})}
            with turn:
                body = client.get("/hrflow/api/profiles/", **params).json()
            _apply(state, body)
            cursor = body["next_cursor"] or cursor
            pages += 1
            time.sleep(0.001)
    finally:
        writer.join(timeout=60)
    assert not [entry for entry in log if entry.startswith("error")], log
    # One last catch-up from the stored cursor, as the next scheduled pull would do.
    while True:
        body = client.get("/hrflow/api/profiles/", page_size=7, cursor=cursor).json()
        _apply(state, body)
        cursor = body["next_cursor"] or cursor
        if not body["has_more"]:
            break

    adapter = CandidateAdapter(Candidate)
    rows = {c.reference: c for c in adapter.get_queryset()}
    deleted = {ref for ref in state if ref not in rows}
    assert {"delete", "update", "archive"} <= set(log)
    assert pages > 3
    assert set(rows) <= set(state)
    for ref, row in rows.items():
        assert state[ref] == adapter.to_document(row), ref
    from hrflow_matching.models import Tombstone

    tombstones = set(Tombstone.objects.values_list("reference", flat=True))
    assert deleted == tombstones
    for ref in deleted:
        assert set(state[ref]) == {"reference", "updated_at", "archived_at"}
