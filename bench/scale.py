#!/usr/bin/env python3
"""OEM scale: many client companies, several web hosts, one PostgreSQL (issue #17).

Seeds a PostgreSQL database created for the run with ``seed_demo --skewed-tenants`` (a few
large companies, many small ones), runs ``hrflow_sync``, then measures through the public
paths (the JSON matching API and the pull API, Django's full request stack in process):

1. seeding time, and ``hrflow_sync``'s time and peak RSS (the command and its workers);
2. the p95 of candidates-for-a-job, jobs-for-a-candidate and keyword searches by recruiters
   of random tenants weighted by size, from two web processes standing for two hosts (each
   its own ``INDEX_DIR``, sharing only the database: host B has no snapshot at first), while
   a writer saves 20 candidates per second through the ORM (events, index tasks run by
   ``hrflow_worker``, which also rebuilds snapshots);
3. the first query of a tenant not yet loaded by a process (snapshot on disk);
4. the RSS of one process after touching every tenant, and the memory of four such
   processes together (proportional set sizes: mapped snapshot pages count once);
5. how long an ORM save on host A takes to show in a keyword search on host B;
6. the pull export rate through ``GET /hrflow/api/profiles/`` and its queries per page.

Each figure is printed with the load average (``uptime``) at the time it was taken; the
machine may be shared. ``--record DIR`` saves the figures as ``scale-<profiles>.json`` and
redraws ``DIR/latency.svg`` (p95 against size) from every file recorded there.

    python bench/scale.py --tenants 20 --profiles 20000 --jobs 1000
    python bench/scale.py --tenants 500 --profiles 1000000 --jobs 50000 --record docs/scale
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
KEYWORDS = ["python", "accountant", "nurse", "sales manager", "java developer", "excel", "sql"]
TARGETS = {
    "sync_s": 600, "sync_peak_mib": 1024, "seed_s": 600, "profiles_p95": 100, "jobs_p95": 100,
    "search_p95": 100, "first_query_p95": 300, "one_process_mib": 1024, "four_ratio": 1.5,
    "visible_s": 2, "export_rate": 3000,
}  # fmt: skip


def load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


# -- children (Django) -------------------------------------------------------------------------
def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_crm.settings")
    import django

    django.setup()
    from django.conf import settings

    from hrflow_matching.conf import get_settings

    settings.DEBUG = False
    local = dict(settings.HRFLOW_MATCHING.get("LOCAL", {}))
    local["INDEX_DIR"] = os.environ["SCALE_INDEX_DIR"]
    if os.environ.get("SCALE_BUDGET_MB"):
        budget = os.environ["SCALE_BUDGET_MB"]
        local["MEMORY_BUDGET_MB"] = None if budget == "none" else float(budget)
    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "LOCAL": local,
        "API": {"SETTLE_SECONDS": 0, "THROTTLE_RATE": None, "MAX_PAGE_SIZE": 1000},
    }
    get_settings.cache_clear()


def rss_mib(pid: int | str = "self") -> dict[str, float]:
    """RSS and PSS (proportional: a page mapped by n processes counts 1/n in each)."""
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss"):
            out[name.lower()] = int(rest.split()[0]) / 1024
    return out


def tenants_by_size() -> list[tuple[str, int]]:
    from django.db.models import Count

    from example_crm.models import Organisation

    rows = Organisation.objects.annotate(n=Count("candidates")).values_list("slug", "n")
    return sorted(rows, key=lambda r: -r[1])


def clients() -> dict[str, Any]:
    """A test Client per tenant, each with its tenant's API key (created on first use)."""
    from django.test import Client

    from hrflow_matching.models import ApiKey

    out = {}
    for slug, _ in tenants_by_size():
        _, key = ApiKey.create_key(f"scale-{os.getpid()}-{slug}", tenant=slug)
        out[slug] = Client(headers={"X-API-KEY": key})
    return out


