"""A small but realistic CRM: organisations, recruiters, candidates and job offers.

Nothing here knows about HrFlow.ai; ``example_crm/hrflow.py`` adapts these models, which is all
a host CRM has to write.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_reference(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def new_candidate_reference() -> str:
    return new_reference("cand")


def new_job_reference() -> str:
    return new_reference("job")


class Organisation(models.Model):
    """A client company of the CRM (a tenant in multi-tenant set-ups)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Recruiter(models.Model):
    """Attaches a CRM user to the organisation they recruit for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recruiter"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="recruiters"
    )

    def __str__(self) -> str:
        return f"{self.user} ({self.organisation})"


class Skill(models.Model):
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ArchivableQuerySet(models.QuerySet):
    def active(self) -> ArchivableQuerySet:
        return self.filter(archived=False)


class Archivable(models.Model):
    """Created/updated times and a soft archive flag, shared by candidates and job offers."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    archived = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self.updated_at = timezone.now()
        if self.archived and self.archived_at is None:
            self.archived_at = self.updated_at
        elif not self.archived:
            self.archived_at = None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "updated_at", "archived_at"}
        super().save(*args, **kwargs)


class Located(models.Model):
    city = models.CharField(max_length=120, blank=True)
    country = models.CharField(max_length=120, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        abstract = True


class Candidate(Archivable, Located):
    reference = models.CharField(max_length=255, unique=True, default=new_candidate_reference)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="candidates"
    )
    first_name = models.CharField(max_length=120)
    last_name = models.CharField(max_length=120)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    current_title = models.CharField(max_length=255, blank=True)
    summary = models.TextField(blank=True)
    resume_text = models.TextField(blank=True, help_text="Free text of the resume, if any.")
    skills = models.ManyToManyField(Skill, blank=True, related_name="candidates")
    languages = models.JSONField(
        default=list, blank=True, help_text='ISO 639-1 codes: ["en", "fr"]'
    )
    tags = models.JSONField(default=dict, blank=True, help_text='{"name": "value"}')
    desired_salary = models.PositiveIntegerField(null=True, blank=True)
    open_to_remote = models.BooleanField(default=False)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["updated_at", "reference"], name="candidate_updated_ref")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def full_name(self) -> str:
        return str(self)


class CandidatePart(models.Model):
    """A child row of a candidate. Its saves and deletes, and changes of the candidate's skills,
    move the candidate's ``updated_at``: the adapter declares them (``related_models``,
    ``watched_m2m``) and hrflow_matching touches the candidate (``BaseAdapter.touch``)."""

    class Meta:
        abstract = True


class WorkExperience(CandidatePart):
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="experiences")
    title = models.CharField(max_length=255)
    company = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Empty while current.")

    class Meta:
        ordering = ["-start_date"]

    def __str__(self) -> str:
        return f"{self.title} at {self.company}"


class Education(CandidatePart):
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="educations")
    school = models.CharField(max_length=255)
    degree = models.CharField(max_length=255, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-end_date"]

    def __str__(self) -> str:
        return f"{self.degree}, {self.school}"


class JobOffer(Archivable, Located):
    class ContractType(models.TextChoices):
        PERMANENT = "permanent", "Permanent"
        FIXED_TERM = "fixed_term", "Fixed term"
        FREELANCE = "freelance", "Freelance"
        INTERNSHIP = "internship", "Internship"

    reference = models.CharField(max_length=255, unique=True, default=new_job_reference)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    title = models.CharField(max_length=255)
    company = models.CharField(max_length=255, blank=True)
    summary = models.TextField(blank=True)
    description = models.TextField(blank=True)
    requirements = models.TextField(blank=True)
    skills = models.ManyToManyField(Skill, blank=True, related_name="jobs")
    languages = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=dict, blank=True)
    salary_min = models.PositiveIntegerField(null=True, blank=True)
    salary_max = models.PositiveIntegerField(null=True, blank=True)
    salary_currency = models.CharField(max_length=3, default="EUR")
    contract_type = models.CharField(
        max_length=20, choices=ContractType.choices, default=ContractType.PERMANENT
    )
    remote = models.BooleanField(default=False)
    min_years_experience = models.PositiveSmallIntegerField(null=True, blank=True)
    max_years_experience = models.PositiveSmallIntegerField(null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["updated_at", "reference"], name="joboffer_updated_ref")]

    def __str__(self) -> str:
        return self.title
