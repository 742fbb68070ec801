"""factory-boy factories of realistic candidates and job offers.

Each record starts from a :class:`Persona` (an O*NET occupation, a real city, a seniority) so
that a candidate's titles, skills, summary and experiences agree with each other, and jobs draw
from the same occupations: a "Data Scientist" job finds "Data Scientist" candidates with
Apache Spark and Python. All randomness comes from :class:`SeedContext`, seeded by the caller,
so a seed always gives the same records. Factories build unsaved rows; ``generate.py`` inserts
them in bulk.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import factory
from faker import Faker

from ..models import Candidate, Education, JobOffer, WorkExperience
from .vocabulary import CURRENCIES, LOCALES, load_vocabulary

SENIORITIES = [("junior", 0, 2), ("mid", 2, 6), ("senior", 6, 12), ("lead", 10, 25)]
NOTICE = ["immediate", "1 month", "2 months", "3 months"]
CONTRACTS = ["permanent"] * 6 + ["fixed_term"] * 2 + ["freelance", "internship"]


@lru_cache(maxsize=1)
def _faker() -> Faker:
    """One multi-locale Faker per process: building it costs seconds, reseeding nothing."""
    return Faker(sorted(set(LOCALES.values())))


#: How many names, companies and phone numbers Faker makes per locale; records pick from these.
POOL_SIZES = {"first_name": 200, "last_name": 300, "company": 200, "phone_number": 300}


@dataclass
class _Pool:
    values: list[str]
    state: Any  # the Faker generator's random state after the last value drawn


@dataclass
class SeedContext:
    """The random sources and the calendar of one seeding run.

    Why pools: Faker's weighted name tables and format strings cost ~0.3 ms a draw, most of
    the seeding time. Each (locale, kind of value) has a pool whose k-th value is the k-th draw
    of its own seeded stream, grown only as far as records ask, so small seeds stay cheap, big
    ones reuse values, and every value is independent of the order records were made in.
    """

    seed: int
    today: dt.date
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.vocab = load_vocabulary()
        self.rng = random.Random(self.seed)
        self._pools: dict[tuple[str, str], _Pool] = {}
        self.reseed(self.seed)

    def reseed(self, seed: int) -> None:
        """Restart the record stream: chunks of records are seeded by their position."""
        self.rng.seed(seed)

    def pick(self, locale: str, what: str) -> str:
        """A Faker value (``first_name``, ``company``…) of a locale, from the run's pool."""
        fake = _faker()[locale]  # built on first use: a run that creates nothing never needs it
        pool = self._pools.get((locale, what))
        if pool is None:
            fake.seed_instance(f"{self.seed}:{locale}:{what}")
            pool = self._pools[(locale, what)] = _Pool([], fake.random.getstate())
        index = self.rng.randrange(POOL_SIZES[what])
        if index >= len(pool.values):
            fake.random.setstate(pool.state)
            make = getattr(fake, what)
            pool.values.extend(make() for _ in range(index + 1 - len(pool.values)))
            pool.state = fake.random.getstate()
        return pool.values[index]

    @classmethod
    def default(cls) -> SeedContext:
        return cls(seed=42, today=dt.date.today())

    def at(self, days_ago: int, seconds: int = 0) -> dt.datetime:
        moment = dt.datetime.combine(self.today, dt.time(0), tzinfo=dt.UTC)
        return moment - dt.timedelta(days=days_ago, seconds=seconds)

    def persona(self) -> Persona:
        rng = self.rng
        occupation = rng.choice(self.vocab["occupations"])
        city = rng.choice(self.vocab["cities"])
        name, low, high = rng.choice(SENIORITIES)
        return Persona(occupation, city, LOCALES[city["country"]], name, rng.randint(low, high))


@dataclass
class Persona:
    occupation: dict[str, Any]
    city: dict[str, Any]
    locale: str
    seniority: str
    years: int

    def pick_skills(self, rng: random.Random, low: int, high: int) -> list[str]:
        """Skills of the occupation, the most wanted ones most often."""
        pool = self.occupation["skills"]
        count = min(len(pool), rng.randint(low, high))
        weights = [1.0 / (1 + i * 0.25) for i in range(len(pool))]
        chosen: list[str] = []
        while len(chosen) < count:
            name = rng.choices(pool, weights)[0]
            if name not in chosen:
                chosen.append(name)
        return chosen

    def languages(self, rng: random.Random) -> list[str]:
        langs = list(self.city["languages"])
        if "en" not in langs and rng.random() < 0.7:
            langs.append("en")
        if rng.random() < 0.2:
            langs.append(rng.choice(["es", "de", "fr", "it", "pt", "zh", "ar"]))
        return list(dict.fromkeys(langs))


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum()) or "x"


