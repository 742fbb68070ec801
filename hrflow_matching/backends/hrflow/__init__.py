"""The HrFlow.ai backend: scoring and searching through HrFlow.ai's API.

``backend`` maps criteria to calls and results to pages, ``client`` does the HTTP (timeouts,
retries, typed errors), ``wire`` encodes parameters and parses answers. The dotted path
``hrflow_matching.backends.hrflow.HrFlowBackend`` (what ``BACKEND = "hrflow"`` names) stays.
"""

from .backend import HrFlowBackend

__all__ = ["HrFlowBackend"]
