"""The CRM's Celery app. Workers: ``celery -A example_crm worker``; beat: ``celery -A example_crm beat``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_crm.settings")

app = Celery("example_crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
