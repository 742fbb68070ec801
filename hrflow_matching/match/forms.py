"""The criteria form shared by the recruiter pages and the JSON matching API.

One form validates both, so that a criterion the page accepts is accepted by the API with the
same name (HrFlow.ai's query parameter names) and the same error message. List criteria accept
comma-separated values and repeated parameters alike (``skills=python,sql`` or
``skills=python&skills=sql``), so that a plain ``<input>`` and an API client both work.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils import timezone

from hrflow_matching.backends.base import Criteria
from hrflow_matching.conf import get_settings
from hrflow_matching.match.fields import (
    CommaListField,
    KeywordsField,
    NumberField,
    ScoreField,
    TagListField,
)

EMPTY = (None, "", [], ())


class CriteriaForm(forms.Form):
    """Every criterion of :class:`~hrflow_matching.backends.base.Criteria`, validated."""

    text_keywords = KeywordsField(
        label="Keywords",
        help_text="Type as you would say it (java developer spring): every word counts, and "
        "results holding more of them, or the words of the same job, come first. A phrase in "
        'double quotes must appear ("machine learning").',
    )
    skills = CommaListField(
        label="Required skills",
        help_text="Comma-separated. Every result has all of them.",
    )
    languages = CommaListField(
        label="Languages", max_items=20, help_text="Comma-separated codes or names: en, fr."
    )
    location_distance = NumberField(
        label="Distance (km)",
        required=False,
        min_value=1,
        max_value=20000,
        help_text="Around the job's or candidate's location, or the latitude and longitude "
        "under “More criteria”.",
    )
    location_lat = NumberField(label="Latitude", required=False, min_value=-90, max_value=90)
    location_lng = NumberField(label="Longitude", required=False, min_value=-180, max_value=180)
    experiences_duration_min = NumberField(
        label="Experience from (years)", required=False, min_value=0, max_value=80
    )
    experiences_duration_max = NumberField(
        label="Experience to (years)", required=False, min_value=0, max_value=80
    )
    tags_included = TagListField(
        label="With tags",
        help_text="name or name:value, comma-separated; quote a value with commas: "
        'family:"arts, media".',
    )
    tags_excluded = TagListField(label="Without tags", help_text="name or name:value.")
    created_at_min = forms.DateField(
        label="Created from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_at_max = forms.DateField(
        label="Created until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    score_threshold = ScoreField(
        label="Minimum score",
        required=False,
        min_value=0,
        max_value=1,
        help_text="A percentage (60%) or from 0 to 1 (0.6).",
        error_messages={"max_value": "At most 1 (100 %%): write 60%% or 0.6 for 60 %%."},
    )
    limit = forms.IntegerField(
        label="Per page",
        required=False,
        min_value=1,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    page = forms.IntegerField(
        required=False, min_value=1, max_value=10000, widget=forms.HiddenInput
    )

    #: Field groups of the page's form, in display order.
    MAIN_FIELDS = ("text_keywords", "skills", "location_distance", "experiences_duration_min",
                   "experiences_duration_max", "score_threshold", "limit")  # fmt: skip
    MORE_FIELDS = ("languages", "tags_included", "tags_excluded", "location_lat", "location_lng",
                   "created_at_min", "created_at_max")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pages = get_settings()["PAGES"]
        self.max_page_size = int(pages["MAX_PAGE_SIZE"])
        self.default_page_size = int(pages["PAGE_SIZE"])
        limit = self.fields["limit"]
        limit.max_value = self.max_page_size
        limit.validators.append(MaxValueValidator(self.max_page_size))
        limit.help_text = f"1 to {self.max_page_size}."

    # -- groups for templates -------------------------------------------------------------------
    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MAIN_FIELDS]

    def more_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MORE_FIELDS]

    def more_has_values(self) -> bool:
        """Open the "more criteria" group when one of its filters is set or a field is wrong.

        The coordinates are where distances are measured from, not a filter: they alone do not
        open the group.
        """
        if self["location_distance"].errors and self["location_lat"].value() in EMPTY:
            return True  # "a distance needs a latitude and a longitude": they are in there
        for name in self.MORE_FIELDS:
            if self[name].errors:
                return True
            if name not in {"location_lat", "location_lng"} and self[name].value() not in EMPTY:
                return True
        return False

    # -- validation -----------------------------------------------------------------------------
    def full_clean(self) -> None:
        super().full_clean()
        self.mark_invalid()

    def mark_invalid(self) -> None:
        """``aria-invalid`` and ``aria-describedby`` on wrong fields, for screen readers."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].id_for_label}-errors"

    def clean_text_keywords(self) -> list[str]:
        """A keyword must hold a letter or a digit: "!!!" or "%" searches for nothing, and
        was silently dropped, so the page showed every row as if it had matched."""
        keywords = self.cleaned_data["text_keywords"]
        empty = [k for k in keywords if not any(ch.isalnum() for ch in k)]
        if empty:
            raise ValidationError(
                f"“{empty[0]}” has no letter or digit to search for.", code="no_word"
            )
        return keywords

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        lat, lng = data.get("location_lat"), data.get("location_lng")
        if (lat is None) != (lng is None) and not {"location_lat", "location_lng"} & set(
            self.errors
        ):
            missing = "location_lng" if lng is None else "location_lat"
            self.add_error(missing, "Give both latitude and longitude, or neither.")
        low, high = data.get("experiences_duration_min"), data.get("experiences_duration_max")
        if low is not None and high is not None and low > high:
            self.add_error("experiences_duration_max", "Must be at least the lower bound.")
        start, end = data.get("created_at_min"), data.get("created_at_max")
        if start and end and start > end:
            self.add_error("created_at_max", "Must be on or after the start date.")
        return data

    def require_location_for_distance(self) -> None:
        """Without a subject to centre on, a distance needs explicit coordinates."""
        data = self.cleaned_data
        if (
            data.get("location_distance") is not None
            and data.get("location_lat") is None
            and "location_lat" not in self.errors
        ):
            self.add_error(
                "location_distance",
                "A distance needs a latitude and a longitude to measure from.",
            )
            self.mark_invalid()

    def to_criteria(self, default_center: tuple[float, float] | None = None) -> Criteria:
        """The backend criteria of a valid form.

        A distance without coordinates is measured from ``default_center`` (the job's or the
        candidate's own location); without either, there is no location criterion.
        """
        data = self.cleaned_data
        center = (
            (data["location_lat"], data["location_lng"])
            if data.get("location_lat") is not None and data.get("location_lng") is not None
            else default_center
        )
        distance = data.get("location_distance") if center is not None else None
        return Criteria(
            location_lat=center[0] if center and distance is not None else None,
            location_lng=center[1] if center and distance is not None else None,
            location_distance=distance,
            text_keywords=tuple(data.get("text_keywords") or ()),
            tags_included=tuple(data.get("tags_included") or ()),
            tags_excluded=tuple(data.get("tags_excluded") or ()),
            skills=tuple(data.get("skills") or ()),
            languages=tuple(data.get("languages") or ()),
            experiences_duration_min=data.get("experiences_duration_min"),
            experiences_duration_max=data.get("experiences_duration_max"),
            created_at_min=_start_of_day(data.get("created_at_min")),
            created_at_max=_end_of_day(data.get("created_at_max")),
            score_threshold=data.get("score_threshold"),
            page=data.get("page") or 1,
            limit=data.get("limit") or self.default_page_size,
        )


def _start_of_day(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _end_of_day(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time.max, tzinfo=timezone.get_current_timezone())
