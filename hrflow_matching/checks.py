"""System checks (``hrflow_matching.E001``…): configuration errors found at ``manage.py check``."""

from __future__ import annotations
