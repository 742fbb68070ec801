"""System checks (``hrflow_matching.E001``…): configuration errors found at ``manage.py check``.

Why checks rather than errors at run time: a missing HrFlow.ai key or an unregistered model
otherwise shows up as a failed webhook at 3 a.m. or an empty matching page. Every message says
what is wrong and the hint says what to write. Checks read settings and the adapter registry
only; they never call HrFlow.ai (no I/O at ``check`` time).

=====  =======================================================================================
E001   ``BACKEND`` cannot be imported, or is not a ``MatchingBackend``
E002   HrFlow.ai backend without ``HRFLOW["API_KEY"]``
E003   HrFlow.ai backend without ``HRFLOW["USER_EMAIL"]``
E004   HrFlow.ai backend without ``HRFLOW["SOURCE_KEYS"]``
E005   HrFlow.ai backend without ``HRFLOW["BOARD_KEY"]``
E006   HrFlow.ai backend without ``HRFLOW["ALGORITHM_KEY"]``
E007   ``TENANT_CONFIG_PROVIDER`` cannot be imported
E008   ``TENANT_RESOLVER`` cannot be imported or is not callable
E010   no profile adapter registered
E011   no job adapter registered
E012   an adapter names a field its model lacks (``reference_field``, ``updated_at_field``,
       ``created_at_field``, ``tenant_field``), or a date that is not a date-time (a
       ``DateField``, a path through a to-many relation)
E020   (``checks_values``) a section (``HRFLOW``, ``WEBHOOKS``, ``API``, ``LOCAL``, ``PAGES``, ``HEALTH``) is not a dict
E021   a numeric setting (timeout, size, interval, retention, ``RETRY_SCHEDULE``…) has a wrong
       type or is out of range
E022   a throttle rate (``API["THROTTLE_RATE"]``, ``["FAILED_KEY_RATE"]``, ``["SESSION_THROTTLE_RATE"]``,
       ``PAGES["THROTTLE_RATE"]``) is not DRF's ``"N/period"`` (nor ``None``)
E023   ``LOCAL["WEIGHTS"]`` is not a dict, or a weight is not a number ≥ 0
E024   ``LOCAL["WEIGHTS"]`` names an unknown criterion
E025   ``HRFLOW["METHOD"]`` is neither ``"AUTO"`` nor ``"POST"``
W001   private webhook targets allowed while ``DEBUG`` is off
W002   a tenant lacks some HrFlow.ai keys (HrFlow.ai backend, ``TENANTS`` configured)
W003   local backend on a server database without ``LOCAL["INDEX_DIR"]`` while ``DEBUG`` is
       off (snapshots would go to a folder under the system temp folder)
=====  =======================================================================================
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.module_loading import import_string

from .conf import get_settings

TAG = "hrflow_matching"

#: Keys the HrFlow.ai backend needs, with the check id of each when missing.
REQUIRED_KEYS = {
    "API_KEY": ("E002", "the API key (X-API-KEY) of your HrFlow.ai workspace"),
    "USER_EMAIL": ("E003", "the e-mail of the HrFlow.ai user the key belongs to (X-USER-EMAIL)"),
    "SOURCE_KEYS": (
        "E004",
        "the keys of the sources holding your profiles, a list (from a comma-separated variable, "
        'drop the empty items: [k for k in value.split(",") if k.strip()])',
    ),
    "BOARD_KEY": ("E005", "the key of the board holding your jobs"),
    "ALGORITHM_KEY": ("E006", "the key of the scoring algorithm to use"),
}


def _backend_class() -> tuple[type | None, CheckMessage | None]:
    from .backends import backend_path
    from .backends.base import MatchingBackend

    name = get_settings()["BACKEND"]
    path = backend_path()
    try:
        cls = import_string(path)
    except Exception as exc:  # ImportError, or whatever the backend module raises on import
        return None, Error(
            f'HRFLOW_MATCHING["BACKEND"] = {name!r} cannot be imported: {exc}',
            hint='Use "local", "hrflow" or the dotted path of a MatchingBackend subclass.',
            id=f"{TAG}.E001",
        )
    if not (isinstance(cls, type) and issubclass(cls, MatchingBackend)):
        return None, Error(
            f'HRFLOW_MATCHING["BACKEND"] = {name!r} is not a MatchingBackend subclass.',
            hint="Subclass hrflow_matching.backends.base.MatchingBackend.",
            id=f"{TAG}.E001",
        )
    return cls, None


def _is_hrflow_backend(cls: type) -> bool:
    try:
        from .backends.hrflow import HrFlowBackend
    except ImportError:
        return cls.__module__.startswith(f"{TAG}.backends.hrflow")
    return issubclass(cls, HrFlowBackend)


def _present(value: Any) -> bool:
    """Whether a key setting holds a usable key.

    Blank and whitespace-only strings, and lists of them, count as missing: ``[""]`` is what
    ``os.environ.get("HRFLOW_SOURCE_KEYS", "").split(",")`` gives when the variable is unset,
    and the HrFlow.ai backend drops blank keys (``backends.hrflow.source_keys``), so such a
    value would pass ``check`` and fail on the first call.
    """
    if isinstance(value, str):
        return any(part.strip() for part in value.split(","))
    if isinstance(value, list | tuple | set | frozenset):
        return any(_present(item) for item in value)
    return bool(value)


def _missing(config: dict[str, Any]) -> list[str]:
    return [key for key in REQUIRED_KEYS if not _present(config.get(key))]


def _given(value: Any) -> str:
    """`` (it is [''])`` after a missing key that is set but blank, so the message shows why."""
    return f" (it is {value!r})" if value else ""


@register(TAG)
def check_backend(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E001–E008 and W002: the backend and the HrFlow.ai keys it needs, per tenant too."""
    cls, error = _backend_class()
    if error is not None:
        return [error]
    messages: list[CheckMessage] = []
    conf = get_settings()
    provider = None
    try:
        path = conf["TENANT_CONFIG_PROVIDER"]
        provider = import_string(path)() if isinstance(path, str) else path
    except Exception as exc:  # not importable, or its constructor failed
        messages.append(
            Error(
                f'HRFLOW_MATCHING["TENANT_CONFIG_PROVIDER"] cannot be used: {exc}',
                hint='Remove it to read HRFLOW_MATCHING["TENANTS"], or name a class with '
                "tenants() and get_config(tenant).",
                id=f"{TAG}.E007",
            )
        )
    resolver = conf["TENANT_RESOLVER"]
    if resolver:
        try:
            func = import_string(resolver) if isinstance(resolver, str) else resolver
            if not callable(func):
                raise ImportError(f"{resolver!r} is not callable")
        except Exception as exc:  # ImportError, or the module fails on import
            messages.append(
                Error(
                    f'HRFLOW_MATCHING["TENANT_RESOLVER"] cannot be used: {exc}',
                    hint="Name a function taking the request and returning a tenant string or "
                    "None, or leave it empty for a single-tenant CRM.",
                    id=f"{TAG}.E008",
                )
            )
    if cls is None or not _is_hrflow_backend(cls):
        return messages
    try:
        tenants = list(provider.tenants()) if provider is not None else []
    except Exception as exc:  # a provider reading a database or a vault may fail in any way
        messages.append(
            Error(
                f"The tenant config provider cannot list its tenants: {exc}",
                hint="Check what TENANT_CONFIG_PROVIDER.tenants() reads (database, vault).",
                id=f"{TAG}.E007",
            )
        )
        return messages
    if not tenants:
        hrflow = conf["HRFLOW"] if isinstance(conf["HRFLOW"], dict) else {}  # else E020
        for key in _missing(hrflow):
            check_id, what = REQUIRED_KEYS[key]
            given = _given(hrflow.get(key))
            messages.append(
                Error(
                    f'The HrFlow.ai backend needs HRFLOW_MATCHING["HRFLOW"]["{key}"]{given}.',
                    hint=f"Set it to {what} (the example CRM reads HRFLOW_{key} from the "
                    'environment), or use BACKEND = "local".',
                    id=f"{TAG}.{check_id}",
                )
            )
        return messages
    for tenant in tenants:
        try:
            missing = _missing(provider.get_config(tenant))
        except Exception as exc:  # a provider reading a vault may fail in any way
            missing, detail = list(REQUIRED_KEYS), f" ({exc})"
        else:
            detail = ""
        if missing:
            messages.append(
                Warning(
                    f'Tenant "{tenant}" has no HrFlow.ai {", ".join(missing)}{detail}; its '
                    "matching pages will show a configuration error.",
                    hint=f'Add them to HRFLOW_MATCHING["TENANTS"]["{tenant}"] or to your tenant '
                    "config provider.",
                    id=f"{TAG}.W002",
                )
            )
    return messages


