"""Languages by name (HrFlow.ai's form), codes still accepted, one language either way.

HrFlow.ai's documents and filters carry ``{"name": "english"}``; CRMs and recruiters write
``en``, ``English`` or ``anglais``. Documents built by the adapters and filters sent to HrFlow.ai
use the name; the local engine treats the name and the code as the same language.
"""

from __future__ import annotations

import pytest

from hrflow_matching.backends.base import Criteria
from hrflow_matching.documents import languages
from hrflow_matching.languages import language_code, language_name
from tests.support.local_fixtures import profile


@pytest.mark.parametrize(
    ("typed", "name", "code"),
    [
        ("en", "english", "en"),
        ("EN", "english", "en"),
        ("en-GB", "english", "en"),
        ("English", "english", "en"),
        ("english", "english", "en"),
        ("anglais", "english", "en"),
        ("Français", "french", "fr"),
        ("fr", "french", "fr"),
        ("Deutsch", "german", "de"),
        ("allemand", "german", "de"),
        ("pt_BR", "portuguese", "pt"),
        ("español", "spanish", "es"),
        ("Klingon", "klingon", "klingon"),  # unknown: sent as typed, in lower case
        ("", "", ""),
    ],
)
def test_name_and_code_of_what_a_recruiter_types(typed: str, name: str, code: str) -> None:
    assert language_name(typed) == name
    assert language_code(typed) == code


def test_documents_carry_each_language_once_by_name() -> None:
    assert languages(["en", "English", "fr", "", "anglais", "Klingon"]) == [
        {"name": "english", "value": None},
        {"name": "french", "value": None},
        {"name": "klingon", "value": None},
    ]


@pytest.mark.django_db
def test_the_example_adapters_write_language_names() -> None:
    from example_crm.models import Candidate, JobOffer
    from hrflow_matching.registry import get_kind_adapter

    candidate = Candidate.objects.create(first_name="Ada", last_name="Lovelace", languages=["en"])
    offer = JobOffer.objects.create(title="Analyst", languages=["fr", "en"])
    for kind, pk, expected in (
        ("profile", candidate.pk, ["english"]),
        ("job", offer.pk, ["french", "english"]),
    ):
        adapter = get_kind_adapter(kind)
        [document] = adapter.to_documents([adapter.get_queryset().get(pk=pk)])
        assert [lang["name"] for lang in document["languages"]] == expected


@pytest.mark.django_db
@pytest.mark.parametrize("stored", ["english", "en", "anglais", "English"])
@pytest.mark.parametrize("asked", ["en", "english", "English", "anglais", "en-GB"])
def test_the_local_engine_equates_the_name_and_the_code(
    settings, tmp_path, stored: str, asked: str
) -> None:
    """A document holding ``english`` (HrFlow.ai's form, or a parsed French resume's
    ``anglais``) and one holding ``en`` answer a filter on either, and nothing else does."""
    from hrflow_matching.backends.local import LocalBackend
    from hrflow_matching.backends.local.engine import reset_engines

    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "LOCAL": {"INDEX_DIR": str(tmp_path / "index")},
    }
    reset_engines()
    try:
        backend = LocalBackend(tenant=None)
        speaker = profile("speaker", title="Analyst", skills=("Excel",))
        speaker["languages"] = [{"name": stored, "value": None}]
        other = profile("other", title="Analyst", skills=("Excel",), languages=("french",))
        backend.index("profile", [speaker, other])
        page = backend.search_profiles(Criteria(languages=(asked,)))
        assert [item.reference for item in page.items] == ["speaker"]
        both = backend.search_profiles(Criteria(languages=(asked, "fr")))
        assert [item.reference for item in both.items] == []
    finally:
        reset_engines()
