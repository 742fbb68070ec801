"""Unlike example_crm: no ``updated_at`` on candidates (their date is the recruitment's), a
resume file instead of text, an HTML job description, a city and a country without
coordinates, and a default manager that filters by the request's selected company."""

from __future__ import annotations

import contextvars

from django.db import models
from django.utils import timezone

#: The company selected in the current request (set by ``middleware.selected_company``).
selected_company: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "selected_company", default=None
)


class CompanyScopedManager(models.Manager):
    """The HRMS's default manager: the selected company's rows only, while a request runs."""

    def get_queryset(self) -> models.QuerySet:
        qs = super().get_queryset()
        company = selected_company.get()
        return qs if company is None else qs.filter(company_id=company)


class Company(models.Model):
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    name = models.CharField(max_length=50)

    def __str__(self) -> str:
        return self.name


class Recruitment(models.Model):
    title = models.CharField(max_length=200)
    company = models.ForeignKey(Company, on_delete=models.CASCADE)
    description = models.TextField(help_text="Rich text (HTML) from the HRMS's editor.")
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    is_closed = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)
    modified = models.DateTimeField(auto_now=True)
    closing_day = models.DateField(null=True, blank=True)

    objects = CompanyScopedManager()

    def __str__(self) -> str:
        return self.title


class Candidate(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    company = models.ForeignKey(Company, on_delete=models.CASCADE)
    recruitment = models.ForeignKey(Recruitment, on_delete=models.CASCADE)
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT)
    resume = models.FileField(upload_to="resumes/", blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    joined = models.DateTimeField(default=timezone.now)

    objects = CompanyScopedManager()

    def __str__(self) -> str:
        return self.name
