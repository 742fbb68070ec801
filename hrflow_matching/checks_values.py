"""System checks of the settings' values (``E020``–``E025``, listed in ``checks``).

Why a check per value: a setting of the wrong type (``PAGE_SIZE="abc"``, a weight ``"high"``)
otherwise passes ``manage.py check`` and turns every request that reads it into a 500.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from django.core.checks import CheckMessage, Error, register

from .checks import TAG
from .conf import DEFAULTS, get_settings


# -- numbers ------------------------------------------------------------------------
class Bound(NamedTuple):
    """What a numeric setting accepts; the code reading it would raise on anything else."""

    integer: bool = False
    positive: bool = True  # > 0, else ≥ 0
    maximum: float | None = None
    optional: bool = False  # None accepted (it means "the default behaviour")

    def accepts(self, value: Any) -> bool:
        if value is None or not _is_number(value, integer=self.integer):
            return value is None and self.optional
        low_ok = value > 0 if self.positive else value >= 0
        return low_ok and (self.maximum is None or value <= self.maximum)

    def describe(self) -> str:
        kind = "an integer" if self.integer else "a number"
        if self.maximum is not None:
            text = f"{kind} from {'> 0' if self.positive else '0'} to {self.maximum:g}"
        else:
            text = f"{kind} {'> 0' if self.positive else '≥ 0'}"
        return f"{text}, or None" if self.optional else text


POSITIVE, NON_NEGATIVE = Bound(), Bound(positive=False)
POSITIVE_INT, NON_NEGATIVE_INT = Bound(integer=True), Bound(integer=True, positive=False)

#: The numeric settings, by section. The code reads each with ``int()``/``float()`` or compares
#: it, where a wrong value is a 500 per request or a crashed worker rather than a message.
NUMBERS: dict[str, dict[str, Bound]] = {
    "HRFLOW": {
        "CONNECT_TIMEOUT": POSITIVE,
        "READ_TIMEOUT": POSITIVE,
        "MAX_RETRIES": NON_NEGATIVE_INT,
        "MAX_URL_LENGTH": POSITIVE_INT,
    },
    "WEBHOOKS": {
        "JITTER": Bound(positive=False, maximum=1),
        "SWEEP_INTERVAL": POSITIVE,
        "CONNECT_TIMEOUT": POSITIVE,
        "TOTAL_TIMEOUT": POSITIVE,
        "MAX_RESPONSE_BYTES": POSITIVE_INT,
        "STORED_RESPONSE_BYTES": NON_NEGATIVE_INT,
        "DISABLE_AFTER": POSITIVE,
        "ATTEMPT_RETENTION_DAYS": NON_NEGATIVE_INT,
        "ROTATION_GRACE": NON_NEGATIVE,
        "CLAIM_LEASE": Bound(optional=True),
        "SWEEP_GRACE": NON_NEGATIVE,
        "SWEEP_BATCH": POSITIVE_INT,
        "PARALLEL": POSITIVE_INT,
    },
    "API": {
        "PAGE_SIZE": POSITIVE_INT,
        "MAX_PAGE_SIZE": POSITIVE_INT,
        "TOMBSTONE_RETENTION_DAYS": NON_NEGATIVE_INT,
        "SETTLE_SECONDS": NON_NEGATIVE,
    },
    "HEALTH": {
        "MAX_OUTBOX_DEPTH": Bound(integer=True, positive=False, optional=True),
        "MAX_OLDEST_PENDING": Bound(positive=False, optional=True),
        "MAX_INDEX_LAG": Bound(positive=False, optional=True),
        "MAX_FAILED_24H": Bound(integer=True, positive=False, optional=True),
        "MAX_DISABLED_ENDPOINTS": Bound(integer=True, positive=False, optional=True),
    },
    "LOCAL": {
        "REBUILD_AFTER": Bound(integer=True, positive=False, optional=True),
        "MEMORY_BUDGET_MB": Bound(optional=True),
    },
    "PAGES": {
        "DEFAULT_DISTANCE_KM": POSITIVE,
        "PAGE_SIZE": POSITIVE_INT,
        "MAX_PAGE_SIZE": POSITIVE_INT,
    },
}


def _is_number(value: Any, *, integer: bool = False) -> bool:
    """An int (or a finite float unless ``integer``); never a bool, which int() would take."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return not integer and isinstance(value, float) and math.isfinite(value)


def _error(check_id: str, msg: str, hint: str) -> Error:
    return Error(msg, hint=hint, id=f"{TAG}.{check_id}")


def _number_errors(section: str, values: dict[str, Any]) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for key, bound in NUMBERS[section].items():
        if key in values and not bound.accepts(values[key]):
            setting, wanted = f'HRFLOW_MATCHING["{section}"]["{key}"]', bound.describe()
            convert = "int" if bound.integer else "float"
            messages.append(
                _error(
                    "E021",
                    f"{setting} = {values[key]!r} is not {wanted}.",
                    f"Use {wanted} (default {DEFAULTS[section][key]!r}); convert a value read "
                    f"from the environment with {convert}().",
                )
            )
    return messages


