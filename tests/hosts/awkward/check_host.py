"""The awkward host end to end: checks, pull API and schema under JWT-style REST defaults,
webhooks, reconcile after ``QuerySet.update()``, indexing and the matching page.

Run by ``test_awkward_host.py`` under ``tests.hosts.awkward.settings``."""

from __future__ import annotations

import io
import json
import time
from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.checks import run_checks
from django.core.files.base import ContentFile
from django.core.management import call_command

from hrflow_matching.models import ApiKey, Delivery, Event, WebhookEndpoint
from hrflow_matching.tasks import run_sweep
from tests.hosts.awkward.recruitment.models import Candidate, Company, Recruitment, Stage
from tests.support.webhook_support import start_receiver

pytestmark = pytest.mark.django_db(transaction=True)


def pdf_bytes(text: str) -> bytes:
    """A one-page PDF with ``text`` in Helvetica, written by hand (no PDF writer needed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def docx_bytes(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def world(db):
    acme, globex = Company.objects.create(name="Acme"), Company.objects.create(name="Globex")
    applied = Stage.objects.create(name="Applied")
    interview = Stage.objects.create(name="Interview")
    job = Recruitment.objects.create(
        title="Backend engineer",
        company=acme,
        description="<p>We build <b>Django</b> &amp; Celery services.</p><ul><li>Kubernetes</li></ul>",
        city="Lyon",
        country="France",
    )
    other = Recruitment.objects.create(
        title="Accountant",
        company=globex,
        description="<p>Ledgers</p>",
        city="Paris",
        country="France",
    )
    ada = Candidate(
        name="Ada Pdf", company=acme, recruitment=job, stage=applied, city="Lyon", country="France"
    )
    ada.resume.save(
        "ada.pdf", ContentFile(pdf_bytes("Python Django Celery Kubernetes engineer")), save=False
    )
    ada.save()
    bob = Candidate(
        name="Bob Docx",
        company=globex,
        recruitment=other,
        stage=applied,
        city="Paris",
        country="France",
    )
    bob.resume.save(
        "bob.docx", ContentFile(docx_bytes("Accountant, ledgers and Excel")), save=False
    )
    bob.save()
    return {"job": job, "other": other, "ada": ada, "bob": bob, "interview": interview}


def api_key() -> str:
    key = ApiKey(name="hrflow")
    raw = key.set_new_key()
    key.save()
    return raw


def test_checks_pass_for_the_host() -> None:
    errors = [m for m in run_checks() if m.level >= 40]
    assert errors == []


def test_pull_api_and_schema_under_the_hosts_rest_defaults(client, world) -> None:
    key = api_key()
    # The host's default manager would show the selected company only (cookie "company=1").
    answer = client.get("/hrflow/api/profiles/", HTTP_X_API_KEY=key)
    assert answer.status_code == 200, answer.content
    documents = {d["reference"]: d for d in answer.json()["results"]}
    assert set(documents) == {str(world["ada"].pk), str(world["bob"].pk)}
    assert "Kubernetes" in documents[str(world["ada"].pk)]["text"]  # from the PDF
    assert "ledgers" in documents[str(world["bob"].pk)]["text"]  # from the DOCX
    jobs = client.get("/hrflow/api/jobs/", HTTP_X_API_KEY=key).json()["results"]
    backend = next(j for j in jobs if j["name"] == "Backend engineer")
    assert backend["summary"] == "We build Django & Celery services.\nKubernetes"
    lookup = client.get(f"/hrflow/api/profiles/{world['ada'].pk}/", HTTP_X_API_KEY=key)
    assert lookup.status_code == 200
    assert client.get("/hrflow/api/profiles/").status_code == 401  # the app's own auth
    schema = client.get("/hrflow/api/schema/?format=json")
    assert schema.status_code == 200, schema.content[:2000]
    assert "/hrflow/api/profiles/" in json.loads(schema.content)["paths"]
    assert client.get("/hrflow/api/docs/").status_code == 200


def drive() -> None:
    deadline = time.monotonic() + 10
    while Delivery.objects.filter(status="pending").exists() and time.monotonic() < deadline:
        run_sweep(publish=False)


def test_webhooks_and_reconcile_after_queryset_update(client, world) -> None:
    receiver = start_receiver()
    try:
        WebhookEndpoint.objects.create(url=receiver.url + "/ok")
        ada = world["ada"]
        ada.save()  # no fingerprint yet (the create had no endpoint): sent
        drive()
        assert len(receiver.hits("/ok")) == 1
        ada.save()  # the HRMS saves on every visit: nothing changed, nothing sent
        drive()
        assert Delivery.objects.filter(status=Delivery.Status.UNCHANGED).count() == 1
        assert len(receiver.hits("/ok")) == 1

        before = Event.objects.count()
        client.cookies["company"] = str(ada.company_id)  # the HRMS's company switcher
        answer = client.post(f"/pipeline/{ada.pk}/stage/{world['interview'].pk}/")
        assert answer.status_code == 204
        assert Event.objects.count() == before  # QuerySet.update(): no signal
        out = StringIO()
        call_command("hrflow_reconcile", "--no-progress", stdout=out)
        assert "events recorded: 1 update" in out.getvalue()
        drive()
        hit = receiver.hits("/ok")[-1]
        assert len(receiver.hits("/ok")) == 2
        body = json.loads(hit.body)
        assert (body["event_type"], body["reference"]) == ("profile_update", str(ada.pk))
        out = StringIO()
        call_command("hrflow_reconcile", "--no-progress", stdout=out)
        assert out.getvalue().count("nothing to record") == 2
    finally:
        receiver.close()


def test_indexing_and_the_matching_page(client, world) -> None:
    call_command("hrflow_sync", stdout=StringIO(), stderr=StringIO())
    recruiters = Group.objects.create(name="Recruiters")
    recruiters.permissions.add(Permission.objects.get(codename="view_matching"))
    user = User.objects.create_user("rita", password="pw")
    user.groups.add(recruiters)
    client.force_login(user)
    page = client.get(f"/hrflow/matching/jobs/{world['job'].pk}/")
    assert page.status_code == 200, page.content[:3000]
    html = page.content.decode()
    assert "awkward-hrms" in html  # the host's base template
    assert "Ada Pdf" in html
    search = client.get("/hrflow/search/profiles/?text_keywords=kubernetes")
    assert search.status_code == 200
    assert "Ada Pdf" in search.content.decode() and "Bob Docx" not in search.content.decode()
