"""Links and panels of the recruiter pages: paging, "loosen this filter", the subject summary.

Every link is a plain URL built from the current query string, so paging, loosening a filter
or requiring one of the job's skills works without JavaScript and keeps the other criteria.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, QueryDict
from django.utils.encoding import escape_uri_path

from hrflow_matching.backends.base import Criteria, ResultPage
from hrflow_matching.match.forms import CriteriaForm
from hrflow_matching.match.page_form import PageCriteriaForm
from hrflow_matching.match.presenters import (
    admin_change_url,
    display_city,
    display_title,
    language_name,
)
from hrflow_matching.match.service import document_skills, experience_range
from hrflow_matching.registry import BaseAdapter


def current_query(request: HttpRequest, form: CriteriaForm | None = None) -> QueryDict:
    """The criteria of the page as a query string: the GET data, or the form's first values."""
    if any(k in request.GET for k in PageCriteriaForm.base_fields if k != "page") or form is None:
        return request.GET.copy()
    query = QueryDict(mutable=True)
    for name in PageCriteriaForm.base_fields:
        value = form[name].value()
        if value not in (None, "", []):
            query[name] = str(form.fields[name].prepare_value(value))
    return query


def page_path(request: HttpRequest) -> str:
    """The page's own path, escaped for a link.

    ``request.path`` is decoded: a reference holding ``?``, ``#`` or ``%`` would end the path
    early or be read again as an escape. Escaped, it names the same page.
    """
    return escape_uri_path(request.path)


def query_url(request: HttpRequest, query: QueryDict, **changes: Any) -> str:
    query = query.copy()
    for key, value in changes.items():
        if value is None or value == "":
            query[key] = ""
        else:
            query[key] = str(value)
    return f"{page_path(request)}?{query.urlencode()}"


def page_links(request: HttpRequest, query: QueryDict, page: ResultPage) -> dict[str, Any]:
    """Previous/next and a window of page numbers around the current one."""
    last = max(page.last_page, 1)
    window = range(max(1, page.page - 2), min(last, page.page + 2) + 1)
    return {
        "previous": query_url(request, query, page=page.page - 1) if page.page > 1 else None,
        "next": query_url(request, query, page=page.page + 1) if page.page < last else None,
        "numbers": [(n, query_url(request, query, page=n), n == page.page) for n in window],
        "first_url": query_url(request, query, page=1) if window.start > 1 else None,
        "last_url": query_url(request, query, page=last) if window.stop <= last else None,
        "gap_before_last": window.stop < last,
        "last": last,
    }


#: Below this many results the page offers ways to loosen the criteria, not only at zero.
LOOSEN_BELOW = 5


@dataclass
class ActiveFilter:
    """One filter of the page: what it is, the link that removes it, what removing it gives."""

    key: str
    label: str  # "within 50 km of Vienna", as a sentence part
    url: str  # the page without this filter
    without: Criteria  # the criteria without it
    from_subject: bool = False  # taken from the job's or candidate's own data
    total: int | None = None  # results without this filter, once counted
    hidden: int | None = None  # results this filter hides (total without it − total with it)

    def gain(self, current: int) -> int:
        return (self.total or 0) - current


