"""Links and panels of the recruiter pages: paging, "loosen this filter", the subject summary.

Every link is a plain URL built from the current query string, so paging, loosening a filter
or requiring one of the job's skills works without JavaScript and keeps the other criteria.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.http import HttpRequest, QueryDict
from django.utils.encoding import escape_uri_path

from hrflow_matching.backends.base import Criteria, ResultPage
from hrflow_matching.match.forms import CriteriaForm
from hrflow_matching.match.presenters import admin_change_url, display_city, display_title
from hrflow_matching.match.service import document_skills, experience_range
from hrflow_matching.registry import BaseAdapter


def current_query(request: HttpRequest, form: CriteriaForm | None = None) -> QueryDict:
    """The criteria of the page as a query string: the GET data, or the form's first values."""
    if any(k in request.GET for k in CriteriaForm.base_fields if k != "page") or form is None:
        return request.GET.copy()
    query = QueryDict(mutable=True)
    for name in CriteriaForm.base_fields:
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


def loosen_suggestions(
    request: HttpRequest, query: QueryDict, criteria: Criteria
) -> list[dict[str, str]]:
    """The active filters, most restrictive first, each with a link that drops it."""
    query = query.copy()
    query["page"] = "1"
    out: list[dict[str, str]] = []

    def add(label: str, value: str, **changes: Any) -> None:
        out.append({"label": label, "value": value, "url": query_url(request, query, **changes)})

    if criteria.skills:
        add("required skills", ", ".join(criteria.skills), skills="")
    if criteria.location_distance is not None:
        add("distance", f"{criteria.location_distance:g} km", location_distance="")
    if (
        criteria.experiences_duration_min is not None
        or criteria.experiences_duration_max is not None
    ):
        low = criteria.experiences_duration_min
        high = criteria.experiences_duration_max
        text = f"{low if low is not None else 0:g}–{high:g} years" if high is not None else (
            f"at least {low:g} years")  # fmt: skip
        add("experience", text, experiences_duration_min="", experiences_duration_max="")
    if criteria.text_keywords:
        add("keywords", ", ".join(criteria.text_keywords), text_keywords="")
    if criteria.tags_included:
        add("tags", ", ".join(n if v is None else f"{n}:{v}" for n, v in criteria.tags_included),
            tags_included="")  # fmt: skip
    if criteria.languages:
        add("languages", ", ".join(criteria.languages), languages="")
    if criteria.created_at_min or criteria.created_at_max:
        add("creation dates", "set", created_at_min="", created_at_max="")
    if criteria.score_threshold:
        add("minimum score", f"{round(criteria.score_threshold * 100)} %", score_threshold="")
    if criteria.tags_excluded:
        add("excluded tags", ", ".join(n for n, _ in criteria.tags_excluded), tags_excluded="")
    return out


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
    required = [s.strip().casefold() for s in query.get("skills", "").split(",") if s.strip()]
    skills = []
    for name in document_skills(document):
        is_required = name.casefold() in required
        new = [s for s in query.get("skills", "").split(",") if s.strip()]
        if not is_required:
            new.append(name)
        skills.append(
            {
                "name": name,
                "required": is_required,
                "url": None if is_required else query_url(request, query, skills=",".join(new)),
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
