"""The criteria form as the recruiter pages show it: a city instead of coordinates, and labels
and help that say what a criterion means on this page.

The JSON API keeps :class:`~.forms.CriteriaForm` (its parameters are HrFlow.ai's names); the
pages add a city field, looked up among the cities the CRM already uses (:mod:`.known`), and
word each criterion for the page: "Experience" is the candidate's years on a job's page and the
job's minimum on a candidate's page.
"""

from __future__ import annotations

from typing import Any

from django import forms

from hrflow_matching.match.forms import CriteriaForm
from hrflow_matching.match.known import Known
from hrflow_matching.match.service import Mode

NOUNS = {"profile": ("candidate", "candidates"), "job": ("job", "jobs")}


class PageCriteriaForm(CriteriaForm):
    location_city = forms.CharField(
        label="Near (city)",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"list": "hm-cities", "autocomplete": "off"}),
    )

    MAIN_FIELDS = ("text_keywords", "skills", "location_city", "location_distance",
                   "experiences_duration_min", "experiences_duration_max", "score_threshold",
                   "limit")  # fmt: skip
    MORE_FIELDS = ("languages", "tags_included", "tags_excluded", "created_at_min",
                   "created_at_max")  # fmt: skip

    def __init__(
        self,
        *args: Any,
        mode: Mode,
        known: Known | None = None,
        subject_city: str = "",
        subject_years: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.mode = mode
        self.known = known or Known()
        self.subject_city = subject_city
        self.city_point: tuple[float, float] | None = None
        self._word(subject_years)

    # -- wording ----------------------------------------------------------------------------------
    def _word(self, subject_years: float | None) -> None:
        """Labels and help for this page's results and subject."""
        kind = self.mode.result_kind
        one, many = NOUNS[kind]
        f = self.fields
        f["text_keywords"].help_text = (
            "Type as you would say it (java developer spring): every word counts, and "
            f"{many} holding more of them, or the words of the same job, come first. A phrase in "
            'double quotes must appear ("machine learning").'
        )
        f["skills"].help_text = f"Comma-separated. Every {one} shown has all of them."
        if kind == "profile":
            f["experiences_duration_min"].label = "Candidate's experience from (years)"
            f["experiences_duration_max"].label = "Candidate's experience to (years)"
            help_text = "Years of work experience of the candidate."
        else:
            f["experiences_duration_min"].label = "Job's required experience from (years)"
            f["experiences_duration_max"].label = "Job's required experience to (years)"
            help_text = "The minimum years of experience the job asks for."
        if subject_years is not None and self.mode.subject_kind == "profile":
            help_text += f" This candidate has {subject_years:g} years."
        f["experiences_duration_min"].help_text = help_text
        subject = self.mode.subject_kind
        if subject is not None and self.subject_city:
            f[
                "location_city"
            ].help_text = f"Empty: around the {NOUNS[subject][0]}'s city, {self.subject_city}."
            f["location_distance"].help_text = f"Only {many} this close to the city."
        elif subject is not None:
            f["location_city"].help_text = f"The {NOUNS[subject][0]} has no location."
            f["location_distance"].help_text = f"Only {many} this close to the city above."
        else:
            f["location_city"].help_text = "A city where candidates or jobs are."
            f["location_distance"].help_text = f"Only {many} this close to the city above."
        f["score_threshold"].help_text = f"Hide {many} below it: 60% or 0.6."
        in_use = self.known.tags.get(kind) or []
        if in_use:
            shown = ", ".join(in_use[:12]) + (", …" if len(in_use) > 12 else "")
            f["tags_included"].help_text = (
                f"Tags in use: {shown}. Write name or name:value, comma-separated; quote a "
                'value with commas: family:"arts, media".'
            )
        else:
            f["tags_included"].help_text = f"No {one} has tags yet. Write name or name:value."

    # -- fields shown -----------------------------------------------------------------------------
    def main_fields(self, by_recency: bool = False) -> list[forms.BoundField]:
        """The main fields; "Minimum score" is left out where results are by recency (the
        percentages are not shown there) unless it holds a value or an error."""
        out = []
        for name in self.MAIN_FIELDS:
            bound = self[name]
            if (
                name == "score_threshold"
                and by_recency
                and not (bound.value() not in (None, "") or bound.errors)
            ):
                continue
            out.append(bound)
        return out

    def more_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MORE_FIELDS]

    def coordinate_fields(self) -> list[forms.BoundField]:
        """Latitude and longitude, shown only when a link set them (an old bookmark or an
        API-style URL) or they are wrong: the city replaces them on the page."""
        return [
            self[n]
            for n in ("location_lat", "location_lng")
            if self[n].value() not in (None, "") or self[n].errors
        ]

    def more_has_values(self) -> bool:
        return any(
            self[n].errors or self[n].value() not in (None, "", [], ()) for n in self.MORE_FIELDS
        )

    def mark_invalid(self) -> None:
        """``aria-invalid`` on wrong fields, and ``aria-describedby`` naming both the error and
        the help text, so that a screen reader reads the help of a wrong field too."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                ids = [f"{self[name].id_for_label}-errors"]
                if self.fields[name].help_text:
                    ids.append(f"{self[name].id_for_label}_helptext")
                attrs["aria-describedby"] = " ".join(ids)

    # -- the city ---------------------------------------------------------------------------------
    def clean_location_city(self) -> str:
        name = " ".join((self.cleaned_data.get("location_city") or "").split())
        if not name:
            return ""
        place = self.known.city(name)
        if place is None:
            raise forms.ValidationError(
                f"“{name}” is not a city of any candidate or job; pick one from the list.",
                code="unknown_city",
            )
        self.city_point = (place.lat, place.lng)
        return place.name

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.city_point is not None and data.get("location_lat") is None:
            data["location_lat"], data["location_lng"] = self.city_point
        return data

    def require_location_for_distance(self) -> None:
        data = self.cleaned_data
        if (
            data.get("location_distance") is not None
            and data.get("location_lat") is None
            and not {"location_lat", "location_city"} & set(self.errors)
        ):
            self.add_error("location_city", "A distance needs a city to measure from.")
            self.mark_invalid()

    def center_label(self) -> str:
        """The place distances are measured from, as the page names it."""
        city = self.cleaned_data.get("location_city") if hasattr(self, "cleaned_data") else ""
        if city:
            return city
        if self.cleaned_data.get("location_lat") is not None:
            return "the point given"
        return self.subject_city