def pick(model: Any, slug: str, rng: random.Random) -> str | None:
    """A random live record of the tenant (an id drawn at random, then the next one of it)."""
    from django.db.models import Max, Min

    qs = model.objects.filter(organisation__slug=slug, archived=False)
    bounds = model.objects.aggregate(lo=Min("id"), hi=Max("id"))
    start = rng.randint(bounds["lo"] or 0, bounds["hi"] or 0)
    row = qs.filter(id__gte=start).order_by("id").values_list("reference", flat=True).first()
    return row or qs.order_by("id").values_list("reference", flat=True).first()


def request(client: Any, op: str, ref: str | None, word: str) -> tuple[int, float]:
    path, params = {
        "profiles": ("/hrflow/api/matching/profiles/", {"job_reference": ref}),
        "jobs": ("/hrflow/api/matching/jobs/", {"profile_reference": ref}),
        "search": ("/hrflow/api/search/profiles/", {"text_keywords": word}),
    }[op]
    t0 = time.perf_counter()
    response = client.get(path, {**params, "limit": 30})
    return response.status_code, (time.perf_counter() - t0) * 1000


def warm_up(by_tenant: dict[str, Any], sized: list[tuple[str, int]]) -> None:
    """One request for the smallest tenant, not timed: what a process loads once whatever the
    tenant (the taxonomy, URL patterns, the first database connection) is not a tenant's."""
    from example_crm.models import JobOffer

    slug = sized[-1][0]
    ref = pick(JobOffer, slug, random.Random(1))
    for op in ("profiles", "search"):
        request(by_tenant[slug], op, ref, "python")


def child_seed(args: argparse.Namespace) -> dict:
    """Runs ``seed_demo`` in ``args.seeders`` processes at once (references and seeds apart)."""
    manage = [sys.executable, "manage.py", "seed_demo", f"--tenants={args.tenants}"]
    manage += ["--skewed-tenants", "--today=2026-12-01"]
    started, cpu0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(manage, cwd=ROOT, check=True, capture_output=True)  # organisations first
    procs = []

    def share(n: int, k: int) -> int:
        return n // args.seeders + (1 if k < n % args.seeders else 0)

    for k in range(args.seeders):
        cmd = [
            *manage, f"--profiles={share(args.profiles, k)}", f"--jobs={share(args.jobs, k)}",
            f"--seed={k + 1}", f"--reference-prefix=s{k}-",
        ]  # fmt: skip
        procs.append(subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL))
    for p in procs:
        assert p.wait() == 0, "seed_demo failed"
    seeded = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    django_setup()
    from django.db import connection

    with connection.cursor() as cursor:  # statistics, as autovacuum keeps them on a live CRM
        cursor.execute("VACUUM (ANALYZE)")
    sizes = [n for _, n in tenants_by_size()]
    return {
        "seed_s": seeded,
        "seed_cpu_s": (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
        "seed_load": load(),
        "tenant_sizes": [sizes[0], int(statistics.median(sizes)), sizes[-1]],
    }


def child_sync(args: argparse.Namespace) -> dict:
    django_setup()
    from django.core.management import call_command

    started, cpu0 = time.perf_counter(), time.process_time()
    with open(os.devnull, "w") as devnull:
        call_command("hrflow_sync", "--no-progress", "--batch-size=1000", stdout=devnull)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "sync_s": time.perf_counter() - started,
        "sync_cpu_s": time.process_time() - cpu0 + children.ru_utime + children.ru_stime,
        "sync_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "sync_workers_peak_mib": children.ru_maxrss / 1024,
        "sync_load": load(),
    }


