"""The criteria form's fields: lists as people and API clients write them, numbers as people
type them.

Lists accept comma-separated values and repeated parameters alike (``skills=python,sql`` or
``skills=python&skills=sql``); a value holding commas goes in double quotes. Numbers are text
inputs that read a decimal comma, and a score may be a percentage with its sign.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from hrflow_matching.backends.base import Tag


class CommaListInput(forms.TextInput):
    """A text input whose value joins every occurrence of the parameter with commas."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> str | None:
        if hasattr(data, "getlist"):
            values = [v for v in data.getlist(name) if v is not None]
            return ",".join(values) if values else None
        value = data.get(name)
        if isinstance(value, list | tuple):
            return ",".join(str(v) for v in value)
        return value


#: C0 control characters and DEL (tabs and line breaks are read as spaces before this test).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

#: One item of a comma-separated list: commas inside double quotes are part of it.
_ITEM = re.compile(r'(?:[^,"]|"[^"]*"?)+')


class CommaListField(forms.CharField):
    """Comma-separated values, stripped, de-duplicated case-insensitively, order kept.

    A value holding commas is written in double quotes (``family:"arts, design"``), as a
    spreadsheet writes it; the quotes are not part of the value.
    """

    widget = CommaListInput

    def __init__(self, *, max_items: int = 50, **kwargs: Any) -> None:
        self.max_items = max_items
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = _visible(super().to_python(value))
        seen: set[str] = set()
        items: list[str] = []
        for raw in _ITEM.findall(text):
            item = " ".join(raw.replace('"', "").split())
            if item and item.casefold() not in seen:
                seen.add(item.casefold())
                items.append(item)
        return items

    def validate(self, value: list[str]) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(value) > self.max_items:
            raise ValidationError(
                f"At most {self.max_items} values, got {len(value)}.", code="max_items"
            )
        for item in value:
            if _CONTROL.search(item):
                # PostgreSQL refuses NUL in text; no criterion means a control character.
                raise ValidationError(
                    "Control characters (such as NUL) are not allowed.", code="control_character"
                )
            if len(item) > 200:
                raise ValidationError(f'"{item[:20]}…" is too long.', code="max_length")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(_quoted(str(v)) for v in value)
        return value


def _quoted(item: str) -> str:
    """An item as the field reads it back: in quotes (after a tag's ``name:``) if it has commas."""
    if "," not in item:
        return item
    name, sep, value = item.partition(":")
    return f'{name}:"{value}"' if sep and "," not in name else f'"{item}"'


class TagListField(CommaListField):
    """Tags as ``name`` or ``name:value``; a bare name matches any value of the tag."""

    def clean(self, value: Any) -> tuple[Tag, ...]:  # type: ignore[override]
        items = super().clean(value)
        tags: list[Tag] = []
        for item in items:
            name, sep, tag_value = item.partition(":")
            name, tag_value = name.strip(), tag_value.strip()
            if not name:
                raise ValidationError(
                    f'"{item}" is not a tag: write name or name:value.', code="invalid_tag"
                )
            tags.append((name, tag_value if sep and tag_value else None))
        return tuple(tags)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple) and value and isinstance(value[0], tuple):
            return ", ".join(_quoted(f"{n}:{v}") if v is not None else n for n, v in value)
        return super().prepare_value(value)


class KeywordsField(CommaListField):
    """What a recruiter types in the keyword box, one or more comma-separated keywords.

    Unlike other lists, double quotes stay in the value: in keywords they mean "this phrase
    must appear" (``java developer, "spring boot"``), read by the matching backends. Commas
    inside quotes stay in the phrase.
    """

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = _visible(forms.CharField.to_python(self, value))
        seen: set[str] = set()
        items: list[str] = []
        for raw in _ITEM.findall(text):
            item = " ".join(raw.split())
            if item.count('"') % 2:  # an unclosed quote closes at the end of its keyword
                item += '"'
            item = item.replace('""', "").strip()
            if item and item.casefold() not in seen:
                seen.add(item.casefold())
                items.append(item)
        return items

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value


def _visible(text: str) -> str:
    """``text`` without invisible format characters (bidi overrides, zero-width joiners…),
    which would reorder what the page shows ("R ,live") without changing what is searched."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


class NumberField(forms.FloatField):
    """A number as people type it: ``2.5``, ``2,5`` (a decimal comma), `` 3 ``.

    A text input (``inputmode="decimal"`` brings up the numeric keyboard on phones), because a
    browser's ``type="number"`` drops what it cannot parse: Chromium sent ``25`` for "2,5", a
    valid value and a wrong one, and an invalid value vanished from the field instead of
    staying there beside its error.
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal"})

    def to_python(self, value: Any) -> float | None:
        if isinstance(value, str):
            value = "".join(value.split())  # also thin and non-breaking spaces
            if value.count(",") == 1 and "." not in value:
                value = value.replace(",", ".")
        return super().to_python(value)


class ScoreField(NumberField):
    """A score from 0 to 1, or a percentage written with its sign (``60%``), as pages show."""

    def to_python(self, value: Any) -> float | None:
        if isinstance(value, str) and value.strip().endswith("%"):
            number = super().to_python(value.strip()[:-1])
            return None if number is None else number / 100
        return super().to_python(value)
