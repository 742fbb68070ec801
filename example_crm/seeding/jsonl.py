"""Import and export HrFlow JSON objects, one per line (JSONL).

Import is all or nothing: every line is parsed and checked before anything is written, and the
writes run in one transaction, so a bad line 9,000 leaves the database as it was. A reference
that exists already is updated in place (same row, children replaced), so importing the same
file twice is harmless. Rows are written in bulk, which sends no signals, so the import records
their events itself with ``hrflow_matching.sync()``, in the same transaction: a create for each
new row, an update (or an archive) for each existing one, indexed and sent like any other.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db import models, transaction
from django.utils import timezone

from hrflow_matching import sync

from ..models import Candidate, Education, JobOffer, Organisation, WorkExperience
from . import parse
from .generate import batched, ensure_skills


class ImportFailed(ValueError):
    """A line of the file is not a valid HrFlow object; nothing was imported."""


@dataclass
class ImportResult:
    created: int
    updated: int


def read_records(kind: str, lines: Iterable[str]) -> list[dict[str, Any]]:
    """Parse every line, or raise ``ImportFailed("line N: what is wrong")``."""
    reader = parse.profile if kind == "profile" else parse.job
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportFailed(
                f"line {number}: invalid JSON ({exc.msg} at column {exc.colno})"
            ) from None
        try:
            record = reader(doc)
        except parse.Invalid as exc:
            raise ImportFailed(f"line {number}: {exc}") from None
        reference = record["fields"]["reference"]
        if reference in seen:
            raise ImportFailed(
                f"line {number}: reference {reference!r} already appears on line {seen[reference]}"
            )
        seen[reference] = number
        records.append(record)
    return records


def import_file(kind: str, path: Path) -> ImportResult:
    with path.open(encoding="utf-8") as fh:
        return import_lines(kind, fh)


def import_lines(kind: str, lines: Iterable[str]) -> ImportResult:
    records = read_records(kind, lines)
    with transaction.atomic():
        return _write(kind, records)


def _write(kind: str, records: list[dict[str, Any]]) -> ImportResult:
    model = Candidate if kind == "profile" else JobOffer
    now = timezone.now()
    orgs = {
        slug: Organisation.objects.get_or_create(slug=slug, defaults={"name": slug})[0]
        for slug in {r["organisation"] for r in records if r["organisation"]}
    }
    by_ref: dict[str, models.Model] = {}
    for part in batched([r["fields"]["reference"] for r in records], 500):
        by_ref.update((o.reference, o) for o in model.objects.filter(reference__in=part))
    new, changed = [], []
    for record in records:
        fields = dict(record["fields"])
        fields["created_at"] = fields["created_at"] or now
        fields["updated_at"] = fields["updated_at"] or now
        fields["organisation"] = orgs.get(record["organisation"])
        row = by_ref.get(fields["reference"])
        if row is None:
            row = model(**fields)
            new.append(row)
        else:
            for name, value in fields.items():
                setattr(row, name, value)
            changed.append(row)
        record["row"] = row
    model.objects.bulk_create(new, batch_size=500)
    # The children of an updated row go first: deleting them moves the row's modification
    # date (hrflow_matching touches it), and the date the file gives must be the last word.
    _clear_children(kind, model, [r.pk for r in changed])
    if changed:
        names = [f for f in records[0]["fields"] if f != "reference"] + ["organisation"]
        model.objects.bulk_update(changed, names, batch_size=500)
    if any(r.pk is None for r in new):
        ids = dict(
            model.objects.filter(reference__in=[r.reference for r in new]).values_list(
                "reference", "id"
            )
        )
        for row in new:
            row.pk = ids[row.reference]
    _write_children(kind, model, records)
    for rows, created in ((new, True), (changed, False)):
        for part in batched([r.pk for r in rows], 500):
            sync(model.objects.filter(pk__in=part), created=created)
    return ImportResult(created=len(new), updated=len(changed))


def _clear_children(kind: str, model: type[models.Model], replaced: list[int]) -> None:
    through = model.skills.through
    owner = "candidate_id" if kind == "profile" else "joboffer_id"
    for part in batched(replaced, 500):
        through.objects.filter(**{f"{owner}__in": part}).delete()
        if kind == "profile":
            WorkExperience.objects.filter(candidate_id__in=part).delete()
            Education.objects.filter(candidate_id__in=part).delete()


def _write_children(kind: str, model: type[models.Model], records: list[dict[str, Any]]) -> None:
    through = model.skills.through
    owner = "candidate_id" if kind == "profile" else "joboffer_id"
    skill_ids = ensure_skills(name for r in records for name in r["skills"])
    links = [
        through(**{owner: r["row"].pk, "skill_id": skill_ids[name]})
        for r in records
        for name in r["skills"]
    ]
    through.objects.bulk_create(links, batch_size=2000)
    if kind == "profile":
        WorkExperience.objects.bulk_create(
            [
                WorkExperience(candidate_id=r["row"].pk, **e)
                for r in records
                for e in r["experiences"]
            ],
            batch_size=1000,
        )
        Education.objects.bulk_create(
            [Education(candidate_id=r["row"].pk, **e) for r in records for e in r["educations"]],
            batch_size=1000,
        )


def export_documents(kind: str, queryset: models.QuerySet | None = None) -> Iterator[dict]:
    """The documents of a kind as the registered adapter writes them, in reference order."""
    from hrflow_matching.registry import get_kind_adapter

    adapter = get_kind_adapter(kind)  # type: ignore[arg-type]
    rows = adapter.get_batch_queryset() if queryset is None else queryset
    field = adapter.reference_lookup()
    batch: list[models.Model] = []
    for row in rows.order_by(field).iterator(chunk_size=500):
        batch.append(row)
        if len(batch) == 500:  # related rows are read a batch at a time (``to_documents``)
            yield from adapter.to_documents(batch)
            batch = []
    yield from adapter.to_documents(batch)


def write_jsonl(documents: Iterable[dict], out: IO[str]) -> int:
    count = 0
    for doc in documents:
        out.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count