def _ctx(o: Any) -> SeedContext:
    return o.ctx


class CandidateFactory(factory.django.DjangoModelFactory):
    """A candidate whose fields follow its persona; ``index`` makes the reference."""

    class Meta:
        model = Candidate

    class Params:
        ctx = factory.LazyFunction(SeedContext.default)
        persona = factory.LazyAttribute(lambda o: o.ctx.persona())
        index = factory.Sequence(lambda n: n + 1)
        prefix = ""

    reference = factory.LazyAttribute(lambda o: f"{o.prefix}cand-{o.index:06d}")
    first_name = factory.LazyAttribute(lambda o: o.ctx.pick(o.persona.locale, "first_name"))
    last_name = factory.LazyAttribute(lambda o: o.ctx.pick(o.persona.locale, "last_name"))
    email = factory.LazyAttribute(
        lambda o: f"{ascii_slug(o.first_name)}.{ascii_slug(o.last_name)}.{o.index}@example.com"
    )
    phone = factory.LazyAttribute(lambda o: o.ctx.pick(o.persona.locale, "phone_number")[:40])
    city = factory.LazyAttribute(lambda o: o.persona.city["city"])
    country = factory.LazyAttribute(lambda o: o.persona.city["country"])
    latitude = factory.LazyAttribute(lambda o: o.persona.city["lat"])
    longitude = factory.LazyAttribute(lambda o: o.persona.city["lng"])
    current_title = factory.LazyAttribute(
        lambda o: o.ctx.rng.choice(o.persona.occupation["titles"])
    )
    summary = factory.LazyAttribute(
        lambda o: (
            f"{o.current_title} with {o.persona.years} years of experience in "
            f"{o.persona.occupation['family'].lower()}. {o.persona.occupation['description']}"
        )
    )
    languages = factory.LazyAttribute(lambda o: o.persona.languages(o.ctx.rng))
    tags = factory.LazyAttribute(
        lambda o: {
            "seniority": o.persona.seniority,
            "family": o.persona.occupation["family"],
            "notice_period": o.ctx.rng.choice(NOTICE),
        }
    )
    desired_salary = factory.LazyAttribute(
        lambda o: 1000 * (30 + 4 * o.persona.years + o.ctx.rng.randint(0, 20))
    )
    open_to_remote = factory.LazyAttribute(lambda o: o.ctx.rng.random() < 0.4)
    created_at = factory.LazyAttribute(lambda o: o.ctx.at(o.ctx.rng.randint(30, 730)))
    updated_at = factory.LazyAttribute(
        lambda o: o.created_at + dt.timedelta(minutes=o.ctx.rng.randint(0, 29 * 24 * 60))
    )
    archived = factory.LazyAttribute(lambda o: o.ctx.rng.random() < 0.05)
    archived_at = factory.LazyAttribute(lambda o: o.updated_at if o.archived else None)