def active_filters(
    request: HttpRequest,
    query: QueryDict,
    criteria: Criteria,
    *,
    initial: dict[str, Any] | None = None,
    center_label: str = "",
    city_typed: bool = False,
) -> list[ActiveFilter]:
    """Every filter the criteria apply, each required skill on its own.

    ``initial`` is the first view's data (from the subject): a filter still at that value is
    marked as taken from the job or candidate, so the page can say where it came from.
    """
    initial = initial or {}
    query = query.copy()
    query["page"] = "1"
    out: list[ActiveFilter] = []

    def add(key: str, label: str, without: Criteria, from_subject: bool = False, **changes: Any):
        url = query_url(request, query, **changes)
        out.append(ActiveFilter(key, label, url, replace(without, page=1, limit=1), from_subject))

    c = criteria
    if c.has_location:
        where = f" of {center_label}" if center_label else ""
        from_subject = (
            not city_typed
            and initial.get("location_distance") is not None
            and float(initial["location_distance"]) == c.location_distance
        )
        add("distance", f"within {c.location_distance:g} km{where}",
            replace(c, location_distance=None, location_lat=None, location_lng=None),
            from_subject, location_distance="")  # fmt: skip
    low, high = c.experiences_duration_min, c.experiences_duration_max
    if low is not None or high is not None:
        if high is None:
            text = f"at least {low:g} year{'' if low == 1 else 's'} of experience"
        elif low is None:
            text = f"at most {high:g} year{'' if high == 1 else 's'} of experience"
        else:
            text = f"{low:g}–{high:g} years of experience"
        from_subject = (initial.get("experiences_duration_min") == low or low is None) and (
            initial.get("experiences_duration_max") == high or high is None
        )
        add("experience", text,
            replace(c, experiences_duration_min=None, experiences_duration_max=None),
            from_subject, experiences_duration_min="", experiences_duration_max="")  # fmt: skip
    for skill in c.skills:
        rest = [s for s in c.skills if s != skill]
        add(f"skill:{skill}", f"requires {skill}", replace(c, skills=tuple(rest)),
            skills=", ".join(rest))  # fmt: skip
    if c.text_keywords:
        add("keywords", "keywords " + ", ".join(c.text_keywords),
            replace(c, text_keywords=()), text_keywords="")  # fmt: skip
    if c.tags_included:
        tags = ", ".join(n if v is None else f"{n}:{v}" for n, v in c.tags_included)
        add("tags", f"tags {tags}", replace(c, tags_included=()), tags_included="")
    if c.languages:
        add("languages", "speaks " + ", ".join(language_name(x) for x in c.languages),
            replace(c, languages=()), languages="")  # fmt: skip
    if c.created_at_min or c.created_at_max:
        add("created", "creation dates",
            replace(c, created_at_min=None, created_at_max=None),
            created_at_min="", created_at_max="")  # fmt: skip
    if c.score_threshold:
        add("score", f"score at least {round(c.score_threshold * 100)} %",
            replace(c, score_threshold=None), score_threshold="")  # fmt: skip
    if c.tags_excluded:
        add("excluded", "without tags " + ", ".join(n for n, _ in c.tags_excluded),
            replace(c, tags_excluded=()), tags_excluded="")  # fmt: skip
    return out


def count_without(filters: list[ActiveFilter], count: Any) -> None:
    """Fill each filter's ``total``: ``count(criteria)`` is the backend's total for them."""
    for item in filters:
        if item.total is None:
            item.total = count(item.without)


def loosen_suggestions(filters: list[ActiveFilter], current: int) -> list[ActiveFilter]:
    """The counted filters whose removal shows more results, the most results first; every
    filter, in the page's order, where none could be counted (a backend that is not asked)."""
    if all(f.total is None for f in filters):
        return list(filters)
    useful = [f for f in filters if f.total is not None and f.gain(current) > 0]
    return sorted(useful, key=lambda f: (-(f.total or 0), f.label))


def subject_panel(
    request: HttpRequest,
    query: QueryDict,
    subject: Model,
    document: dict[str, Any],
    adapter: BaseAdapter,
) -> dict[str, Any]:
    """What the page shows of its job or candidate, with links that require one of its skills."""
    query = query.copy()
    query["page"] = "1"
    current = [s.strip() for s in query.get("skills", "").split(",") if s.strip()]
    required = {s.casefold() for s in current}
    skills = []
    for name in document_skills(document):
        is_required = name.casefold() in required
        if is_required:  # the chip stops requiring it
            new = [s for s in current if s.casefold() != name.casefold()]
        else:
            new = [*current, name]
        skills.append(
            {
                "name": name,
                "required": is_required,
                "url": query_url(request, query, skills=", ".join(new)),
            }
        )
    low, high = experience_range(document)
    return {
        "object": subject,
        "name": str(subject),
        "reference": adapter.get_reference(subject),
        "document": document,
        "title": display_title(document),
        "city": display_city(document),
        "skills": skills,
        "experience": (low, high),
        "admin_url": admin_change_url(subject),
        "changelist_url": _changelist_url(subject),
        "verbose_name_plural": subject._meta.verbose_name_plural,
    }


def _changelist_url(obj: Model) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_changelist")
    except NoReverseMatch:
        return None
