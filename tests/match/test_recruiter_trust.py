"""Recruiter pages a recruiter trusts (issue #20): the filters taken from the job and what each
hides, counted ways out, what the score is, evidence in a recruiter's words, and where to find
the pages from the admin."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from hrflow_matching.match.presenters import LEGAL_FORMS
from hrflow_matching.registry import get_adapter
from hrflow_matching.testing import override_hrflow_settings
from tests.support.matching_data import recruiter

pytestmark = pytest.mark.django_db


def job_url(job) -> str:
    return reverse("hrflow_matching:matching_profiles_for_job", args=[job.reference])


def refs(html: str) -> list[str]:
    return re.findall(r'data-reference="([^"]+)"', html)


# -- 1. filters taken from the job ------------------------------------------------------------
def test_filters_from_the_job_are_listed_with_what_each_hides(acme_client, world):
    response = acme_client.get(job_url(world.job))
    html = response.content.decode()
    total = response.context["page"].total
    filters = {f.key: f for f in response.context["subject_filters"]}
    assert set(filters) == {"distance", "experience"}  # 50 km of Paris, at least 2 years
    assert "Filters taken from this job:" in html
    assert "within 50 km of Paris" in html and "at least 2 years of experience" in html
    # The experience upper bound is scored, not filtered.
    assert response.context["form"]["experiences_duration_max"].value() in (None, "")
    for item in filters.values():
        assert item.url.replace("&", "&amp;") in html
        without = acme_client.get(item.url)
        assert without.status_code == 200
        # "hides N": the page without that filter shows exactly N more.
        assert without.context["page"].total == total + item.hidden
    assert filters["distance"].hidden > 0
    # A filter typed in is not "from the job".
    typed = acme_client.get(job_url(world.job), {"location_distance": 60})
    assert not typed.context["subject_filters"]


# -- 2. loosen advice: one count per filter, sorted, no zero gains, one skill at a time ----------
def test_loosen_advice_is_counted_sorted_and_per_skill(acme_client, world):
    query = {"skills": "Python, Django, PostgreSQL", "location_distance": 20}
    response = acme_client.get(job_url(world.job), query)
    total = response.context["page"].total
    assert total < 5
    loosen = response.context["loosen"]
    totals = [f.total for f in loosen]
    assert totals == sorted(totals, reverse=True)
    assert all(t > total for t in totals)  # zero gains dropped
    assert {f.key for f in loosen} <= {
        "distance",
        "skill:Python",
        "skill:Django",
        "skill:PostgreSQL",
    }
    assert any(f.key.startswith("skill:") for f in loosen)  # one required skill at a time
    html = response.content.decode()
    for item in loosen:
        assert f"→ {item.total} candidate" in html
        assert acme_client.get(item.url).context["page"].total == item.total
    # Plenty of results: no advice.
    wide = acme_client.get(job_url(world.job), {"location_distance": 2000})
    assert wide.context["page"].total >= 5 and not wide.context.get("loosen")


# -- 3. what the score is ----------------------------------------------------------------------
def test_the_page_says_what_the_score_is_and_the_why_table_sums(acme_client, world):
    html = acme_client.get(job_url(world.job), {"location_distance": 2000}).content.decode()
    assert "The score says how well each candidate fits this job" in html
    assert "the “Adds” column sums to the score" in html
    for body in re.findall(r"<tbody>(.*?)</tbody>", html, re.S):
        adds = [int(a) for a in re.findall(r'data-label="Adds">\+(\d+)<', body)]
        score = re.search(r"sums to the score, (\d+)%", html)
        assert adds and score
    # Each table's "Adds" sum to that row's score, as the caption says.
    for row in re.findall(
        r'<li class="hm-result".*?</li>\s*(?=<li class="hm-result"|</ol>)', html, re.S
    ):
        shown = int(re.search(r"Why (\d+)%", row).group(1))
        adds = [int(a) for a in re.findall(r'data-label="Adds">\+(\d+)<', row)]
        assert sum(adds) == shown


# -- 4. words and fields that fit the page -----------------------------------------------------
def test_labels_change_with_the_page_and_a_city_replaces_coordinates(acme_client, world):
    job_page = acme_client.get(job_url(world.job)).content.decode()
    assert "Candidate&#x27;s experience from (years)" in job_page
    assert 'name="location_lat"' not in job_page and 'name="location_city"' in job_page
    assert "Empty: around the job&#x27;s city, Paris." in job_page
    alice = world.candidates[0]
    url = reverse("hrflow_matching:matching_jobs_for_profile", args=[alice.reference])
    assert "Job&#x27;s required experience from (years)" in acme_client.get(url).content.decode()
    search = reverse("hrflow_matching:search_profiles")
    # A city of the CRM's own rows is found; the distance is measured from it.
    near = acme_client.get(search, {"location_city": "paris", "location_distance": 10})
    assert near.status_code == 200
    names = {str(c) for c in world.candidates if c.reference in refs(near.content.decode())}
    assert names == {"Alice Martin", "Farid Roux"}
    unknown = acme_client.get(search, {"location_city": "Atlantis", "location_distance": 10})
    assert unknown.status_code == 400 and "Atlantis" in unknown.content.decode()
    # By recency (no keywords, no city): no "Minimum score" field.
    plain = acme_client.get(search, {"skills": "Java"}).content.decode()
    assert "most recently updated first" in plain and 'name="score_threshold"' not in plain


def test_skill_chips_toggle(acme_client, world):
    html = acme_client.get(job_url(world.job), {"skills": "Python"}).content.decode()
    chips = dict(
        re.findall(
            r'<a class="hm-chip[^"]*" href="([^"]+)"><span class="hm-vh">(\w[\w ]*?) </span>', html
        )
    )
    actions = sorted(chips.values())
    assert "Stop requiring" in actions and "Require" in actions
    stop = next(u for u, a in chips.items() if a == "Stop requiring").replace("&amp;", "&")
    assert acme_client.get(stop).context["form"]["skills"].value() in ("", None)


# -- 5. findable --------------------------------------------------------------------------------
def test_admin_index_changelist_column_action_and_row_links(admin_client, acme_client, world):
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "Search candidates" in index and "Search jobs" in index
    entry = admin_client.get(reverse("admin:hrflow_matching_candidatesearch_changelist"))
    assert entry.status_code == 302 and entry.url == reverse("hrflow_matching:search_profiles")
    changelist = admin_client.get(reverse("admin:example_crm_joboffer_changelist")).content
    assert (
        job_url(world.job).encode() in changelist and b"column-hrflow_matching_column" in changelist
    )
    action = admin_client.post(
        reverse("admin:example_crm_joboffer_changelist"),
        {"action": "find_matching", "_selected_action": [world.job.pk]},
    )
    assert action.status_code == 302 and action.url == job_url(world.job)
    html = acme_client.get(job_url(world.job)).content.decode()
    alice = world.candidates[0]
    assert reverse("hrflow_matching:matching_jobs_for_profile", args=[alice.reference]) in html
    assert 'Matching jobs<span class="hm-vh"> for Alice Martin</span>' in html


def test_search_entries_need_the_permission(client, world):
    client.force_login(recruiter("eve", world.acme, permitted=False))
    assert "Search candidates" not in client.get(reverse("admin:index")).content.decode()


# -- the local engine: one score per pair, and evidence without stems ----------------------------
@pytest.fixture
def demo(settings):
    with override_hrflow_settings(BACKEND="local"):
        call_command("seed_demo", profiles=80, jobs=6, verbosity=0)
        call_command("hrflow_sync", verbosity=0)
        yield


def _why(html: str, reference: str) -> dict[str, tuple[int, str]]:
    """The "Why" table of one result: criterion → (score %, evidence)."""
    row = html[html.index(f'data-reference="{reference}"') :]
    body = row[: row.index("</tbody>")]
    return {
        label: (int(score), re.sub("<[^>]+>", "", evidence))
        for label, score, evidence in re.findall(
            r'<th scope="row">([^<]+)</th>.*?</meter> (\d+)%</td>.*?'
            r'<td class="hm-evidence">(.*?)</td></tr>',
            body,
            re.S,
        )
    }


def test_one_pair_from_both_sides_and_evidence_in_plain_words(demo, admin_client):
    from example_crm.models import Candidate, JobOffer

    job = JobOffer.objects.filter(archived=False, remote=False).order_by("pk").first()
    wide = {"location_distance": 20000}
    job_html = admin_client.get(job_url(job), wide).content.decode()
    first = refs(job_html)[0]
    candidate = Candidate.objects.get(reference=first)
    url = reverse("hrflow_matching:matching_jobs_for_profile", args=[candidate.reference])
    cand_html = admin_client.get(url, {**wide, "limit": 100}).content.decode()
    assert job.reference in refs(cand_html)
    from_job, from_candidate = _why(job_html, first), _why(cand_html, job.reference)
    # Every criterion but the two that depend on the side scores the pair the same; the page
    # says plainly why those two differ.
    sided = {"Words in common", "Last update"}
    same = set(from_job) & set(from_candidate) - sided
    assert {"Skills", "Experience", "Location"} <= same
    for label in same:
        assert from_job[label][0] == from_candidate[label][0], label
    assert "the same pair can score a few points differently" in job_html

    # Evidence in a recruiter's words: no raw numbers, no legal forms, languages by name.
    text = " ".join(e for _, e in from_job.values())
    assert "bm25" not in text.lower() and "distance km" not in text
    assert re.search(r"Lives \d+ km from \w", from_job["Location"][1])
    if "Languages" in from_job:
        assert not re.search(r"\b(en|fr|de|es)\b", from_job["Languages"][1])
    words = re.search(r"Words in common: (.*)\.", from_job.get("Words in common", (0, ""))[1])
    document = str(job.__class__.objects.get(pk=job.pk).__dict__).casefold()

    document = str(get_adapter(job).to_document(job)).casefold()
    for term in words.group(1).split(", ") if words else []:
        assert term.casefold() not in LEGAL_FORMS
        # As the job writes it: a whole word of the job's own text, not a stem of one.
        assert re.search(rf"(?<!\w){re.escape(term.casefold())}(?!\w)", document), term
