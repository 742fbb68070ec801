"""Query parameters of the list endpoints: date filters (django-filter), page size, cursor.

Each parser raises :class:`~.errors.ParameterError` naming the parameter, so a bad value is a
400 that says which parameter is wrong, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from hrflow_matching.api.errors import ParameterError
from hrflow_matching.conf import get_settings

_PLUS_LOST = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def parse_datetime_param(value: str) -> dt.datetime:
    """ISO-8601 with a time zone; a date alone means midnight UTC.

    A ``+`` left unencoded in a query string arrives as a space (``…T10:00:00 02:00``); it is
    read back as ``+`` rather than refused, since no other reading makes sense.
    """
    text = _PLUS_LOST.sub(r"\1+\2", value.strip())
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError as exc:
            raise ValueError("not a valid date") from exc
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    if "T" not in text and " " not in text:
        raise ValueError("expected an ISO-8601 date or date-time, e.g. 2026-03-01T14:21:58Z")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(
            "expected an ISO-8601 date-time with a time zone, e.g. 2026-03-01T14:21:58Z"
        ) from exc
    if parsed.tzinfo is None:
        raise ValueError("a date-time needs a time zone (Z or ±HH:MM)")
    return parsed.astimezone(dt.UTC)


class Iso8601Field(forms.Field):
    def to_python(self, value: Any) -> dt.datetime | None:
        if value in (None, ""):
            return None
        try:
            return parse_datetime_param(str(value))
        except (ValueError, OverflowError) as exc:
            raise forms.ValidationError(str(exc)) from exc


class StrictBooleanField(forms.Field):
    """true/false (also 1/0, yes/no); anything else is an error, not a silent default."""

    TRUE = {"true", "1", "yes", "on"}
    FALSE = {"false", "0", "no", "off"}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError("expected true or false")


class Iso8601Filter(django_filters.Filter):
    field_class = Iso8601Field


class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


class PullFilterSet(django_filters.FilterSet):
    """``updated_since`` (inclusive), ``updated_until`` (exclusive), ``include_archived``.

    The same filter set serves live rows (on the adapter's modification date field, with the
    adapter's archived filter) and tombstones (on ``archived_at``, left out when
    ``include_archived=false``).
    """

    updated_since = Iso8601Filter(lookup_expr="gte")
    updated_until = Iso8601Filter(lookup_expr="lt")
    include_archived = StrictBooleanFilter(method="_archived")

    def __init__(
        self,
        data: Any,
        queryset: QuerySet,
        *,
        updated_field: str,
        archived_q: Q | None,
        tombstones: bool = False,
    ) -> None:
        super().__init__(data, queryset=queryset)
        self.filters["updated_since"].field_name = updated_field
        self.filters["updated_until"].field_name = updated_field
        self._archived_q = archived_q
        self._tombstones = tombstones

    def _archived(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None or value:
            return queryset
        if self._tombstones:
            return queryset.none()
        return queryset.exclude(self._archived_q) if self._archived_q is not None else queryset

    def validated_qs(self) -> QuerySet:
        """The filtered queryset, or a 400 naming the first invalid parameter."""
        if not self.is_valid():
            name, errors = next(iter(self.errors.items()))
            raise ParameterError(name, " ".join(str(e) for e in errors))
        return self.qs


#: Parameters of offset or page-number paging, which these lists do not have.
_OFFSET_PAGING = ("page", "offset", "start")


def refuse_offset_paging(params: Mapping[str, Any]) -> None:
    """A 400 for ``page``/``offset``/``start``: ignoring them would answer the first page again
    and again, and a puller looping "until empty" (the usual pattern) would never finish."""
    for name in _OFFSET_PAGING:
        if name in params:
            raise ParameterError(
                name,
                "these lists page with a cursor: follow `next`, or send `next_cursor` back as "
                "`cursor` (the size of a page is `page_size`)",
            )


def parse_page_size(params: Mapping[str, Any]) -> int:
    """``page_size``, or ``limit`` (the name HrFlow.ai's own API and many pullers use)."""
    api = get_settings()["API"]
    given = {n: params[n] for n in ("page_size", "limit") if params.get(n) not in (None, "")}
    if not given:
        return int(api["PAGE_SIZE"])
    if len(set(given.values())) > 1:
        raise ParameterError("limit", "give `page_size` or `limit`, not both")
    name, raw = next(iter(given.items()))
    maximum = int(api["MAX_PAGE_SIZE"])
    try:
        size = int(raw.strip())
    except ValueError:
        raise ParameterError(name, f"expected an integer from 1 to {maximum}") from None
    if not 1 <= size <= maximum:
        raise ParameterError(name, f"expected an integer from 1 to {maximum}")
    return size


@dataclass(frozen=True, order=True)
class Position:
    """A place in the (modification date, reference) order: the last item a client holds."""

    updated_at: dt.datetime
    reference: str

    def encode(self) -> str:
        payload = json.dumps(
            [self.updated_at.astimezone(dt.UTC).isoformat(), self.reference],
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, raw: str) -> Position:
        text = raw.strip()
        try:
            data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            when, reference = data
            moment = dt.datetime.fromisoformat(when)
            if moment.tzinfo is None or not isinstance(reference, str) or "\x00" in reference:
                raise ValueError
            reference.encode("utf-8")  # a lone surrogate (``"\ud800"``) cannot be sent to SQL
            # 0001-01-01T00:00:00+01:00 is a valid date whose UTC time is before year 1.
            moment = moment.astimezone(dt.UTC)
        except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
            raise ParameterError(
                "cursor", "not a cursor returned by this endpoint (use next_cursor as is)"
            ) from None
        return cls(moment, reference)
