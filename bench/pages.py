"""Server time of the candidates-for-a-job page with the local engine: p50 / p95 / max.

Seeds a dedicated database with ``seed_demo --profiles N --jobs M`` and indexes it with
``hrflow_sync`` (both kept between runs, under ``var/bench/``), then renders
``/hrflow/matching/jobs/<reference>/`` through Django's full request stack (test Client:
middleware, session auth, permission, form, backend, one query for the CRM rows, templates)
for a rotation of jobs, and prints the time spent in the server per request. No network, so
the figure is the server's time, not a browser's.

    python bench/pages.py [--profiles 10000] [--jobs 200] [--requests 60]
    python bench/pages.py --profiles 100000       # the figures published in the README
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_pages python bench/pages.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def setup(profiles: int, jobs: int) -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DIR / f'pages-{profiles}-{jobs}.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_crm.settings")
    os.environ.setdefault("HRFLOW_TENANT_RESOLVER", "")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    settings.HRFLOW_MATCHING = {**settings.HRFLOW_MATCHING, "BACKEND": "local"}
    from hrflow_matching.conf import get_settings

    get_settings.cache_clear()


def seed(profiles: int, jobs: int, sync: bool = True) -> None:
    from django.core.management import call_command

    from example_crm.models import Candidate, JobOffer

    call_command("migrate", verbosity=0)
    have = Candidate.objects.count(), JobOffer.objects.count()
    if have == (profiles, jobs):
        print(f"reusing {profiles} profiles and {jobs} jobs in {os.environ['DATABASE_URL']}")
    else:
        if any(have):
            sys.exit(f"{os.environ['DATABASE_URL']} holds {have}; remove it or pick another.")
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command("seed_demo", profiles=profiles, jobs=jobs, verbosity=0, stdout=quiet)
        print(f"seeded {profiles} profiles, {jobs} jobs in {time.perf_counter() - started:.0f} s")
    if not sync:
        return
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("hrflow_sync", verbosity=0, stdout=quiet, stderr=quiet)
    print(f"hrflow_sync: {time.perf_counter() - started:.1f} s")


def measure(requests: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall-clock server time per request, and the CPU time the process spent on it.

    On a machine shared with other jobs the wall time includes waiting for a core; the CPU time
    is what the request itself costs (no network; SQLite reads come from the page cache)."""
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    from example_crm.models import JobOffer

    user = User.objects.filter(username="bench").first() or User.objects.create_superuser(
        "bench", "bench@example.com", "bench"
    )
    client = Client()
    client.force_login(user)
    jobs = JobOffer.objects.filter(archived=False).order_by("pk").prefetch_related("skills")
    refs = [job.reference for job in jobs]
    # The required skill is one of the job's own, as when a recruiter clicks one of its chips.
    own_skill = {job.reference: min((s.name for s in job.skills.all()), default="") for job in jobs}
    variants = {
        "first view (50 km, job's experience)": lambda ref: {},
        "2000 km + one of its skills required": lambda ref: {
            "location_distance": 2000,
            "skills": own_skill[ref],
        },
        "no distance, page 3": lambda ref: {"location_distance": "", "page": 3},
    }
    timings: dict[str, list[float]] = {name: [] for name in variants}
    cpu_timings: dict[str, list[float]] = {name: [] for name in variants}
    # Warm-up: load the engine's snapshot and the templates once, as a running server has.
    client.get(reverse("hrflow_matching:matching_profiles_for_job", args=[refs[0]]))
    for i in range(requests):
        ref = refs[i % len(refs)]
        url = reverse("hrflow_matching:matching_profiles_for_job", args=[ref])
        for name, params in variants.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url, params(ref))
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu_started) * 1000
            assert response.status_code == 200, (response.status_code, response.content[:300])
            timings[name].append(elapsed)
            cpu_timings[name].append(cpu)
    return timings, cpu_timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--requests", type=int, default=60, help="Requests per variant.")
    parser.add_argument(
        "--no-sync", action="store_true", help="Reuse the index of a previous run as it is."
    )
    args = parser.parse_args()
    setup(args.profiles, args.jobs)
    seed(args.profiles, args.jobs, sync=not args.no_sync)
    wall, cpu = measure(args.requests)
    print(f"\ncandidates-for-a-job page, {args.profiles} profiles, server time in ms")
    print(f"1-minute load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'variant':40} {'n':>4} {'p50':>7} {'p95':>7} {'max':>7} {'cpu p50':>8} {'cpu p95':>8}")
    rows = [(name, wall[name], cpu[name]) for name in wall]
    rows.append(
        ("all", [t for v in wall.values() for t in v], [t for v in cpu.values() for t in v])
    )
    for name, values, cpus in rows:
        print(
            f"{name:40} {len(values):4d} {statistics.median(values):7.1f} "
            f"{percentile(values, 0.95):7.1f} {max(values):7.1f} "
            f"{statistics.median(cpus):8.1f} {percentile(cpus, 0.95):8.1f}"
        )


if __name__ == "__main__":
    main()
