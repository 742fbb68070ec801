"""The criteria form: list parsing, tags, cross-field rules, and the Criteria it builds."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.http import QueryDict

from hrflow_matching.match.forms import CriteriaForm
from hrflow_matching.match.service import MODES, initial_data


def form(query: str) -> CriteriaForm:
    return CriteriaForm(QueryDict(query))


def test_lists_accept_commas_and_repeated_parameters():
    f = form("skills=Python,%20django&skills=SQL&skills=python&languages=en,fr")
    assert f.is_valid(), f.errors
    criteria = f.to_criteria()
    assert criteria.skills == ("Python", "django", "SQL")  # de-duplicated, order kept
    assert criteria.languages == ("en", "fr")


def test_tags_are_name_or_name_value():
    f = form("tags_included=remote:true,senior&tags_excluded=contract_type:freelance")
    assert f.is_valid(), f.errors
    criteria = f.to_criteria()
    assert criteria.tags_included == (("remote", "true"), ("senior", None))
    assert criteria.tags_excluded == (("contract_type", "freelance"),)
    bad = form("tags_included=:x")
    assert not bad.is_valid() and "tags_included" in bad.errors


def test_cross_field_rules():
    f = form("location_lat=48.8&experiences_duration_min=5&experiences_duration_max=2"
             "&created_at_min=2026-02-01&created_at_max=2026-01-01")  # fmt: skip
    assert not f.is_valid()
    assert {"location_lng", "experiences_duration_max", "created_at_max"} <= set(f.errors)
    assert f.fields["location_lng"].widget.attrs["aria-invalid"] == "true"


def test_ranges_and_page_size():
    f = form("score_threshold=1.5&location_distance=0&limit=1000&page=0")
    assert not f.is_valid()
    assert {"score_threshold", "location_distance", "limit", "page"} <= set(f.errors)


def test_distance_is_measured_from_the_subject_by_default():
    f = form("location_distance=30&created_at_max=2026-01-31")
    assert f.is_valid(), f.errors
    criteria = f.to_criteria(default_center=(48.85, 2.35))
    assert (criteria.location_lat, criteria.location_lng, criteria.location_distance) == (
        48.85,
        2.35,
        30,
    )
    assert criteria.created_at_max.date() == dt.date(2026, 1, 31)
    assert criteria.created_at_max.time() == dt.time.max
    # No centre and no coordinates: no location criterion at all.
    plain = form("location_distance=30")
    assert plain.is_valid()
    assert plain.to_criteria().has_location is False
    plain.require_location_for_distance()
    assert "location_distance" in plain.errors


def test_first_view_starts_from_the_jobs_own_data():
    job = {
        "location": {"lat": 45.0, "lng": 5.0},
        "ranges_float": [{"name": "experience_years", "value_min": 3.0, "value_max": 8.0}],
    }
    data = initial_data(MODES["profiles_for_job"], job)
    assert data["location_distance"] == 50
    # Measured from the job itself (its centre is the view's default), not coordinates typed in.
    assert "location_lat" not in data and "location_lng" not in data
    # The minimum filters; the upper bound is scored by the experience criterion, not filtered.
    assert data["experiences_duration_min"] == 3
    assert "experiences_duration_max" not in data
    f = CriteriaForm(data)
    assert f.is_valid(), f.errors
    criteria = f.to_criteria(default_center=(45.0, 5.0))
    assert criteria.limit == 20
    assert (criteria.location_lat, criteria.location_lng) == (45.0, 5.0)


def test_first_view_of_a_remote_subject_has_no_distance():
    """A remote job (or a candidate open to remote work): a default distance would hide the
    candidates (or jobs) that fit best; location still ranks them."""
    for tags in ([{"name": "remote", "value": "true"}], [{"name": "open_to_remote", "value": "1"}]):
        remote = {"location": {"lat": 45.0, "lng": 5.0}, "tags": tags}
        assert "location_distance" not in initial_data(MODES["profiles_for_job"], remote)
    onsite = {"location": {"lat": 45.0, "lng": 5.0}, "tags": [{"name": "remote", "value": "false"}]}
    assert initial_data(MODES["profiles_for_job"], onsite)["location_distance"] == 50


def test_numbers_as_people_type_them():
    """A decimal comma is a decimal point (a browser's number input turned "2,5" into 25),
    spaces are dropped, and a score may be a percentage written with its sign."""
    f = form("experiences_duration_min=2,5&experiences_duration_max=1%E2%80%AF000"
             "&score_threshold=60%25&location_distance=+30+")  # fmt: skip
    assert not f.is_valid()  # 1 000 years is over the bound, and says so
    assert f.cleaned_data["experiences_duration_min"] == 2.5
    assert f.cleaned_data["score_threshold"] == 0.6
    assert f.cleaned_data["location_distance"] == 30
    assert "experiences_duration_max" in f.errors
    too_high = form("score_threshold=60")
    assert not too_high.is_valid()
    assert "write 60% or 0.6" in too_high.errors["score_threshold"][0]
    assert form("score_threshold=0.6").is_valid()
    assert form("experiences_duration_min=1,234.5").errors  # a comma and a point: ambiguous


def test_a_wrong_value_stays_in_its_field():
    html = str(form("limit=ten&experiences_duration_min=abc")["limit"])
    assert 'value="ten"' in html and 'type="text"' in html and 'inputmode="numeric"' in html


def test_invisible_format_characters_are_dropped_from_lists():
    f = form("skills=%E2%80%AEevil,%20R&text_keywords=da%E2%80%8Bta")
    assert f.is_valid(), f.errors
    criteria = f.to_criteria()
    assert criteria.skills == ("evil", "R") and criteria.text_keywords == ("data",)


def test_a_value_with_commas_is_written_in_quotes():
    f = form('tags_included=family:"arts, design, media",remote:true&skills="C, C%2B%2B",SQL')
    assert f.is_valid(), f.errors
    criteria = f.to_criteria()
    assert criteria.tags_included == (("family", "arts, design, media"), ("remote", "true"))
    assert criteria.skills == ("C, C++", "SQL")
    shown = f.fields["tags_included"].prepare_value(list(criteria.tags_included))
    again = form(f"tags_included={quote(shown)}")  # what the page's field sends back
    assert again.is_valid() and again.to_criteria().tags_included == criteria.tags_included


def test_a_keyword_without_a_letter_or_digit_is_an_error():
    for keywords in ("!!!", "%25", "data,-", "🙂"):
        f = form(f"text_keywords={keywords}")
        assert not f.is_valid() and "no letter or digit" in f.errors["text_keywords"][0]
    assert form("text_keywords=C%23,%20C%2B%2B,%20caf%C3%A9").is_valid()


def test_a_distance_without_coordinates_opens_the_group_that_has_them():
    f = form("location_distance=10")
    assert f.is_valid()
    f.require_location_for_distance()
    assert "location_distance" in f.errors and f.more_has_values()
    assert not form("location_distance=10&location_lat=45&location_lng=5").more_has_values()