def child_serve(args: argparse.Namespace) -> dict:
    """Serves the recruiters' mix for ``args.seconds`` (the writer runs meanwhile)."""
    django_setup()
    from example_crm.models import Candidate, JobOffer

    rng = random.Random(os.getpid())
    sized = tenants_by_size()
    by_tenant = clients()
    slugs, weights = [s for s, _ in sized], [max(n, 1) for _, n in sized]
    ops = ["profiles"] * 4 + ["jobs"] * 3 + ["search"] * 3
    plan = []
    for _ in range(args.requests):  # drawn before timing: the picks are the CRM's, not ours
        slug, op = rng.choices(slugs, weights)[0], rng.choice(ops)
        model = JobOffer if op == "profiles" else Candidate
        ref = pick(model, slug, rng) if op != "search" else None
        plan.append((slug, op, ref, rng.choice(KEYWORDS)))
    warm_up(by_tenant, sized)
    seen: set[str] = set()
    times: dict[str, list[float]] = {"profiles": [], "jobs": [], "search": []}
    warm: dict[str, list[float]] = {k: [] for k in times}
    cpu: dict[str, list[float]] = {k: [] for k in times}  # steadier on a shared machine
    errors, cpu0 = 0, time.process_time()
    deadline = time.monotonic() + args.seconds
    done = 0
    for slug, op, ref, word in plan:
        if time.monotonic() > deadline:
            break
        c0 = time.process_time()
        status, ms = request(by_tenant[slug], op, ref, word)
        cpu[op].append((time.process_time() - c0) * 1000)
        errors += status != 200
        times[op].append(ms)
        if slug in seen:
            warm[op].append(ms)
        seen.add(slug)
        done += 1
    out = {"requests": done, "errors": errors, "serve_cpu_s": time.process_time() - cpu0}
    for op in times:
        out[f"{op}_p50"], out[f"{op}_p95"] = pct(times[op], 50), pct(times[op], 95)
        out[f"{op}_warm_p95"] = pct(warm[op], 95)
        out[f"{op}_cpu_p95"] = pct(cpu[op], 95)
    out["serve_load"] = load()
    out.update({f"serve_{k}_mib": v for k, v in rss_mib().items()})
    return out


def child_writer(args: argparse.Namespace) -> dict:
    """Saves ``args.rate`` candidates per second through the ORM until stdin closes."""
    django_setup()
    from example_crm.models import Candidate

    ids = Candidate.objects.values_list("id", flat=True)
    lo, hi = ids.order_by("id")[0], ids.order_by("-id")[0]
    rng, saved, lag = random.Random(3), 0, 0.0
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    start = time.monotonic()
    while not stop.is_set():
        due = start + saved / args.rate
        if (wait := due - time.monotonic()) > 0:
            stop.wait(wait)
            continue
        lag = max(lag, -wait)
        cand = Candidate.objects.filter(id__gte=rng.randint(lo, hi)).order_by("id").first()
        if cand is not None:
            cand.summary = f"{cand.summary.split(' [')[0]} [{rng.choice(KEYWORDS)} {saved}]"
            cand.save()
        saved += 1
    return {"written": saved, "write_rate": saved / (time.monotonic() - start), "write_lag_s": lag}


def child_touch(args: argparse.Namespace) -> dict:
    """First queries of unloaded tenants, then one query per tenant; reports memory, then
    waits for a line on stdin (so that four of them can be measured together)."""
    django_setup()
    from example_crm.models import JobOffer

    rng = random.Random(11)
    by_tenant, sized = clients(), tenants_by_size()
    jobs = {s: pick(JobOffer, s, rng) for s, _ in sized}
    warm_up(by_tenant, sized)
    sized = sized[:-1]  # the warm-up loaded the smallest tenant
    base = rss_mib()
    first: list[float] = []
    largest = None
    for k, (slug, _) in enumerate(sized):
        if jobs[slug] is None:
            continue
        status, ms = request(by_tenant[slug], "profiles", jobs[slug], "")
        assert status == 200, status
        first.append(ms)
        if k == 0:
            largest = ms
    memory = rss_mib()
    print(json.dumps({
        "first_query_p50": pct(first, 50), "first_query_p95": pct(first, 95),
        "first_query_max": max(first), "first_query_largest": largest,
        "touched": len(first), "before_mib": base["rss"], "after_mib": memory["rss"],
        "before_pss_mib": base["pss"],
        "touch_load": load(),
    }), flush=True)  # fmt: skip
    sys.stdin.readline()
    return {}