def _retry_schedule_errors(schedule: Any) -> list[CheckMessage]:
    delays = schedule if isinstance(schedule, list | tuple) else ()
    if delays and all(NON_NEGATIVE.accepts(delay) for delay in delays):
        return []
    return [
        _error(
            "E021",
            f'HRFLOW_MATCHING["WEBHOOKS"]["RETRY_SCHEDULE"] = {schedule!r} is not a non-empty '
            "list of delays in seconds (numbers ≥ 0).",
            "One delay per attempt, the first try included, e.g. [0, 5, 300, 1800].",
        )
    ]


def _method_errors(method: Any) -> list[CheckMessage]:
    """E025: the HrFlow.ai backend would silently read anything else as "AUTO"."""
    if isinstance(method, str) and method.upper() in ("AUTO", "POST"):
        return []
    return [
        _error(
            "E025",
            f'HRFLOW_MATCHING["HRFLOW"]["METHOD"] = {method!r} is neither "AUTO" nor "POST".',
            '"AUTO" (the default) sends GET while the URL is short and POST beyond '
            'MAX_URL_LENGTH; "POST" always sends a JSON body.',
        )
    ]


def _throttle_rate_errors(
    rate: Any, setting: str = '["API"]["THROTTLE_RATE"]'
) -> list[CheckMessage]:
    """E022, with the parser DRF applies to the rate on every request (``parse_rate``)."""
    from .api.auth import ApiKeyRateThrottle

    if rate is None or rate == "":
        return []
    try:
        count, _ = ApiKeyRateThrottle().parse_rate(rate)
    except Exception:  # whatever DRF's parser rejects: ValueError, KeyError, AttributeError…
        count = 0
    if count >= 1:
        return []
    return [
        _error(
            "E022",
            f"HRFLOW_MATCHING{setting} = {rate!r} is not a throttle rate.",
            'Write "N/period" with N ≥ 1 and a period of s, m, h or d (e.g. "1200/min"), or '
            "None to turn throttling off.",
        )
    ]


def _weight_errors(weights: Any) -> list[CheckMessage]:
    """E023/E024: the local engine multiplies scores by these; a string is a 500 per search."""
    known, setting = DEFAULTS["LOCAL"]["WEIGHTS"], 'HRFLOW_MATCHING["LOCAL"]["WEIGHTS"]'
    if not isinstance(weights, dict):
        hint = f"Map criteria to weights; those left out keep their default ({known})."
        return [_error("E023", f"{setting} = {weights!r} is not a dict.", hint)]
    messages: list[CheckMessage] = []
    for name, weight in weights.items():
        if name not in known:
            msg = f"{setting} has an unknown criterion {name!r}."
            hint = f"The criteria are {', '.join(known)}."
            messages.append(_error("E024", msg, hint))
        elif not NON_NEGATIVE.accepts(weight):
            msg = f'{setting}["{name}"] = {weight!r} is not a number ≥ 0.'
            hint = f"Weights are relative, 0 turns a criterion off; its default is {known[name]}."
            messages.append(_error("E023", msg, hint))
    return messages


@register(TAG)
def check_values(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E020–E025: values that would otherwise raise where they are read (a 500 per request)."""
    conf = get_settings()
    messages: list[CheckMessage] = []
    for section in NUMBERS:
        if not isinstance(conf[section], dict):
            msg = f'HRFLOW_MATCHING["{section}"] = {conf[section]!r} is not a dict.'
            hint = "Give a dict of the keys to change; the others keep their defaults."
            messages.append(_error("E020", msg, hint))
            continue
        messages += _number_errors(section, conf[section])
    if isinstance(conf["HRFLOW"], dict) and "METHOD" in conf["HRFLOW"]:
        messages += _method_errors(conf["HRFLOW"]["METHOD"])
    if isinstance(conf["WEBHOOKS"], dict):
        messages += _retry_schedule_errors(conf["WEBHOOKS"].get("RETRY_SCHEDULE"))
    if isinstance(conf["API"], dict):
        for key in ("THROTTLE_RATE", "FAILED_KEY_RATE", "SESSION_THROTTLE_RATE"):
            messages += _throttle_rate_errors(conf["API"].get(key), f'["API"]["{key}"]')
    if isinstance(conf["PAGES"], dict):
        messages += _throttle_rate_errors(
            conf["PAGES"].get("THROTTLE_RATE"), '["PAGES"]["THROTTLE_RATE"]'
        )
    if isinstance(conf["LOCAL"], dict):
        messages += _weight_errors(conf["LOCAL"].get("WEIGHTS"))
    return messages
