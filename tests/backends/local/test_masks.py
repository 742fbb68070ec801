"""Local engine: filters on the snapshot arrays keep exactly the rows the SQL filters keep.

Random profiles (some near the antimeridian and the pole, some without coordinates), a base
snapshot plus a delta (updates, archives, new rows), then random criteria: the rows allowed by
the array path (``LocalBackend._allowed``) must equal those of the SQL-only path.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from hrflow_matching.backends.base import Criteria
from hrflow_matching.backends.local import LocalBackend
from hrflow_matching.backends.local.engine import get_engine, reset_engines
from tests.support.local_fixtures import profile

pytestmark = pytest.mark.django_db

CENTRES = [(48.85, 2.35), (45.76, 4.84), (-16.5, 179.6), (78.2, 15.6), (40.4, -3.7)]
SKILLS = ["Python", "Django", "PostgreSQL", "Java", "Microsoft Excel", "Rust", "Docker"]
LANGS = ["en", "fr", "de", "es", "it"]


@pytest.fixture(autouse=True)
def _fresh_engines(settings, tmp_path):
    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "LOCAL": {"INDEX_DIR": str(tmp_path / "index"), "REBUILD_AFTER": 0},
    }
    reset_engines()
    yield
    reset_engines()


def _random_profile(rng: random.Random, ref: str) -> dict:
    where = None
    if rng.random() < 0.85:
        lat, lng = rng.choice(CENTRES)
        where = (
            max(-89.9, min(89.9, lat + rng.uniform(-12, 12))),
            (lng + rng.uniform(-15, 15) + 540) % 360 - 180,
        )
    year = rng.choice([2023, 2024, 2025, 2026])
    return profile(
        ref,
        title=rng.choice(["Python Developer", "Accountant", "Data Engineer", ""]),
        skills=tuple(rng.sample(SKILLS, rng.randint(0, 4))),
        where=where,
        years=rng.choice([None, 0.5, 1, 3, 3.0000001, 2.9999999, 3.5, 5, 12, rng.uniform(0, 15)]),
        languages=tuple(rng.sample(LANGS, rng.randint(0, 3))),
        tags={"source": rng.choice(["referral", "jobboard"])} if rng.random() < 0.5 else None,
        created_at=f"{year}-0{rng.randint(1, 9)}-10T10:00:0{rng.randint(0, 1)}.{rng.randint(0, 2)}Z",
    )


def _random_criteria(rng: random.Random) -> Criteria:
    kw: dict = {}
    if rng.random() < 0.7:
        lat, lng = rng.choice(CENTRES)
        kw.update(
            location_lat=lat + rng.uniform(-3, 3),
            location_lng=lng + rng.uniform(-3, 3),
            location_distance=rng.choice([50, 300, 800, 2000, 6000]),
        )
    if rng.random() < 0.6:
        kw["skills"] = tuple(rng.sample([*SKILLS, "Unknown Skill"], rng.randint(1, 2)))
    if rng.random() < 0.4:
        kw["languages"] = tuple(rng.sample([*LANGS, "pt"], rng.randint(1, 2)))
    if rng.random() < 0.3:
        kw["experiences_duration_min"] = rng.choice([1, 3, 3.0000001, 2.9999999])
    if rng.random() < 0.2:
        kw["experiences_duration_max"] = rng.choice([3, 5, 4.2])
    if rng.random() < 0.15:
        kw["tags_included"] = (("source", "referral"),)
    if rng.random() < 0.2:
        kw["created_at_min"] = dt.datetime(2025, 3, 10, 10, 0, 0, 100000, tzinfo=dt.UTC)
    if rng.random() < 0.15:
        kw["created_at_max"] = dt.datetime(2024, rng.randint(1, 9), 10, 10, 0, 1, tzinfo=dt.UTC)
    return Criteria(**kw)


def _refs(view, base_pos, delta_pos) -> list[str]:
    found = [view.base.refs[int(i)] for i in base_pos]
    found += [view.delta.refs[int(i)] for i in delta_pos] if view.delta is not None else []
    return sorted(found)


def test_array_filters_keep_exactly_the_rows_sql_keeps():
    rng = random.Random(20261128)
    backend = LocalBackend(tenant=None)
    backend.index("profile", [_random_profile(rng, f"p{i}") for i in range(120)])
    engine = get_engine("profile", None)
    engine.rebuild()
    # A delta: updated rows, archived rows, new rows.
    backend.index("profile", [_random_profile(rng, f"p{i}") for i in range(0, 120, 7)])
    backend.index("profile", [_random_profile(rng, f"n{i}") for i in range(25)])
    backend.archive("profile", [f"p{i}" for i in range(3, 120, 11)])
    view = engine.view()
    assert view.delta is not None and not view.alive.all()
    non_empty = 0
    for _ in range(150):
        criteria = _random_criteria(rng)
        arrays = backend._allowed("profile", view, criteria)
        sql = backend._sql_allowed("profile", view, criteria, skip_arrays=False)
        assert _refs(view, *arrays) == _refs(view, *sql), criteria
        non_empty += bool(len(sql[0]) + len(sql[1]))
    assert non_empty > 30  # the criteria are not all trivially empty
