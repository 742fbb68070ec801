"""Small builders for HrFlow Profile and Job objects (``reference/hrflow-api.md`` §8–9).

Adapters compose documents from these so that every document has the same shapes: tag values
are strings, dates are ISO-8601 in UTC, locations always carry ``text``/``lat``/``lng``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from django.utils import timezone

from .languages import language_name


def iso(value: dt.datetime | dt.date | None) -> str | None:
    """ISO-8601; aware datetimes in UTC with a ``Z``, dates as ``YYYY-MM-DD``."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        # Fast path: datetimes read from the database are already in UTC (about 100,000
        # calls per 10,000 profiles pulled), so no conversion is needed.
        if value.tzinfo is not dt.UTC:
            if timezone.is_naive(value):
                value = timezone.make_aware(value, dt.UTC)
            value = value.astimezone(dt.UTC)
        return value.isoformat().replace("+00:00", "Z")
    return value.isoformat()


def location(
    text: str | None, lat: float | None = None, lng: float | None = None, **fields: str | None
) -> dict[str, Any]:
    return {
        "text": text or None,
        "lat": lat,
        "lng": lng,
        "fields": {k: v for k, v in fields.items() if v} or None,
    }


def entity(name: str, value: Any = None) -> dict[str, str | None]:
    """A HrFlow GeneralEntity (tag, language, metadata…): string values only.

    Booleans are ``"true"``/``"false"`` and other non-strings JSON, never Python's ``repr``
    (``"True"``, ``{'a': 1}``), so that filters on tag values match what any client sends.
    """
    if value is None or isinstance(value, str):
        text = value
    elif isinstance(value, bool | int | float | list | dict):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = str(value)
    return {"name": str(name), "value": text}


def entities(pairs: Mapping[str, Any] | Iterable[str]) -> list[dict[str, str | None]]:
    """Entities of ``{name: value}`` (a blank string value is no value: the pair is left out,
    as HrFlow.ai refuses a blank tag value) or of bare names."""
    if isinstance(pairs, Mapping):
        return [
            entity(k, v) for k, v in pairs.items() if not (isinstance(v, str) and not v.strip())
        ]
    return [entity(name) for name in pairs]


def languages(values: Iterable[str]) -> list[dict[str, str | None]]:
    """Language entities by the name HrFlow.ai holds (``en``, ``English``, ``anglais`` ->
    ``english``), each language once: HrFlow.ai's documents and filters carry names, not
    ISO codes, so a CRM storing codes still matches a filter on ``english``."""
    names = dict.fromkeys(language_name(v) for v in values if v and str(v).strip())
    return [entity(name) for name in names]


def skill(name: str, type_: str = "hard", value: str | None = None) -> dict[str, str | None]:
    return {"name": name, "type": type_, "value": value}


def years_between(start: dt.date, end: dt.date | None, today: dt.date | None = None) -> float:
    end = end or today or timezone.now().date()
    return max(0.0, (end - start).days / 365.25)


#: Tags that say a job is remote, or a candidate open to remote work (``"true"`` and the like).
REMOTE_TAGS = ("remote", "open_to_remote")
_TRUE = {"true", "1", "yes", "y"}


def is_remote(document: Mapping[str, Any]) -> bool:
    """Whether a Profile or Job document says location does not matter (:data:`REMOTE_TAGS`)."""
    return any(
        str(tag.get("name") or "").strip().lower() in REMOTE_TAGS
        and str(tag.get("value") or "").strip().lower() in _TRUE
        for tag in document.get("tags") or ()
        if isinstance(tag, Mapping)
    )


#: Document keys left out of a fingerprint: they move without the content changing (the
#: modification date on every save, durations computed from today's date).
FINGERPRINT_IGNORED = ("updated_at", "experiences_duration", "educations_duration")


def fingerprint(document: Mapping[str, Any], ignored: Iterable[str] = FINGERPRINT_IGNORED) -> str:
    """A SHA-256 of the document's content (keys sorted, ``ignored`` top-level keys left out):
    equal fingerprints mean HrFlow.ai would read the same object."""
    skip = set(ignored)
    content = {k: v for k, v in document.items() if k not in skip}
    data = orjson.dumps(content, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    return hashlib.sha256(data).hexdigest()
