"""The demo CRM that uses django-hrflow-matching."""

from .celery import app as celery_app

__all__ = ["celery_app"]
