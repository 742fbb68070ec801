"""Links of a recruiter page whose reference holds ``?``, ``#``, ``%`` or ``/`` (issue #15, 7).

The form action, the paging links, the "require skill" chips and the redirects were built from
the decoded path, so such a reference ended the path early (``?``, ``#``) or was decoded twice
(``%41`` → ``A``). Every link must lead back to the same job's page.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote, urlsplit

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ODD = ["ACME/2026?x=1#top", "50%41off", "a%2Fb/c?d#e"]


def links(page: str) -> dict[str, list[str]]:
    text = page
    return {
        "action": re.findall(r'<form method="get" action="([^"]+)"', text),
        "paging": re.findall(
            r'<a href="([^"]+)"(?: rel="(?:prev|next)")?>(?:\d+|Next →)</a>', text
        ),
        "require": re.findall(r'<a class="hm-chip" href="([^"]+)"', text),
    }


def assert_same_page(client, link: str, reference: str) -> None:
    link = html.unescape(link)
    assert "#" not in link, link
    response = client.get(link)
    assert response.status_code == 200, (link, response.status_code)
    assert response.context["subject"]["reference"] == reference, link


@pytest.mark.parametrize("reference", ODD)
def test_every_link_of_the_page_leads_to_the_same_job(acme_client, world, reference):
    world.job.reference = reference
    world.job.save()
    url = reverse("hrflow_matching:matching_profiles_for_job", args=[reference])
    response = acme_client.get(url, {"location_distance": 1000, "limit": 2})
    assert response.status_code == 200
    assert response.context["subject"]["reference"] == reference
    found = links(response.content.decode())
    assert found["action"] and found["paging"] and found["require"] is not None
    for link in found["action"] + found["paging"]:
        assert_same_page(acme_client, link, reference)
    # "Require skill" chips: a first page that requires none of the job's skills shows them.
    first = acme_client.get(url, {"location_distance": 1000, "skills": "Django"})
    chips = links(first.content.decode())["require"]
    assert chips
    for link in chips:
        assert_same_page(acme_client, link, reference)


@pytest.mark.parametrize("reference", ODD)
def test_redirects_keep_the_reference(acme_client, world, reference):
    world.job.reference = reference
    world.job.save()
    url = reverse("hrflow_matching:matching_profiles_for_job", args=[reference])
    for query in ({"page": "abc", "limit": 2}, {"page": 99, "limit": 2}):
        response = acme_client.get(url, query)
        assert response.status_code == 302
        location = response["Location"]
        assert unquote(urlsplit(location).path) == unquote(url)
        assert_same_page(acme_client, location, reference)
