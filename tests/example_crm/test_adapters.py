"""The example CRM's adapters build a batch's documents from tuples, with a fixed query count,
and give exactly what the lookup of each row gives."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from hrflow_matching.registry import get_kind_adapter

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded() -> None:
    call_command("seed_demo", profiles=40, jobs=12, verbosity=0, stdout=None)


@pytest.mark.parametrize(("kind", "queries"), [("profile", 3), ("job", 1)])
def test_a_batch_costs_the_same_queries_at_any_size(
    seeded: None, kind: str, queries: int, django_assert_num_queries
) -> None:
    adapter = get_kind_adapter(kind)
    rows = list(adapter.get_batch_queryset().order_by("pk"))
    for size in (1, 5, len(rows)):
        with django_assert_num_queries(queries):
            documents = adapter.to_documents(rows[:size])
        assert [d["reference"] for d in documents] == [r.reference for r in rows[:size]]


@pytest.mark.parametrize("kind", ["profile", "job"])
def test_batch_documents_equal_the_lookup_of_each_row(seeded: None, kind: str) -> None:
    adapter = get_kind_adapter(kind)
    rows = list(adapter.get_batch_queryset().order_by("pk"))
    batch = adapter.to_documents(rows)
    single = [adapter.to_document(adapter.get_queryset().get(pk=r.pk)) for r in rows]
    assert batch == single
    # The seeded rows have related rows, so the comparison covers them.
    assert any(d["skills"] for d in batch)
    if kind == "profile":
        assert any(d["experiences"] for d in batch) and any(d["educations"] for d in batch)
        for doc in batch:
            names = [s["name"] for s in doc["skills"]]
            assert names == sorted(names)
            starts = [e["date_start"] for e in doc["experiences"]]
            assert starts == sorted(starts, reverse=True)  # most recent first


def test_documents_of_sparse_rows_keep_the_published_schema(seeded: None) -> None:
    """A candidate or a job with nothing but its required fields still serves a valid object:
    no blank tag value (HrFlow.ai refuses them), and a profile text to search."""
    from example_crm.models import Candidate, JobOffer
    from hrflow_matching.api.schema import HrFlowJobSerializer, HrFlowProfileSerializer

    bare_candidate = Candidate.objects.create(first_name="Ada", last_name="Lovelace")
    bare_job = JobOffer.objects.create(title="Analyst")
    for kind, serializer in (("profile", HrFlowProfileSerializer), ("job", HrFlowJobSerializer)):
        adapter = get_kind_adapter(kind)
        rows = list(adapter.get_queryset().order_by("pk"))
        for document in adapter.to_documents(rows):
            checked = serializer(data=document)
            assert checked.is_valid(), (document["reference"], checked.errors)
            for tag in document["tags"]:
                assert tag["value"] is None or tag["value"].strip(), tag
                assert tag["value"] not in ("True", "False"), tag
    [profile] = get_kind_adapter("profile").to_documents(
        [get_kind_adapter("profile").get_queryset().get(pk=bare_candidate.pk)]
    )
    assert profile["text"] == "Ada Lovelace"
    assert {"name": "open_to_remote", "value": "false"} in profile["tags"]
    assert "current_title" not in {t["name"] for t in profile["tags"]}
    [job] = get_kind_adapter("job").to_documents(
        [get_kind_adapter("job").get_queryset().get(pk=bare_job.pk)]
    )
    assert "company" not in {t["name"] for t in job["tags"]}


def test_entity_values_are_strings_as_json_spells_them() -> None:
    from hrflow_matching.documents import entities, entity

    assert entity("remote", True) == {"name": "remote", "value": "true"}
    assert entity("years", 3) == {"name": "years", "value": "3"}
    assert entity("meta", {"a": [1, "é"]}) == {"name": "meta", "value": '{"a":[1,"é"]}'}
    assert entity("flag") == {"name": "flag", "value": None}
    assert entities({"blank": " ", "empty": "", "flag": None, "kept": "x"}) == [
        {"name": "flag", "value": None},
        {"name": "kept", "value": "x"},
    ]
