"""Keyword search: ranked free text, quoted phrases, technology names, related job words.

Run on SQLite and on PostgreSQL (``DATABASE_URL``): the semantics must not depend on the
database (phrases are checked by the engine's tokenizer, not by SQL full-text search).
"""

from __future__ import annotations

import pytest

from hrflow_matching.backends.base import Criteria
from hrflow_matching.backends.local import LocalBackend
from hrflow_matching.backends.local.engine import reset_engines
from hrflow_matching.backends.local.keywords import parse
from hrflow_matching.match.fields import KeywordsField
from tests.support.local_fixtures import profile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_engines(settings, tmp_path):
    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "LOCAL": {"INDEX_DIR": str(tmp_path / "index")},
    }
    reset_engines()
    yield
    reset_engines()


def search(backend: LocalBackend, *keywords: str) -> list[str]:
    page = backend.search_profiles(Criteria(text_keywords=keywords, limit=20))
    return [item.reference for item in page.items]


def index(texts: dict[str, str]) -> LocalBackend:
    backend = LocalBackend(tenant=None)
    backend.index("profile", [profile(ref, text=text) for ref, text in texts.items()])
    return backend


# (query, text of the row it names, a decoy that spells it differently, decoy found at all)
TECH = [
    (".NET", "Built services on .NET Core", "network admin for example.net", False),
    ("ASP.NET", "ASP.NET MVC web developer", "Classic ASP pages", False),
    ("DotNet", "Senior .NET developer", "dot matrix printers, net sales", False),
    ("C#", "C# developer for trading systems", "C developer for firmware", False),
    ("C++", "C++ engineer, embedded", "C engineer, embedded", False),
    ("F#", "F# functional programming", "Fortran programming", False),
    ("Node.js", "Node.js backend services", "graph node walker in js files", True),
    ("CI/CD", "Built CI/CD pipelines", "CD shop assistant", True),
    ("UI/UX", "UI/UX designer for apps", "user experience researcher", False),
    ("SQL Server", "SQL Server DBA", "MySQL on a Linux server", True),
    ("J2EE", "J2EE applications on WebLogic", "J2 visa holder, EE graduate", False),
    ("SAP HANA", "SAP HANA modelling", "SAP ABAP; Hana is my colleague", True),
]


@pytest.mark.parametrize(("query", "text", "decoy", "decoy_found"), TECH, ids=[t[0] for t in TECH])
def test_technology_names_survive_tokenization(query, text, decoy, decoy_found):
    backend = index({"target": text, "decoy": decoy, "other": "Gardener, hedges and lawns"})
    found = search(backend, query)
    assert found[0] == "target"
    # A decoy sharing only a part of the name (the word "server") is found, lower; one that
    # shares nothing is not found at all.
    assert ("decoy" in found) is decoy_found
    assert "other" not in found


def test_dotnet_spellings_meet():
    backend = index({"a": "ASP.NET and C#", "b": "DotNet developer", "c": "dot net, VB.NET"})
    for query in (".NET", "DotNet", "dot net"):
        assert set(search(backend, query)) == {"a", "b", "c"}


def test_every_word_ranks_and_a_partial_match_ranks_below_a_full_match():
    backend = index(
        {
            "full": "Python developer building Django services",
            "partial": "Python scripts for data cleaning, python everywhere",
            "none": "Pastry chef",
        }
    )
    found = search(backend, "python django developer")
    assert found == ["full", "partial"]  # partial is still found, lower; unrelated is not
    # The same words as separate keywords rank the same way.
    assert search(backend, "python", "django", "developer") == ["full", "partial"]


def test_a_multi_word_keyword_no_row_holds_entirely_still_finds_related_rows():
    backend = index({"a": "DotNet engineer", "b": "Java developer", "c": "Chef"})
    assert set(search(backend, "DotNet Developer")) == {"a", "b"}


def test_a_quoted_phrase_must_appear_in_order():
    backend = index(
        {
            "phrase": "Machine learning engineer, Python",
            "apart": "Learning to operate the machine; Python engineer",
            "none": "Gardener",
        }
    )
    assert search(backend, '"machine learning"') == ["phrase"]
    assert search(backend, 'python "machine learning"') == ["phrase"]
    # Unquoted, both are found, the phrase first (it holds the words too; both rank).
    assert set(search(backend, "machine learning")) == {"phrase", "apart"}
    assert search(backend, '"learning machine"') == []


def test_a_quoted_phrase_with_a_technology_name():
    backend = index({"a": "Senior C# developer", "b": "C developer, # of projects: 3"})
    assert search(backend, '"C# developer"') == ["a"]


def test_required_skills_keep_their_meaning_beside_keywords():
    backend = LocalBackend(tenant=None)
    backend.index(
        "profile",
        [
            profile("with", title="Developer", skills=("Python",), text="Django developer"),
            profile("without", title="Developer", skills=("Java",), text="Django developer"),
        ],
    )
    page = backend.search_profiles(Criteria(text_keywords=("django",), skills=("Python",)))
    assert [i.reference for i in page.items] == ["with"]


def test_a_query_naming_an_occupation_finds_its_rows_without_its_words():
    backend = index(
        {
            "attorney": "Attorney at law, counsel to corporate clients in litigation",
            "gardener": "Gardener, hedges and lawns",
        }
    )
    found = search(backend, "lawyer")  # the word "lawyer" is in no text
    assert found == ["attorney"]
    [item] = backend.search_profiles(Criteria(text_keywords=("lawyer",))).items
    text = next(c for c in item.explanation if c.name == "text")
    assert "attorney" in text.evidence["expanded_terms"]
    assert text.evidence["matched_terms"] == []


def test_the_why_table_shows_words_phrases_and_coverage():
    backend = index({"a": "Senior C# developer, SQL Server", "b": "SQL Server reports"})
    items = backend.search_profiles(Criteria(text_keywords=("C#", '"SQL Server"', "developer")))
    first, second = items.items
    assert (first.reference, second.reference) == ("a", "b")
    evidence = {i.reference: next(c for c in i.explanation if c.name == "text").evidence
                for i in (first, second)}  # fmt: skip
    assert set(evidence["a"]["matched_terms"]) >= {"C#", "SQL Server", "developer"}
    assert evidence["a"]["phrases"] == ["SQL Server"]
    assert evidence["a"]["coverage"] == 1.0
    assert 0 < evidence["b"]["coverage"] < 1


def test_matching_criteria_keywords_narrow_and_rank_the_same_way():
    from tests.support.local_fixtures import job

    backend = index(
        {
            "ml": "Machine learning engineer, Python",
            "py": "Python developer",
            "chef": "Pastry chef",
        }
    )
    backend.index("job", [job("job-1", name="Engineer", skills=("Python",))])
    page = backend.score_profiles("job-1", Criteria(text_keywords=('"machine learning"',)))
    assert [i.reference for i in page.items] == ["ml"]
    page = backend.score_profiles("job-1", Criteria(text_keywords=("machine learning",)))
    assert [i.reference for i in page.items] == ["ml"]


def test_the_keywords_field_keeps_quotes_and_the_parser_reads_them():
    field = KeywordsField()
    assert field.clean('java developer, "spring boot"') == ["java developer", '"spring boot"']
    assert field.clean('"a, b" c') == ['"a, b" c']
    assert field.clean('"open') == ['"open"']
    parsed = parse(['java "spring boot" developer', '"a, b"'])
    assert parsed.phrases == ("spring boot", "a, b")
    assert parsed.typed == ("java spring boot developer", "a, b")
