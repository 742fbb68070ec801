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
