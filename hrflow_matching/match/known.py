"""Cities and tags the CRM already uses: where a typed city is, and which tags exist.

A recruiter types "Vienna", not 48.2082, 16.3738: the search pages take a city name and look
it up among the locations of the candidates' and jobs' own documents (the same documents the
index holds), so no gazetteer and no network call is needed, and every city a recruiter can
find results around is one the CRM knows. The same pass lists the tags in use, shown beside
the tag fields.

The pass reads at most ``SCAN_LIMIT`` rows of each kind (the most recent first) and is cached
per tenant for ``CACHE_SECONDS``: a city or a tag that only older rows use may be missing, a
trade-off against reading a large CRM on a page view. A packaged gazetteer can replace the
city part later without changing the pages.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max

from hrflow_matching.match.service import document_location, scoped_queryset
from hrflow_matching.registry import Kind, adapters

SCAN_LIMIT = 5000
CACHE_SECONDS = 600
KINDS: tuple[Kind, ...] = ("profile", "job")


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lng: float


@dataclass
class Known:
    """What a pass over the documents found."""

    places: dict[str, Place] = field(default_factory=dict)  # by folded name
    tags: dict[Kind, list[str]] = field(default_factory=dict)  # names, most used first

    def city(self, name: str) -> Place | None:
        return self.places.get(fold(name))

    def city_names(self) -> list[str]:
        return sorted((p.name for p in self.places.values()), key=str.casefold)


def fold(name: str) -> str:
    """ "Wien ", "wien" and "WIEN" are one key; accents kept apart from their absence."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def known(tenant: str | None) -> Known:
    """The cities and tags in use within ``tenant``, from the cache or one pass."""
    key = f"hrflow_matching:known:{tenant or ''}:{_fingerprint(tenant)}"
    value = cache.get(key)
    if value is None:
        value = scan(tenant)
        cache.set(key, value, CACHE_SECONDS)
    return value


def _fingerprint(tenant: str | None) -> str:
    """Row count and highest primary key of each kind: a new or removed row is a new key, so
    a city typed right after its first candidate was saved is found."""
    parts = []
    for kind in KINDS:
        for adapter in adapters(kind):
            stats = scoped_queryset(adapter, tenant).aggregate(n=Count("pk"), top=Max("pk"))
            parts.append(f"{stats['n']}-{stats['top']}")
    return ".".join(parts)


def scan(tenant: str | None) -> Known:
    """One pass over the most recent documents of each kind."""
    points: dict[str, Counter] = {}
    names: dict[str, Counter] = {}
    tags: dict[Kind, Counter] = {}
    for kind in KINDS:
        tags[kind] = Counter()
        for adapter in adapters(kind):
            queryset = scoped_queryset(adapter, tenant).order_by("-pk")[:SCAN_LIMIT]
            for document in adapter.to_documents(list(queryset)):
                _add_place(document, points, names)
                for tag in document.get("tags") or []:
                    if tag.get("name"):
                        tags[kind][str(tag["name"])] += 1
    places = {}
    for key, counter in points.items():
        (lat, lng), _ = counter.most_common(1)[0]
        places[key] = Place(names[key].most_common(1)[0][0], lat, lng)
    return Known(places, {k: [n for n, _ in c.most_common()] for k, c in tags.items()})


def _add_place(document: dict, points: dict[str, Counter], names: dict[str, Counter]) -> None:
    loc = document_location(document)
    city = (loc.get("fields") or {}).get("city") or loc.get("text")
    lat, lng = loc.get("lat"), loc.get("lng")
    if not city or lat is None or lng is None:
        return
    try:
        point = (round(float(lat), 4), round(float(lng), 4))
    except (TypeError, ValueError):
        return
    key = fold(str(city))
    points.setdefault(key, Counter())[point] += 1
    names.setdefault(key, Counter())[" ".join(str(city).split())] += 1
