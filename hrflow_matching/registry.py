"""Which CRM models are HrFlow profiles or jobs, and how their rows become HrFlow documents.

A host project declares an adapter per model in a ``hrflow.py`` module of one of its apps::

    from hrflow_matching import ProfileAdapter, register

    @register(Candidate)
    class CandidateAdapter(ProfileAdapter):
        reference_field = "reference"
        def to_document(self, obj): ...

The app discovers those modules in ``AppConfig.ready()`` as the admin discovers ``admin.py``.
Everything else (signals, outbox, webservices, index) asks this registry, never the models.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, Literal

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models import Q, QuerySet, prefetch_related_objects
from django.utils import timezone

Kind = Literal["profile", "job"]
KINDS: tuple[Kind, ...] = ("profile", "job")


class RegistrationError(ImproperlyConfigured):
    """A model registered twice, or registered with something that is not an adapter."""


def follow(obj: Any, path: str) -> Any:
    """``obj.a.b`` for ``"a__b"`` (None as soon as a link is None)."""
    value = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


class BaseAdapter:
    """What the app needs to know about one CRM model.

    Subclass :class:`ProfileAdapter` or :class:`JobAdapter`, never this class. Class attributes
    name model fields so that the app can filter and order in SQL (the webservices page through
    millions of rows); methods compute per-row values for documents and events.
    """

    kind: ClassVar[Kind]
    model: type[models.Model]

    #: Field holding the CRM reference sent to HrFlow.ai. ``"pk"`` uses the primary key.
    reference_field: ClassVar[str] = "pk"
    #: Modification and creation date fields, used for ordering, ``updated_since`` and criteria.
    updated_at_field: ClassVar[str] = "updated_at"
    created_at_field: ClassVar[str] = "created_at"
    #: Lookup path to the tenant id (a string) of a row, e.g. ``"organisation__slug"``; None for
    #: single-tenant CRMs.
    tenant_field: ClassVar[str | None] = None
    #: Many-to-many fields whose changes are an update of the row.
    watched_m2m: ClassVar[tuple[str, ...]] = ()
    #: Child models whose saves and deletes are an update of the parent:
    #: ``{Experience: "candidate"}`` maps the child model to its foreign key to the parent.
    related_models: ClassVar[dict[type[models.Model], str]] = {}
    #: Top-level document keys that do not count as a change (see :meth:`fingerprint`).
    fingerprint_ignored: ClassVar[tuple[str, ...]] = (
        "updated_at",
        "experiences_duration",
        "educations_duration",
    )

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model

    # -- rows -------------------------------------------------------------------------------
    def get_queryset(self) -> QuerySet:
        """Every row of the model, archived ones included, with the joins documents need.

        The default reads through the model's base manager, not its default one: a host's
        default manager often filters (the request's selected company, live rows only), and
        the pull API, workers and commands must see every row whatever request runs."""
        return self.model._base_manager.all()

    def get_reference(self, obj: models.Model) -> str:
        return str(getattr(obj, "pk" if self.reference_field == "pk" else self.reference_field))

    def get_tenant(self, obj: models.Model) -> str | None:
        """The tenant a row belongs to; follows :attr:`tenant_field` by default."""
        if not self.tenant_field:
            return None
        value: Any = obj
        for part in self.tenant_field.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
        return str(value)

    def archived_q(self) -> Q | None:
        """A filter matching archived rows, or None if the model has no soft archive."""
        return None

    def is_archived(self, obj: models.Model) -> bool:
        return False

    def get_archived_at(self, obj: models.Model) -> dt.datetime | None:
        """When the row was archived; defaults to its modification date when archived."""
        return self.get_updated_at(obj) if self.is_archived(obj) else None

    def get_updated_at(self, obj: models.Model) -> dt.datetime:
        """The row's modification date; :attr:`updated_at_field` may follow foreign keys
        (``"application__modified"``) when the model has no date of its own."""
        return follow(obj, self.updated_at_field)

    def get_created_at(self, obj: models.Model) -> dt.datetime:
        return follow(obj, self.created_at_field)

    def reference_lookup(self) -> str:
        """The ORM lookup for the reference: ``pk`` or the reference field name."""
        return self.reference_field

    def touch(self, obj: models.Model, using: str | None = None) -> None:
        """Move ``obj``'s modification date to now after a change its own save did not make.

        The app calls it when a watched many-to-many relation or a child row in
        :attr:`related_models` changes: ``auto_now`` and hand-written ``save()`` methods do
        not see those, and an incremental pull (``updated_since``, a cursor) meets a row again
        only when its modification date moves. The default updates :attr:`updated_at_field`
        in SQL (no save, no signals) when it is a date-time column of the model itself;
        override it for any other scheme.
        """
        try:
            field = self.model._meta.get_field(self.updated_at_field)
        except FieldDoesNotExist:
            return  # a related path or a property: the CRM keeps it itself
        if not isinstance(field, models.DateTimeField) or obj.pk is None:
            return
        now = timezone.now()
        self.model._base_manager.using(using).filter(pk=obj.pk).update(**{field.attname: now})
        setattr(obj, field.attname, now)

    def find_by_reference(self, queryset: QuerySet, reference: str) -> models.Model | None:
        """The row of ``queryset`` with this reference, or None.

        References come from URLs and query strings, so anything may arrive. One that cannot be
        a value of the reference field ("abc" for an integer primary key, the default; not a
        UUID for a UUID key; a NUL character, which no text column stores and PostgreSQL
        refuses) names no row: it is an unknown reference (a 404), not a server error.
        """
        if "\x00" in reference:
            return None
        try:
            return queryset.filter(**{self.reference_lookup(): reference}).first()
        except (ValueError, TypeError, ValidationError):
            return None

    def get_parents_of_related(self, child: models.Model) -> Iterable[models.Model]:
        """The registered rows a child row belongs to (see :attr:`related_models`)."""
        fk = self.related_models.get(type(child)._meta.concrete_model)
        if fk is None:
            return []
        parent = getattr(child, fk, None)
        return [parent] if parent is not None else []

    def get_batch_queryset(self) -> QuerySet:
        """:meth:`get_queryset` without its prefetches: what batch readers (the pull API's
        pages, ``hrflow_sync``, the index task) filter and slice before :meth:`to_documents`,
        which loads the related rows of the batch only."""
        return self.get_queryset().prefetch_related(None)

    # -- document ---------------------------------------------------------------------------
    def to_document(self, obj: models.Model) -> dict[str, Any]:
        """The HrFlow Profile or Job object of a row (``reference`` and ``archived_at`` included)."""
        raise NotImplementedError(f"{type(self).__name__} must implement to_document()")

    def to_documents(self, objs: Sequence[models.Model]) -> list[dict[str, Any]]:
        """The documents of a batch of rows read through :meth:`get_batch_queryset`, in order.

        The default runs :meth:`get_queryset`'s prefetches on the batch, then
        :meth:`to_document` per row. On a large CRM most of a pull page or a sync batch goes
        into the model instances those prefetches build (a dozen per profile): override this to
        read the batch's child rows as tuples (``values_list``), as ``example_crm/hrflow.py``
        does; the lookup endpoint still calls :meth:`to_document`, so both must agree.
        """
        lookups = self.get_queryset()._prefetch_related_lookups
        if lookups and objs:
            prefetch_related_objects(list(objs), *lookups)
        return [self.to_document(obj) for obj in objs]

    def fingerprint(self, document: dict[str, Any]) -> str:
        """The hash of a document's content: an update whose fingerprint equals the one last
        announced sends nothing, and ``hrflow_reconcile`` records an event for a row whose
        fingerprint differs. Keys in :attr:`fingerprint_ignored` are left out."""
        from .documents import fingerprint

        return fingerprint(document, self.fingerprint_ignored)

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


class ProfileAdapter(BaseAdapter):
    """Adapter of a model whose rows are candidates (HrFlow profiles)."""

    kind: ClassVar[Kind] = "profile"


class JobAdapter(BaseAdapter):
    """Adapter of a model whose rows are jobs (HrFlow jobs)."""

    kind: ClassVar[Kind] = "job"


_registry: dict[type[models.Model], BaseAdapter] = {}


def register(model: type[models.Model]) -> Callable[[type[BaseAdapter]], type[BaseAdapter]]:
    """Class decorator registering an adapter for ``model``."""

    def decorator(adapter_class: type[BaseAdapter]) -> type[BaseAdapter]:
        if not (isinstance(model, type) and issubclass(model, models.Model)):
            raise RegistrationError(f"{model!r} is not a Django model.")
        if not (
            isinstance(adapter_class, type)
            and issubclass(adapter_class, BaseAdapter)
            and adapter_class not in (BaseAdapter, ProfileAdapter, JobAdapter)
            and getattr(adapter_class, "kind", None) in KINDS
        ):
            raise RegistrationError(
                f"{adapter_class!r} must subclass hrflow_matching.ProfileAdapter or JobAdapter."
            )
        if model in _registry:
            raise RegistrationError(
                f"{model._meta.label} is already registered with {type(_registry[model]).__name__}."
            )
        _registry[model] = adapter_class(model)
        return adapter_class

    return decorator


def unregister(model: type[models.Model]) -> None:
    """Remove a registration (for tests of host projects)."""
    _registry.pop(model, None)


def get_adapter(model_or_obj: type[models.Model] | models.Model) -> BaseAdapter | None:
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    return _registry.get(model._meta.concrete_model)


def get_adapter_by_label(label: str) -> BaseAdapter | None:
    for adapter in _registry.values():
        if adapter.label == label.lower():
            return adapter
    return None


def adapters(kind: Kind | None = None) -> list[BaseAdapter]:
    return [a for a in _registry.values() if kind is None or a.kind == kind]


def get_kind_adapter(kind: Kind) -> BaseAdapter:
    """The adapter of a kind. The webservices serve one model per kind."""
    found = adapters(kind)
    if not found:
        raise ImproperlyConfigured(f"No {kind} adapter is registered (see hrflow_matching.E010).")
    return found[0]


def related_watchers() -> dict[type[models.Model], list[BaseAdapter]]:
    """Child model -> adapters that declared it in ``related_models``."""
    out: dict[type[models.Model], list[BaseAdapter]] = {}
    for adapter in _registry.values():
        for child in adapter.related_models:
            out.setdefault(child, []).append(adapter)
    return out