def child_probe(args: argparse.Namespace) -> dict:
    """Host B: for each line ``{"tenant", "word", "ref"}``, searches until ``ref`` shows."""
    django_setup()
    by_tenant = clients()
    for line in sys.stdin:
        cmd = json.loads(line)
        client, deadline, found = by_tenant[cmd["tenant"]], time.time() + 30, None
        while time.time() < deadline:
            body = client.get(
                "/hrflow/api/search/profiles/", {"text_keywords": cmd["word"], "limit": 5}
            ).json()
            if any(i["reference"] == cmd["ref"] for i in body.get("items", ())):
                found = time.time()
                break
            time.sleep(0.02)
        print(json.dumps({"found": found}), flush=True)
    return {}


def child_save(args: argparse.Namespace) -> dict:
    """Host A: saves one candidate of a tenant with a new word; prints the commit time."""
    django_setup()
    from example_crm.models import Candidate

    word = f"zq{uuid.uuid4().hex[:8]}"
    cand = (
        Candidate.objects.filter(organisation__slug=args.tenant, archived=False)
        .order_by("id")
        .first()
    )
    cand.summary = f"{cand.summary} {word}"
    cand.save()
    return {"word": word, "ref": cand.reference, "saved": time.time()}


def child_export(args: argparse.Namespace) -> dict:
    django_setup()
    import orjson
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from hrflow_matching.models import ApiKey

    # One key per tenant, as HrFlow.ai pulls each client company's account with its own key.
    keys = [ApiKey.create_key(f"scale-export-{s}", tenant=s)[1] for s, _ in tenants_by_size()]
    rows, pages, full = 0, 0, []
    started, cpu0 = time.perf_counter(), time.process_time()
    for key in keys:
        client, cursor = Client(headers={"X-API-KEY": key}), None
        while not (args.export_limit and rows >= args.export_limit):
            params = {"page_size": 1000, **({"cursor": cursor} if cursor else {})}
            with CaptureQueriesContext(connection) as captured:
                response = client.get("/hrflow/api/profiles/", params)
            assert response.status_code == 200, response.content[:300]
            body = orjson.loads(response.content)
            rows += len(body["results"])
            pages += 1
            cursor = body.get("next_cursor")
            if not body.get("has_more"):
                break
            full.append(len(captured))  # full pages only: the last one may be short
    wall = time.perf_counter() - started
    return {
        "export_rows": rows, "export_rate": rows / wall, "export_pages": pages,
        "export_cpu_rate": rows / max(time.process_time() - cpu0, 1e-9),
        "export_queries": sorted(set(full)) or "one page per tenant", "export_load": load(),
    }  # fmt: skip


# -- the orchestrator --------------------------------------------------------------------------
class Child:
    def __init__(self, step: str, env: dict[str, str], args: argparse.Namespace, **extra) -> None:
        cmd = [sys.executable, __file__, f"--child={step}", *argv(args, **extra)]
        self.p = subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def line(self) -> dict:
        assert self.p.stdout is not None
        out = self.p.stdout.readline()
        assert out, "a benchmark process died (see its error above)"
        return json.loads(out)

    def send(self, data: Any) -> dict:
        assert self.p.stdin is not None
        self.p.stdin.write(json.dumps(data) + "\n")
        self.p.stdin.flush()
        return self.line()

    def finish(self) -> dict:
        assert self.p.stdin is not None
        self.p.stdin.close()
        out = self.p.stdout.read() if self.p.stdout else ""
        assert self.p.wait() == 0, "a benchmark process failed"
        lines = [ln for ln in out.strip().splitlines() if ln.startswith("{")]
        return json.loads(lines[-1]) if lines else {}


def argv(args: argparse.Namespace, **extra: Any) -> list[str]:
    values = {**vars(args), **extra}
    keys = ("tenants", "profiles", "jobs", "seconds", "requests", "rate", "seeders")
    out = [f"--{k}={values[k]}" for k in keys]
    out += [f"--export-limit={values['export_limit'] or 0}", f"--tenant={values.get('tenant')}"]
    return out


def run(step: str, env: dict[str, str], args: argparse.Namespace, **extra: Any) -> dict:
    return Child(step, env, args, **extra).finish()


