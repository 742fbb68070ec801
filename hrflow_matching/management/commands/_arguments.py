"""Argument types shared by the app's commands.

Why types rather than checks in ``handle()``: argparse then reports a bad value as a usage
error naming the flag (a ``CommandError`` under ``call_command``), before any work starts,
instead of a traceback from deep inside (``Negative indexing is not supported``,
``sleep length must be non-negative``).
"""

from __future__ import annotations

import math
from argparse import ArgumentTypeError
from typing import Any


def positive_int(text: str) -> int:
    """An integer ≥ 1 (``--limit``)."""
    try:
        value = int(text)
    except ValueError:
        raise ArgumentTypeError(f"expected an integer ≥ 1, got {text!r}") from None
    if value < 1:
        raise ArgumentTypeError(f"expected an integer ≥ 1, got {text!r}")
    return value


def positive_seconds(text: Any) -> float:
    """A finite number of seconds > 0 (``--interval``); ``time.sleep`` rejects the rest."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
    return value
