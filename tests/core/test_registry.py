from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from example_crm.models import Candidate, JobOffer
from hrflow_matching import registry
from hrflow_matching.registry import JobAdapter, ProfileAdapter, RegistrationError, register


def test_example_crm_adapters_are_discovered() -> None:
    assert isinstance(registry.get_adapter(Candidate), ProfileAdapter)
    assert isinstance(registry.get_adapter(JobOffer), JobAdapter)
    assert registry.get_kind_adapter("profile").model is Candidate
    assert registry.get_kind_adapter("job").model is JobOffer


def test_registering_a_model_twice_fails() -> None:
    with pytest.raises(RegistrationError, match="already registered"):

        @register(Candidate)
        class Again(ProfileAdapter):
            pass


def test_registering_something_that_is_not_an_adapter_fails() -> None:
    with pytest.raises(RegistrationError, match="must subclass"):
        register(Group)(object)  # type: ignore[arg-type]
    with pytest.raises(RegistrationError, match="not a Django model"):
        register(str)(ProfileAdapter)  # type: ignore[arg-type]


def test_register_and_unregister_a_new_model() -> None:
    @register(Group)
    class GroupAdapter(ProfileAdapter):
        pass

    try:
        assert registry.get_adapter(Group).__class__ is GroupAdapter
    finally:
        registry.unregister(Group)
    assert registry.get_adapter(Group) is None


@pytest.mark.django_db
def test_default_to_documents_prefetches_the_batch_once(django_assert_num_queries) -> None:
    """A host adapter that only writes ``to_document`` gets the batch path for free: its
    queryset's prefetches run once for the whole batch, and the documents are the same."""
    from django.contrib.auth.models import Permission

    @register(Group)
    class GroupAdapter(ProfileAdapter):
        reference_field = "name"

        def get_queryset(self):
            return Group.objects.prefetch_related("permissions")

        def to_document(self, obj):
            codenames = sorted(p.codename for p in obj.permissions.all())
            return {"reference": obj.name, "skills": codenames}

    try:
        permissions = list(Permission.objects.order_by("pk")[:6])
        for i in range(5):
            Group.objects.create(name=f"g{i}").permissions.set(permissions[i:])
        adapter = registry.get_adapter(Group)
        rows = list(adapter.get_batch_queryset().order_by("name"))
        with django_assert_num_queries(1):  # the permissions of the five groups
            batch = adapter.to_documents(rows)
        single = [adapter.to_document(g) for g in adapter.get_queryset().order_by("name")]
        assert batch == single
        assert [len(d["skills"]) for d in batch] == [6, 5, 4, 3, 2]
        assert adapter.to_documents([]) == []
    finally:
        registry.unregister(Group)