def measure(args: argparse.Namespace) -> dict:
    import psycopg

    name = f"bench_scale_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    folder = VAR / name
    base = dict(os.environ, PYTHONPATH=str(ROOT), DJANGO_DEBUG="false", HRFLOW_WEBHOOK_HINTS="0")
    base["DATABASE_URL"] = args.pg.rsplit("/", 1)[0] + "/" + name
    host = {h: {**base, "SCALE_INDEX_DIR": str(folder / f"index-{h}")} for h in "ab"}
    worker = None
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT, env=base, check=True,
        )  # fmt: skip
        r: dict[str, Any] = {"tenants": args.tenants, "profiles": args.profiles, "jobs": args.jobs}
        clock = [time.monotonic()]

        def step(name: str) -> None:
            took = time.monotonic() - clock[0]
            clock[0] = time.monotonic()
            print(f"  [{took:.0f} s] {name} ({load()})", file=sys.stderr, flush=True)

        step("seeding")
        r.update(run("seed", host["a"], args))
        step("hrflow_sync")
        r.update(run("sync", host["a"], args))
        # Index tasks and snapshot rebuilds of host A's writes, as a worker beside the web.
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "hrflow_worker", "--interval=0.5"],
            cwd=ROOT, env=host["a"], stdout=subprocess.DEVNULL,
        )  # fmt: skip
        step("serving with the writer")
        writer = Child("writer", host["a"], args)
        webs = [Child("serve", host[h], args) for h in "ab"]
        served = [w.finish() for w in webs]
        r.update(writer.finish())
        for k in served[0]:
            if isinstance(served[0][k], (int, float)):
                r[k] = max(s[k] for s in served) if "p9" in k or "p5" in k else served[0][k]
        r["requests"] = sum(s["requests"] for s in served)
        r["errors"] = sum(s["errors"] for s in served)
        r["serve_load"] = served[0]["serve_load"]
        step("first queries and memory")
        touches = []
        for k in range(args.processes):  # one after the other, then all of them held
            touches.append(Child("touch", host["a"], args))
            first = touches[-1].line()
            if k == 0:
                r.update(first)
                r["one_process_mib"] = first["after_mib"]
        pss = [rss_mib(t.p.pid)["pss"] for t in touches]
        r["four_pss_mib"], r["processes"] = sum(pss), args.processes
        r["four_ratio"] = r["four_pss_mib"] / r["one_process_mib"]
        # The same without what each process holds before any tenant (Django, numpy, the
        # taxonomy): how much of the snapshots' memory four processes share.
        idle = r["before_mib"]
        r["four_snapshot_ratio"] = (r["four_pss_mib"] - args.processes * idle) / max(
            r["after_mib"] - idle, 1
        )
        for t in touches:
            t.finish()
        nobudget = Child("touch", {**host["a"], "SCALE_BUDGET_MB": "none"}, args)
        r["one_process_nobudget_mib"] = nobudget.line()["after_mib"]
        nobudget.finish()
        step("visibility across hosts")
        probe = Child("probe", host["b"], args)
        delays = []
        for k in range(args.visibility):
            tenant = f"org-{1 + k % args.tenants}"
            saved = run("save", host["a"], args, tenant=tenant)
            found = probe.send({"tenant": tenant, "word": saved["word"], "ref": saved["ref"]})
            delays.append(found["found"] - saved["saved"] if found["found"] else float("inf"))
        probe.finish()
        r["visible_s"] = max(delays) if delays else float("nan")
        r["visible_median_s"] = statistics.median(delays) if delays else float("nan")
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        worker = None
        step("pull export")
        r.update(run("export", host["a"], args))
        step("done")
        r["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        r["cpus"] = os.cpu_count()
        return r
    finally:
        if worker is not None:
            worker.kill()
            worker.wait()
        if not args.keep:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            subprocess.run(["rm", "-rf", str(folder)], check=False)


def report(r: dict) -> str:
    t = TARGETS
    rows = [
        ("tenant sizes (largest / median / smallest profiles)",
         " / ".join(str(n) for n in r["tenant_sizes"]), "", r["seed_load"]),
        (f"seeding {r['profiles']:,} profiles + {r['jobs']:,} jobs",
         f"{r['seed_s']:.0f} s (cpu {r['seed_cpu_s']:.0f} s)", f"≤ {t['seed_s']} s", r["seed_load"]),
        ("hrflow_sync, whole index", f"{r['sync_s']:.0f} s (cpu {r['sync_cpu_s']:.0f} s)",
         f"≤ {t['sync_s']} s", r["sync_load"]),
        ("hrflow_sync peak RSS: command / each worker",
         f"{r['sync_peak_mib']:.0f} / {r['sync_workers_peak_mib']:.0f} MiB",
         f"≤ {t['sync_peak_mib']} MiB", r["sync_load"]),
        (f"candidates-for-a-job p95 (warm; CPU), writer at {r['write_rate']:.0f}/s",
         f"{r['profiles_p95']:.0f} ms ({r['profiles_warm_p95']:.0f}; "
         f"{r['profiles_cpu_p95']:.0f})", f"≤ {t['profiles_p95']} ms", r["serve_load"]),
        ("jobs-for-a-candidate p95 (warm; CPU)",
         f"{r['jobs_p95']:.0f} ms ({r['jobs_warm_p95']:.0f}; {r['jobs_cpu_p95']:.0f})",
         f"≤ {t['jobs_p95']} ms", r["serve_load"]),
        ("keyword search p95 (warm; CPU)",
         f"{r['search_p95']:.0f} ms ({r['search_warm_p95']:.0f}; {r['search_cpu_p95']:.0f})",
         f"≤ {t['search_p95']} ms", r["serve_load"]),
        ("first query of an unloaded tenant p95 / max / largest tenant",
         f"{r['first_query_p95']:.0f} / {r['first_query_max']:.0f} / "
         f"{r['first_query_largest']:.0f} ms", f"≤ {t['first_query_p95']} ms", r["touch_load"]),
        ("one process after touching every tenant (RSS; no budget)",
         f"{r['one_process_mib']:.0f} MiB ({r['one_process_nobudget_mib']:.0f} MiB)",
         f"≤ {t['one_process_mib']} MiB", r["touch_load"]),
        (f"{r['processes']} processes together (sum of PSS) / one; snapshots alone",
         f"{r['four_pss_mib']:.0f} MiB = {r['four_ratio']:.2f}×; "
         f"{r['four_snapshot_ratio']:.2f}× (idle process {r['before_mib']:.0f} MiB)",
         f"≤ {t['four_ratio']}×",
         r["touch_load"]),
        ("ORM save on host A → keyword search on host B (max / median)",
         f"{r['visible_s']:.2f} / {r['visible_median_s']:.2f} s", f"≤ {t['visible_s']} s",
         r["export_load"]),
        (f"pull export ({r['export_rows']:,} profiles), queries per page",
         f"{r['export_rate']:,.0f} /s ({r['export_cpu_rate']:,.0f} per CPU s), "
         f"{r['export_queries']}", f"≥ {t['export_rate']:,} /s",
         r["export_load"]),
    ]  # fmt: skip
    lines = ["| measure | measured | target | machine |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


def chart(folder: Path) -> Path:
    """``latency.svg``: p95 of each request type against profiles (log scale), from every
    ``scale-*.json`` recorded in ``folder``. Plain SVG: no plotting library needed."""
    runs = sorted(
        (json.loads(p.read_text()) for p in folder.glob("scale-*.json")),
        key=lambda r: r["profiles"],
    )
    series = [
        ("candidates-for-a-job", "profiles_p95", "#1f77b4"),
        ("jobs-for-a-candidate", "jobs_p95", "#ff7f0e"),
        ("keyword search", "search_p95", "#2ca02c"),
        ("first query, unloaded tenant", "first_query_p95", "#d62728"),
    ]
    import math

    w, h, left, bottom, top, right = 640, 360, 60, 50, 30, 200
    xs = [math.log10(r["profiles"]) for r in runs] or [4, 6]
    x0, x1 = min(xs) - 0.2, max(xs) + 0.2
    ymax = max([r[k] for r in runs for _, k, _ in series if r.get(k) == r.get(k)] + [300]) * 1.1
    px = lambda x: left + (x - x0) / (x1 - x0) * (w - left - right)  # noqa: E731
    py = lambda y: h - bottom - y / ymax * (h - bottom - top)  # noqa: E731
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{w}" height="{h}" fill="white"/>',
        f'<text x="{left}" y="18" font-size="14">p95 latency (ms) against profiles, '
        "local engine, 2 cores</text>",
        f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="black"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="black"/>',
    ]
    step = 10 ** math.floor(math.log10(ymax / 4))
    step *= 5 if ymax / step > 20 else 2 if ymax / step > 8 else 1
    y = 0.0
    while y <= ymax:
        out.append(f'<line x1="{left}" y1="{py(y):.0f}" x2="{w - right}" y2="{py(y):.0f}" '
                   'stroke="#ddd"/>')  # fmt: skip
        out.append(f'<text x="{left - 6}" y="{py(y) + 4:.0f}" text-anchor="end">{y:g}</text>')
        y += step
    for r in runs:
        x = px(math.log10(r["profiles"]))
        label = f"{r['profiles']:,} / {r['tenants']} tenants"
        out.append(f'<text x="{x:.0f}" y="{h - bottom + 16}" text-anchor="middle">{label}</text>')
        out.append(f'<text x="{x:.0f}" y="{h - bottom + 30}" text-anchor="middle" '
                   f'fill="#666">{r["serve_load"]}</text>')  # fmt: skip
    for n, (name, key, colour) in enumerate(series):
        points = [(px(math.log10(r["profiles"])), py(r[key])) for r in runs if key in r]
        if len(points) > 1:
            path = " ".join(f"{x:.0f},{y:.0f}" for x, y in points)
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for x, y in points:
            out.append(f'<circle cx="{x:.0f}" cy="{y:.0f}" r="3" fill="{colour}"/>')
        ly = top + 16 * n
        out.append(f'<rect x="{w - right + 12}" y="{ly}" width="12" height="3" fill="{colour}"/>')
        out.append(f'<text x="{w - right + 30}" y="{ly + 5}">{name}</text>')
    out.append("</svg>")
    path = folder / "latency.svg"
    path.write_text("\n".join(out) + "\n")
    return path


def main(argv_: list[str] | None = None) -> dict | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--profiles", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=1_000)
    parser.add_argument("--seconds", type=float, default=60, help="Serving time with the writer.")
    parser.add_argument("--requests", type=int, default=2_000, help="At most, per web process.")
    parser.add_argument("--rate", type=float, default=20, help="Candidates saved per second.")
    parser.add_argument("--seeders", type=int, default=2, help="seed_demo processes at once.")
    parser.add_argument("--processes", type=int, default=4, help="Serving processes held.")
    parser.add_argument("--visibility", type=int, default=5, help="Saves timed across hosts.")
    parser.add_argument("--export-limit", type=int, default=0, help="Stop the pull after N rows.")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="Keep the database and snapshots.")
    parser.add_argument("--record", type=Path, help="Save the figures there and redraw the chart.")
    parser.add_argument("--tenant", help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv_)
    if args.child:
        steps = {
            "seed": child_seed, "sync": child_sync, "serve": child_serve, "writer": child_writer,
            "touch": child_touch, "probe": child_probe, "save": child_save, "export": child_export,
        }  # fmt: skip
        print(json.dumps(steps[args.child](args)), flush=True)
        return None
    print(
        f"bench/scale.py: {args.tenants} tenants, {args.profiles:,} profiles, {args.jobs:,} jobs, "
        f"{os.cpu_count()} CPUs, {load()}",
        flush=True,
    )
    r = measure(args)
    print(report(r))
    if args.record:
        args.record.mkdir(parents=True, exist_ok=True)
        (args.record / f"scale-{args.profiles}.json").write_text(json.dumps(r, indent=1) + "\n")
        print(f"chart: {chart(args.record)}")
    return r


if __name__ == "__main__":
    main()
