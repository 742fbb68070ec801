"""pytest fixtures for host projects' tests: ``pytest_plugins = ["hrflow_matching.pytest_plugin"]``.

Opt-in rather than registered on install, so that installing the app never changes a project's
test run. Each fixture is a thin wrapper of :mod:`hrflow_matching.testing` or of the public
context managers, for projects that prefer fixtures to ``with`` blocks.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hrflow_matching.notify.events import paused

from .testing import Recorder, recording_backend


@pytest.fixture
def hrflow_recorder() -> Iterator[Recorder]:
    """The recording backend for the test: calls in ``.calls``, answers from ``.results``."""
    with recording_backend() as recorder:
        yield recorder


@pytest.fixture
def hrflow_events_paused() -> Iterator[None]:
    """No webhook event (and no outbox row) for the saves of the test: fixtures, factories."""
    with paused():
        yield
