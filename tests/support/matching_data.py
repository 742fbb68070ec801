"""Small, predictable CRM data for the recruiter-page and matching-API tests.

Two organisations (tenants "acme" and "globex"), one Paris job per organisation, candidates at
known distances from Paris with known skills, so ranks and filters are easy to predict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import Permission, User

from example_crm.models import Candidate, JobOffer, Organisation, Recruiter, Skill, WorkExperience

PARIS = (48.8566, 2.3522)
#: name, city, (lat, lng), skills, years of experience
PEOPLE = [
    ("Alice Martin", "Paris", (48.86, 2.35), ["Python", "Django", "PostgreSQL"], 5),
    ("Bruno Petit", "Versailles", (48.80, 2.13), ["Python", "Django"], 4),
    ("Chloé Durand", "Orléans", (47.90, 1.90), ["Python", "PostgreSQL"], 6),
    ("David Moreau", "Lyon", (45.76, 4.84), ["Python", "Django", "PostgreSQL"], 8),
    ("Emma Leroy", "Lille", (50.63, 3.06), ["Java"], 3),
    ("Farid Roux", "Paris", (48.85, 2.34), ["Django"], 2),
    ("Gaëlle Fournier", "Reims", (49.25, 4.03), ["Python"], 4),
]


@dataclass
class World:
    acme: Organisation
    globex: Organisation
    job: JobOffer
    other_job: JobOffer
    candidates: list[Candidate] = field(default_factory=list)
    other_candidate: Candidate | None = None


def skill_objs(names: list[str]) -> list[Skill]:
    return [Skill.objects.get_or_create(name=n)[0] for n in names]


def make_candidate(org: Organisation, name: str, city: str, point, skills, years) -> Candidate:
    first, last = name.split(" ", 1)
    cand = Candidate.objects.create(
        organisation=org,
        first_name=first,
        last_name=last,
        current_title="Backend developer",
        city=city,
        country="France",
        latitude=point[0],
        longitude=point[1],
        languages=["fr", "en"],
        summary=f"{name} builds web services.",
    )
    cand.skills.set(skill_objs(skills))
    WorkExperience.objects.create(
        candidate=cand,
        title="Developer",
        company="Some company",
        start_date=dt.date.today() - dt.timedelta(days=int(years * 365.25) + 2),
    )
    return cand


def make_job(org: Organisation, title: str = "Python developer") -> JobOffer:
    job = JobOffer.objects.create(
        organisation=org,
        title=title,
        company=org.name,
        city="Paris",
        country="France",
        latitude=PARIS[0],
        longitude=PARIS[1],
        description="Build Django services on PostgreSQL.",
        languages=["fr"],
        min_years_experience=2,
        max_years_experience=10,
    )
    job.skills.set(skill_objs(["Python", "Django", "PostgreSQL"]))
    return job


def build_world() -> World:
    acme = Organisation.objects.create(name="Acme", slug="acme")
    globex = Organisation.objects.create(name="Globex", slug="globex")
    world = World(acme=acme, globex=globex, job=make_job(acme), other_job=make_job(globex))
    world.candidates = [make_candidate(acme, *person) for person in PEOPLE]
    world.other_candidate = make_candidate(
        globex, "Zoé Globex", "Paris", (48.857, 2.352), ["Python", "Django", "PostgreSQL"], 5
    )
    return world


def recruiter(username: str, org: Organisation | None, *, permitted: bool = True) -> User:
    user = User.objects.create_user(username, password="pw", is_staff=True)
    if permitted:
        user.user_permissions.add(
            Permission.objects.get(
                codename="view_matching", content_type__app_label="hrflow_matching"
            )
        )
    if org is not None:
        Recruiter.objects.create(user=user, organisation=org)
    return user


def tenant_of_request(request) -> str | None:
    """The example resolver: the recruiter's organisation slug."""
    rec = getattr(request.user, "recruiter", None) if request.user.is_authenticated else None
    return rec.organisation.slug if rec else None
