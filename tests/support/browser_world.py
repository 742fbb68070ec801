"""Data and settings of the browser tests: the demo seed on the local engine.

``make_browser_world`` seeds a small demo CRM (``seed_demo``), indexes it (``hrflow_sync``) and
picks a job whose page has enough candidates to filter and page through, then yields what the
test needs to know about it. The settings stay as in ``example_crm`` except a small page size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.urls import reverse

from example_crm.models import Candidate, JobOffer
from hrflow_matching.testing import override_hrflow_settings

PAGE_SIZE = 5


@dataclass
class BrowserWorld:
    username: str
    password: str
    job_reference: str
    job_admin_url: str
    profile_reference: str
    required_skill: str
    keyword: str
    job_keyword: str
    wide_distance: int
    page_size: int = PAGE_SIZE


def _login_user() -> User:
    user = User.objects.create_user("recruiter", password="demo-password", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_matching", content_type__app_label="hrflow_matching")
    )
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_joboffer", "change_joboffer"])
    )
    return user


def _pick_job() -> tuple:
    """The on-site job whose first view (its page untouched) shows the most candidates.

    Its required skill for the test is the one of its skills that the fewest candidates have
    (but some do), so requiring it visibly changes the list.
    """
    from django.db.models import Count, Q

    from example_crm.models import Candidate, JobOffer
    from hrflow_matching.backends import get_backend
    from hrflow_matching.match.forms import CriteriaForm
    from hrflow_matching.match.service import MODES, initial_data
    from hrflow_matching.match.views import MatchingPageView
    from hrflow_matching.registry import get_kind_adapter

    adapter, mode = get_kind_adapter("job"), MODES["profiles_for_job"]

    def first_view_total(job: JobOffer) -> int:
        """How many candidates the job's page shows untouched (the criteria of its first view)."""
        document = adapter.to_document(job)
        form = CriteriaForm(initial_data(mode, document))
        assert form.is_valid(), form.errors
        criteria = form.to_criteria(default_center=MatchingPageView.center(document))
        return get_backend().score_profiles(job.reference, criteria).total

    # On site: a remote job's first view has no distance, and the test widens the distance.
    jobs = JobOffer.objects.filter(archived=False, latitude__isnull=False, remote=False)
    job = max(jobs.order_by("pk"), key=first_view_total)
    skills = (
        job.skills.annotate(n=Count("candidates", filter=Q(candidates__archived=False)))
        .filter(n__gt=0)
        .order_by("n", "name")
    )
    skill = skills.first() or job.skills.order_by("name").first()
    # A candidate of the job's city, so that jobs around them exist on the first view.
    profile = (
        Candidate.objects.filter(archived=False, city=job.city).order_by("pk").first()
        or Candidate.objects.filter(archived=False).order_by("pk").first()
    )
    return job, skill, profile


def _common_word(titles: Iterable[str]) -> str:
    """The most frequent last word of titles ("Engineer"), for searches that find many rows."""
    words = Counter(t.split()[-1] for t in titles if t and t.split())
    return words.most_common(1)[0][0]


def local_engine_ready() -> bool:
    """Whether the local engine and its indexing command are installed in this tree."""
    from importlib.util import find_spec

    from django.core.management import get_commands

    return find_spec("hrflow_matching.backends.local.backend") is not None and (
        "hrflow_sync" in get_commands()
    )


def make_browser_world(profiles: int = 300, jobs: int = 20) -> Iterator[BrowserWorld]:
    if not local_engine_ready():  # until the local engine lands: the tests' own backend
        yield from _simple_world()
        return
    with override_hrflow_settings(BACKEND="local", PAGES={"PAGE_SIZE": PAGE_SIZE}):
        call_command("seed_demo", profiles=profiles, jobs=jobs, verbosity=0)
        call_command("hrflow_sync", verbosity=0)
        user = _login_user()
        job, skill, profile = _pick_job()
        yield BrowserWorld(
            username=user.username,
            password="demo-password",
            job_reference=job.reference,
            job_admin_url=reverse("admin:example_crm_joboffer_change", args=[job.pk]),
            profile_reference=profile.reference,
            required_skill=skill.name,
            keyword=_common_word(Candidate.objects.values_list("current_title", flat=True)),
            job_keyword=_common_word(JobOffer.objects.values_list("title", flat=True)),
            wide_distance=20000,
        )


def _simple_world() -> Iterator[BrowserWorld]:
    from tests.support.matching_data import build_world

    with override_hrflow_settings(
        BACKEND="tests.support.matching_backend.SimpleBackend", PAGES={"PAGE_SIZE": PAGE_SIZE}
    ):
        world = build_world()
        user = _login_user()
        yield BrowserWorld(
            username=user.username,
            password="demo-password",
            job_reference=world.job.reference,
            job_admin_url=reverse("admin:example_crm_joboffer_change", args=[world.job.pk]),
            profile_reference=world.candidates[0].reference,
            required_skill="PostgreSQL",
            keyword="web",
            job_keyword="Django",
            wide_distance=2000,
        )