def build_experiences(ctx: SeedContext, persona: Persona, title: str) -> list[WorkExperience]:
    """A career that ends (or continues) today and adds up to the persona's years."""
    rng = ctx.rng
    jobs = max(1, min(4, persona.years // 3 + 1))
    end: dt.date | None = None if rng.random() < 0.75 else ctx.today - dt.timedelta(days=60)
    cursor = end or ctx.today
    remaining = max(persona.years * 365, 200)
    titles = [title, *persona.occupation["titles"]]
    out = []
    for n in range(jobs):
        span = remaining // (jobs - n)
        start = cursor - dt.timedelta(days=max(120, span - rng.randint(0, 60)))
        skills = persona.pick_skills(rng, 2, 4)
        out.append(
            WorkExperience(
                title=titles[min(n, len(titles) - 1)] if n else title,
                company=ctx.pick(persona.locale, "company")[:255],
                description=(
                    f"{persona.occupation['description']} Worked with {', '.join(skills)}."
                ),
                start_date=start,
                end_date=end if n == 0 else cursor,
            )
        )
        remaining -= span
        cursor = start - dt.timedelta(days=rng.randint(1, 90))
    return out


def build_educations(ctx: SeedContext, persona: Persona, first_job: dt.date) -> list[Education]:
    rng = ctx.rng
    count = 1 if rng.random() < 0.7 else 2
    out = []
    end = first_job - dt.timedelta(days=rng.randint(30, 200))
    for _ in range(count):
        start = end - dt.timedelta(days=365 * rng.randint(2, 3))
        school_city = rng.choice([persona.city, *ctx.vocab["cities"][:8]])["city"]
        out.append(
            Education(
                school=rng.choice(["University of ", "Institute of Technology of "]) + school_city,
                degree=rng.choice(persona.occupation["degrees"]),
                start_date=start,
                end_date=end,
            )
        )
        end = start - dt.timedelta(days=rng.randint(10, 120))
    return out


class JobOfferFactory(factory.django.DjangoModelFactory):
    """A job offer of an occupation; requirements and salary follow the seniority."""

    class Meta:
        model = JobOffer

    class Params:
        ctx = factory.LazyFunction(SeedContext.default)
        persona = factory.LazyAttribute(lambda o: o.ctx.persona())
        index = factory.Sequence(lambda n: n + 1)
        prefix = ""

    reference = factory.LazyAttribute(lambda o: f"{o.prefix}job-{o.index:06d}")
    title = factory.LazyAttribute(
        lambda o: (
            ("Senior " if o.persona.seniority in ("senior", "lead") else "")
            + o.ctx.rng.choice([o.persona.occupation["title"], *o.persona.occupation["titles"][:3]])
        )[:255]
    )
    company = factory.LazyAttribute(lambda o: o.ctx.pick(o.persona.locale, "company")[:255])
    summary = factory.LazyAttribute(
        lambda o: f"{o.company} is hiring a {o.title} in {o.persona.city['city']}."
    )
    description = factory.LazyAttribute(
        lambda o: (
            f"{o.persona.occupation['description']} You will join a team of "
            f"{o.ctx.rng.randint(3, 40)} people in {o.persona.occupation['family'].lower()}."
        )
    )
    requirements = factory.LazyAttribute(
        lambda o: (
            f"At least {o.min_years_experience} year{'s' * (o.min_years_experience != 1)} "
            f"as {o.persona.occupation['title']}."
        )
    )
    city = factory.LazyAttribute(lambda o: o.persona.city["city"])
    country = factory.LazyAttribute(lambda o: o.persona.city["country"])
    latitude = factory.LazyAttribute(lambda o: o.persona.city["lat"])
    longitude = factory.LazyAttribute(lambda o: o.persona.city["lng"])
    languages = factory.LazyAttribute(lambda o: o.persona.city["languages"][:1])
    tags = factory.LazyAttribute(
        lambda o: {"seniority": o.persona.seniority, "family": o.persona.occupation["family"]}
    )
    min_years_experience = factory.LazyAttribute(lambda o: max(0, o.persona.years - 2))
    max_years_experience = factory.LazyAttribute(
        lambda o: (
            o.min_years_experience + o.ctx.rng.randint(3, 8) if o.ctx.rng.random() < 0.6 else None
        )
    )
    salary_min = factory.LazyAttribute(
        lambda o: 1000 * (28 + 4 * o.min_years_experience + o.ctx.rng.randint(0, 10))
    )
    salary_max = factory.LazyAttribute(lambda o: o.salary_min + 1000 * o.ctx.rng.randint(5, 25))
    salary_currency = factory.LazyAttribute(lambda o: CURRENCIES.get(o.country, "EUR"))
    contract_type = factory.LazyAttribute(lambda o: o.ctx.rng.choice(CONTRACTS))
    remote = factory.LazyAttribute(lambda o: o.ctx.rng.random() < 0.25)
    start_date = factory.LazyAttribute(
        lambda o: o.ctx.today + dt.timedelta(days=o.ctx.rng.randint(0, 90))
    )
    created_at = factory.LazyAttribute(lambda o: o.ctx.at(o.ctx.rng.randint(1, 180)))
    updated_at = factory.LazyAttribute(
        lambda o: o.created_at + dt.timedelta(minutes=o.ctx.rng.randint(0, 24 * 60))
    )
    archived = factory.LazyAttribute(lambda o: o.ctx.rng.random() < 0.05)
    archived_at = factory.LazyAttribute(lambda o: o.updated_at if o.archived else None)
