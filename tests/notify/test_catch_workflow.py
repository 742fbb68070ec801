"""The README's HrFlow.ai "catch" workflow example, run against real deliveries.

A catch workflow gets the parsed body and the headers, never the raw bytes. The README shows
two checks it can make: the endpoint's static header (a shared token), and the signature over
the body re-serialised exactly as we sign it. This test executes the README's own code block,
so the documented example cannot drift from what the sender does.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from example_crm.models import Candidate
from hrflow_matching.models import Delivery, WebhookEndpoint
from hrflow_matching.notify.events import event_body
from hrflow_matching.tasks import run_sweep
from tests.support.webhook_fixtures import webhooks  # noqa: F401 (fixture)
from tests.support.webhook_support import start_receiver

pytestmark = pytest.mark.django_db(transaction=True)

README = Path(__file__).resolve().parents[2] / "README.md"
TOKEN = "tok_" + "5f" * 16


def readme_example() -> dict[str, Any]:
    """The functions of the README's catch-workflow block, as a workflow would have them."""
    text = README.read_text(encoding="utf-8")
    found = re.search(
        r"<!-- catch-workflow-example: start -->\s*```python\n(.*?)```\s*"
        r"<!-- catch-workflow-example: end -->",
        text,
        re.DOTALL,
    )
    assert found, "the README lost its catch-workflow example"
    namespace: dict[str, Any] = {}
    exec(compile(found.group(1), "README.md (catch workflow)", "exec"), namespace)
    return namespace


@pytest.fixture
def receiver():
    rec = start_receiver()
    yield rec
    rec.close()


def deliver(receiver, reference: str) -> tuple[WebhookEndpoint, dict[str, Any], dict[str, str]]:
    """One real delivery of a profile_create; what a catch workflow gets: parsed body, headers."""
    endpoint = WebhookEndpoint.objects.create(
        url=receiver.url + "/catch", headers={"X-Webhook-Token": TOKEN}
    )
    Candidate.objects.create(first_name="Zoé", last_name="Núñez", reference=reference)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not receiver.hits("/catch"):
        run_sweep(publish=False)
        time.sleep(0.01)
    [request] = receiver.hits("/catch")
    assert Delivery.objects.get().status == "success"
    return endpoint, json.loads(request.body), dict(request.headers)


@pytest.mark.parametrize("reference", ["cand-zoé-núñez-日本", "cand-plain-0042"])
def test_both_checks_of_the_readme_accept_our_requests(
    webhooks,  # noqa: F811
    receiver,
    reference: str,
) -> None:
    example = readme_example()
    endpoint, body, headers = deliver(receiver, reference)
    assert body["reference"] == reference

    assert example["token_ok"](headers, TOKEN)
    assert example["signature_ok"](body, headers, endpoint.secret)

    # A workflow may hand the body over with its keys in another order: the check rebuilds it.
    shuffled = dict(reversed(list(body.items())))
    assert example["signature_ok"](shuffled, headers, endpoint.secret)


def test_both_checks_refuse_what_is_not_ours(webhooks, receiver) -> None:  # noqa: F811
    example = readme_example()
    endpoint, body, headers = deliver(receiver, "cand-éa")
    token_ok, signature_ok = example["token_ok"], example["signature_ok"]

    assert not token_ok(headers, "tok_other")
    assert not token_ok({k: v for k, v in headers.items() if k != "X-Webhook-Token"}, TOKEN)
    assert not token_ok(headers, "")

    other_secret = WebhookEndpoint(url="https://x.example").secret
    assert not signature_ok(body, headers, other_secret)
    assert not signature_ok({**body, "event_type": "profile_archive"}, headers, endpoint.secret)
    assert not signature_ok({**body, "extra": "1"}, headers, endpoint.secret)
    stale = {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) - 3600)}
    assert not signature_ok(body, stale, endpoint.secret)
    assert not signature_ok(body, {**headers, "webhook-id": "msg_other"}, endpoint.secret)


def test_the_readme_describes_the_body_we_sign() -> None:
    """Compact JSON, keys in the documented order, non-ASCII as is: the README's claim."""
    import datetime as dt

    body = event_body(
        "cand-Zoé", "profile_update", dt.datetime(2026, 3, 1, 14, 21, 58, tzinfo=dt.UTC)
    )
    keys = readme_example()["BODY_KEYS"]
    parsed = json.loads(body)
    assert tuple(parsed) == keys
    assert body == json.dumps(parsed, separators=(",", ":"), ensure_ascii=False)
    assert "Zoé" in body