#: Adapter attributes naming a field of the model (or a ``__`` lookup through relations), with
#: what the hint asks for. Queries filter and order on them: a wrong name passes ``check`` and
#: fails every pull page and ``hrflow_sync`` with a FieldError otherwise.
ADAPTER_FIELDS = {
    "reference_field": 'the field holding the reference sent to HrFlow.ai (or "pk")',
    "updated_at_field": "the model's modification-date field",
    "created_at_field": "the model's creation-date field",
    "tenant_field": 'the lookup to the tenant id of a row (e.g. "organisation__slug"), or None',
}


def _lookup_error(model: type[models.Model], path: Any) -> str | None:
    """Why ``path`` names no field of ``model`` (relations followed on ``__``), or None."""
    if not isinstance(path, str) or not path:
        return "not a field name"
    current: type[models.Model] | None = model
    for part in path.split("__"):
        if current is None:
            return f"{part!r} follows a field that is not a relation"
        try:
            field = current._meta.pk if part == "pk" else current._meta.get_field(part)
        except FieldDoesNotExist:
            return f"{current._meta.label} has no field {part!r}"
        current = field.related_model if field.is_relation else None
    return None


#: Adapter attributes that must end on a date-time: pulls order and compare them with aware
#: date-times, so a ``DateField`` fails every page even though the field exists.
DATE_TIME_FIELDS = ("updated_at_field", "created_at_field")
NO_MODIFICATION_TIME = (
    'see README, "A model without a modification time": add a DateTimeField(auto_now=True), '
    'or name a date-time reached through foreign keys (e.g. "profile__modified")'
)


