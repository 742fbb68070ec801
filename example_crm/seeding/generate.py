"""Bulk insertion of generated demo records: fast, repeatable and idempotent.

Why chunks: records are generated and inserted 1,000 at a time, and each chunk's random
sources are seeded from ``(seed, kind, chunk number)``. A chunk whose references all exist is
skipped without generating anything, so a second run costs one query per chunk and creates
nothing, and ``--profiles 2000`` after ``--profiles 1000`` adds exactly the second thousand,
identical to what a single run of 2,000 would have made. Existing rows are never modified.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import time
from collections.abc import Callable, Iterable, Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import connection, models, transaction
from django.db.models import Q

from ..models import Candidate, Education, JobOffer, Organisation, Recruiter, Skill, WorkExperience
from .factories import (
    CandidateFactory,
    JobOfferFactory,
    SeedContext,
    build_educations,
    build_experiences,
)

CHUNK = 1000
ORGANISATION_NAMES = [
    "Northwind Talent",
    "Globex Recruiting",
    "Initech Staffing",
    "Umbrella People",
    "Hooli Careers",
    "Stark Search",
    "Wayne Partners",
    "Tyrell Hiring",
]
Progress = Callable[[str], None]


def chunk_seed(seed: int, kind: str, chunk: int) -> int:
    digest = hashlib.sha256(f"{seed}:{kind}:{chunk}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def batched(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def existing_references(model: type[models.Model], refs: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for part in batched(refs, 500):
        found.update(model.objects.filter(reference__in=part).values_list("reference", flat=True))
    return found


def ensure_skills(names: Iterable[str]) -> dict[str, int]:
    """Skill ids by name, creating the missing ones (skills are shared by every tenant)."""
    wanted = sorted(set(names))
    Skill.objects.bulk_create([Skill(name=n) for n in wanted], ignore_conflicts=True)
    ids: dict[str, int] = {}
    for part in batched(wanted, 500):
        ids.update(Skill.objects.filter(name__in=part).values_list("name", "id"))
    return ids


def insert_links(through: type[models.Model], owner: str, pairs: Sequence[tuple[int, int]]) -> None:
    """Many-to-many rows ``(owner_id, skill_id)`` with one ``executemany``.

    Why raw SQL: building a model instance per link costs more than the insert itself, and a
    10,000-candidate seed has ~85,000 links. The table and columns come from the model's meta.
    """
    if not pairs:
        return
    qn = connection.ops.quote_name
    table = qn(through._meta.db_table)
    owner_col = qn(through._meta.get_field(owner).column)
    skill_col = qn(through._meta.get_field("skill").column)
    sql = f"INSERT INTO {table} ({owner_col}, {skill_col}) VALUES (%s, %s)"
    with connection.cursor() as cursor:
        for part in batched(pairs, 5000):
            cursor.executemany(sql, part)


def seed_organisations(count: int) -> list[Organisation]:
    orgs = []
    for n in range(1, count + 1):
        name = ORGANISATION_NAMES[(n - 1) % len(ORGANISATION_NAMES)]
        if n > len(ORGANISATION_NAMES):
            name = f"{name} {n}"
        org, _ = Organisation.objects.get_or_create(slug=f"org-{n}", defaults={"name": name})
        orgs.append(org)
    return orgs


def seed_recruiters(orgs: Sequence[Organisation], password: str) -> list[str]:
    """One staff recruiter per organisation: edits candidates and jobs, opens the matching pages."""
    user_model = get_user_model()
    crm = ["view_candidate", "change_candidate", "view_joboffer", "change_joboffer", "view_skill"]
    perms = list(
        Permission.objects.filter(
            Q(content_type__app_label="example_crm", codename__in=crm)
            | Q(content_type__app_label="hrflow_matching", codename="view_matching")
        )
    )
    usernames = []
    hashed = make_password(password)  # hashing is slow on purpose: once for every recruiter
    for org in orgs:
        username = f"recruiter-{org.slug}"
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"is_staff": True, "email": f"{username}@example.com"}
        )
        if created:
            user.password = hashed
            user.save(update_fields=["password"])
            user.user_permissions.add(*perms)
        Recruiter.objects.get_or_create(user=user, defaults={"organisation": org})
        usernames.append(username)
    return usernames


def _insert_candidates(ctx: SeedContext, indexes: Sequence[int], orgs, prefix: str) -> int:
    rows, children = [], []
    for i in indexes:
        persona = ctx.persona()
        cand = CandidateFactory.build(
            ctx=ctx, persona=persona, index=i, prefix=prefix, organisation=_org(orgs, i)
        )
        experiences = build_experiences(ctx, persona, cand.current_title)
        educations = build_educations(ctx, persona, experiences[-1].start_date)
        skills = persona.pick_skills(ctx.rng, 5, 12)
        rows.append(cand)
        children.append((experiences, educations, skills))
    existing = existing_references(Candidate, [c.reference for c in rows])
    keep = [
        (c, kids) for c, kids in zip(rows, children, strict=True) if c.reference not in existing
    ]
    if not keep:
        return 0
    Candidate.objects.bulk_create([c for c, _ in keep], batch_size=500)
    _fill_pks(Candidate, [c for c, _ in keep])
    skill_ids = ensure_skills(name for _, (_, _, skills) in keep for name in skills)
    links, experiences, educations = [], [], []
    for cand, (exps, edus, skills) in keep:
        links += [(cand.pk, skill_ids[s]) for s in skills]
        for row in (*exps, *edus):
            row.candidate_id = cand.pk
        experiences += exps
        educations += edus
    insert_links(Candidate.skills.through, "candidate", links)
    WorkExperience.objects.bulk_create(experiences, batch_size=1000)
    Education.objects.bulk_create(educations, batch_size=1000)
    return len(keep)


def _insert_jobs(ctx: SeedContext, indexes: Sequence[int], orgs, prefix: str) -> int:
    rows, skills_of = [], []
    for i in indexes:
        persona = ctx.persona()
        job = JobOfferFactory.build(
            ctx=ctx, persona=persona, index=i, prefix=prefix, organisation=_org(orgs, i)
        )
        rows.append(job)
        skills_of.append(persona.pick_skills(ctx.rng, 4, 8))
    existing = existing_references(JobOffer, [j.reference for j in rows])
    keep = [(j, s) for j, s in zip(rows, skills_of, strict=True) if j.reference not in existing]
    if not keep:
        return 0
    JobOffer.objects.bulk_create([j for j, _ in keep], batch_size=500)
    _fill_pks(JobOffer, [j for j, _ in keep])
    skill_ids = ensure_skills(name for _, skills in keep for name in skills)
    links = [(j.pk, skill_ids[s]) for j, skills in keep for s in skills]
    insert_links(JobOffer.skills.through, "joboffer", links)
    return len(keep)


def skewed_shares(count: int) -> list[float]:
    """Each organisation's share of the records when sizes are skewed, largest first: half the
    records spread as 1/rank (Zipf: a few large client companies) and half evenly (many small
    ones, none empty). At 500 organisations and a million candidates the largest has about
    75,000 and the smallest about 1,150 (``bench/scale.py``)."""
    harmonic = sum(1 / r for r in range(1, count + 1))
    return [0.5 / (r * harmonic) + 0.5 / count for r in range(1, count + 1)]


def org_picker(orgs: Sequence[Organisation], skewed: bool = False):
    """The organisation of record ``index``: in turn, or drawn with :func:`skewed_shares` by a
    hash of the index (the same record always goes to the same organisation, whatever the
    chunking or the number of seeding processes)."""
    if not orgs:
        return lambda index: None
    if not skewed:
        return lambda index: orgs[index % len(orgs)]
    bounds = list(itertools.accumulate(skewed_shares(len(orgs))))

    def pick(index: int) -> Organisation:
        u = ((index * 2654435761) % 2**32) / 2**32  # Knuth's multiplicative hash
        return orgs[min(bisect.bisect_right(bounds, u), len(orgs) - 1)]

    return pick


def _org(orgs, index: int) -> Organisation | None:
    """``orgs`` is a list (records in turn) or a picker from :func:`org_picker`."""
    return orgs(index) if callable(orgs) else org_picker(orgs)(index)


def _fill_pks(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """Databases that cannot return ids from a bulk insert: read them back by reference."""
    missing = [r for r in rows if r.pk is None]
    if not missing:
        return
    ids: dict[str, int] = {}
    for part in batched([r.reference for r in missing], 500):
        ids.update(model.objects.filter(reference__in=part).values_list("reference", "id"))
    for row in missing:
        row.pk = ids[row.reference]


def seed(
    kind: str,
    count: int,
    *,
    seed: int,
    ctx: SeedContext,
    orgs: Sequence[Organisation] = (),
    prefix: str = "",
    progress: Progress | None = None,
    skewed: bool = False,
) -> int:
    """Make records 1..count of ``kind`` ("profile" or "job"); return how many were new.
    ``skewed``: organisation sizes from :func:`skewed_shares` instead of records in turn."""
    orgs = org_picker(orgs, skewed)
    model, insert = (
        (Candidate, _insert_candidates) if kind == "profile" else (JobOffer, _insert_jobs)
    )
    letter = "cand" if kind == "profile" else "job"
    created, started = 0, time.monotonic()
    for chunk, first in enumerate(range(1, count + 1, CHUNK)):
        indexes = range(first, min(first + CHUNK, count + 1))
        refs = [f"{prefix}{letter}-{i:06d}" for i in indexes]
        if len(existing_references(model, refs)) == len(refs):
            continue
        ctx.reseed(chunk_seed(seed, kind, chunk))
        with transaction.atomic():
            created += insert(ctx, indexes, orgs, prefix)
        if progress:
            progress(
                f"  {kind}s {indexes[-1]:>7}/{count} ({created} new, "
                f"{time.monotonic() - started:.1f} s)"
            )
    return created
