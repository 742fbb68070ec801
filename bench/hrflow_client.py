"""Overhead of our HrFlow.ai client: one scoring call against a local stand-in, end to end.

HrFlow.ai's own latency is out of our hands; what we add (building the query, one HTTP round
trip on a kept-alive session, JSON decoding, building the result page) should stay small next
to it. This serves a documented ``profiles/scoring`` answer of ``--limit`` profiles from a local
threaded server and prints p50/p95/max per call. ``--method POST`` sends the query as a JSON
body (``HRFLOW["METHOD"] = "POST"``); ``--big`` asks with 50 skills and 50 accented keywords,
which ``"AUTO"`` posts because the URL would pass 4,000 characters.

    .venv/bin/python bench/hrflow_client.py --calls 300 --limit 30
    .venv/bin/python bench/hrflow_client.py --calls 300 --limit 30 --method POST --big
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_crm.settings")


def scoring_answer(limit: int) -> bytes:
    profiles = [
        {
            "key": f"{i:040x}",
            "reference": f"cand-{i}",
            "text_language": "en",
            "text": "Python developer with Django and PostgreSQL experience. " * 20,
            "info": {"full_name": f"Candidate {i}", "email": f"c{i}@example.org"},
            "skills": [{"name": s, "type": "hard", "value": None} for s in ("python", "sql")],
            "experiences": [{"title": "Developer", "company": "Acme", "skills": []}] * 3,
        }
        for i in range(limit)
    ]
    predictions = [[round(i / (limit + 1), 4), round(1 - i / (limit + 1), 4)] for i in range(limit)]
    body = {
        "code": 200,
        "message": "Profile scoring results",
        "meta": {"page": 1, "maxPage": 10, "count": limit, "total": 10 * limit},
        "data": {"profiles": profiles, "predictions": predictions},
    }
    return json.dumps(body).encode()


def serve(payload: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs (~40 ms)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.do_GET()

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--limit", type=int, default=30, help="profiles per answer")
    parser.add_argument("--method", choices=["AUTO", "POST"], default="AUTO")
    parser.add_argument("--big", action="store_true", help="50 skills, 50 accented keywords")
    args = parser.parse_args()

    import django

    django.setup()
    logging.getLogger("hrflow_matching").setLevel(logging.WARNING)  # one line per call
    from hrflow_matching.backends.base import Criteria
    from hrflow_matching.backends.hrflow import HrFlowBackend
    from hrflow_matching.testing import override_hrflow_settings

    payload = scoring_answer(args.limit)
    server = serve(payload)
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/"
    account = {
        "API_URL": url,
        "API_KEY": "askr_" + "0" * 32,
        "USER_EMAIL": "bench@example.org",
        "SOURCE_KEYS": ["1" * 40],
        "BOARD_KEY": "2" * 40,
        "ALGORITHM_KEY": "3" * 40,
        "METHOD": args.method,
    }
    criteria = Criteria(
        location_lat=48.85,
        location_lng=2.35,
        location_distance=50,
        skills=tuple(f"Compétence {i}" for i in range(50)) if args.big else ("Python", "Django"),
        text_keywords=tuple(f"clé-{i}" for i in range(50)) if args.big else ("python",),
        limit=args.limit,
    )
    with override_hrflow_settings(BACKEND="hrflow", HRFLOW=account):
        backend = HrFlowBackend()
        backend.score_profiles("job-1", criteria)  # warm the connection
        timings = []
        for _ in range(args.calls):
            started = time.perf_counter()
            page = backend.score_profiles("job-1", criteria)
            timings.append((time.perf_counter() - started) * 1000)
    server.shutdown()
    assert len(page.items) == args.limit
    timings.sort()
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    shape = "50 skills + 50 keywords" if args.big else "2 skills + 1 keyword"
    print(
        f"HrFlow.ai client, {args.calls} scoring calls, {args.limit} profiles per answer, "
        f"METHOD={args.method}, {shape}"
    )
    print(f"  answer size      {len(payload) / 1024:.0f} KiB")
    print(f"  p50              {statistics.median(timings):.2f} ms")
    print(f"  p95              {p95:.2f} ms")
    print(f"  max              {timings[-1]:.2f} ms")


if __name__ == "__main__":
    main()