def _date_time_error(model: type[models.Model], path: str) -> str | None:
    """Why ``path`` (which names fields) cannot be a pull's date: it must end on a
    ``DateTimeField`` and cross only foreign keys and one-to-one fields (one value per row:
    a path through a reverse or many-to-many relation would repeat rows in every page)."""
    current: type[models.Model] = model
    parts = path.split("__")
    for i, part in enumerate(parts):
        field = current._meta.pk if part == "pk" else current._meta.get_field(part)
        last = i == len(parts) - 1
        if last:
            if isinstance(field, models.DateTimeField):
                return None
            if isinstance(field, models.DateField):
                return f"{part!r} is a DateField (a day, no time and no time zone)"
            return f"{part!r} is a {type(field).__name__}, not a DateTimeField"
        if not (field.many_to_one or field.one_to_one):
            return f"{part!r} is a to-many relation (a row would have several dates)"
        current = field.related_model
    return None


def _adapter_field_errors(adapter: Any) -> list[CheckMessage]:
    name = type(adapter).__qualname__
    messages: list[CheckMessage] = []
    for attr, what in ADAPTER_FIELDS.items():
        path = getattr(adapter, attr, None)
        if attr == "tenant_field" and not path:  # None or "": a single-tenant CRM
            continue
        reason = _lookup_error(adapter.model, path)
        if (
            reason is None
            and attr in DATE_TIME_FIELDS
            and (reason := _date_time_error(adapter.model, path)) is not None
        ):
            what = f"a DateTimeField of the model or of a related row ({NO_MODIFICATION_TIME})"
        if reason is not None:
            messages.append(
                Error(
                    f"{name}.{attr} = {path!r} ({adapter.model._meta.label}): {reason}.",
                    hint=f"Set {attr} on {name} to {what}.",
                    id=f"{TAG}.E012",
                )
            )
    return messages


@register(TAG)
def check_adapters(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E010/E011: the webservices, webhooks and matching pages need one adapter per kind.
    E012: the fields each adapter names exist on its model."""
    from .registry import adapters

    messages: list[CheckMessage] = []
    for adapter in adapters():
        messages += _adapter_field_errors(adapter)
    for kind, check_id in (("profile", "E010"), ("job", "E011")):
        if not adapters(kind):
            base = "ProfileAdapter" if kind == "profile" else "JobAdapter"
            messages.append(
                Error(
                    f"No {kind} adapter is registered.",
                    hint=f"In a hrflow.py module of one of your apps, write "
                    f"@register(YourModel) class YourAdapter({base}): ... (see README, "
                    '"Adding the app to an existing Django CRM").',
                    id=f"{TAG}.{check_id}",
                )
            )
    return messages


@register(TAG, deploy=False)
def check_webhooks(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W001: loopback and private webhook targets are for development only (SSRF guard off)."""
    webhooks = get_settings()["WEBHOOKS"]
    if isinstance(webhooks, dict) and webhooks.get("ALLOW_PRIVATE") and not settings.DEBUG:
        return [
            Warning(
                'HRFLOW_MATCHING["WEBHOOKS"]["ALLOW_PRIVATE"] is on while DEBUG is off: '
                "webhooks may be sent to loopback, private and cloud metadata addresses.",
                hint='Set HRFLOW_MATCHING["WEBHOOKS"]["ALLOW_PRIVATE"] to False in production.',
                id=f"{TAG}.W001",
            )
        ]
    return []


@register(TAG)
def check_index_dir(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W003: in production the local engine's snapshots belong in a folder of their own."""
    cls, error = _backend_class()
    if error is not None or settings.DEBUG:
        return []
    from .backends.local import LocalBackend

    local = get_settings()["LOCAL"]
    if not issubclass(cls, LocalBackend) or (isinstance(local, dict) and local.get("INDEX_DIR")):
        return []
    if all(db.get("ENGINE", "").endswith("sqlite3") for db in settings.DATABASES.values()):
        return []  # snapshots go beside the database file (or nowhere: in-memory)
    return [
        Warning(
            'HRFLOW_MATCHING["LOCAL"]["INDEX_DIR"] is not set while DEBUG is off: the local '
            "engine's snapshots (every indexed candidate's words and skills) go to a folder "
            "under the system temp folder, whose name any local user can guess.",
            hint='Set HRFLOW_MATCHING["LOCAL"]["INDEX_DIR"] to a folder of the application '
            "user's own (created 0700 when missing).",
            id=f"{TAG}.W003",
        )
    ]
