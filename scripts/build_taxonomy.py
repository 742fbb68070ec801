#!/usr/bin/env python3
"""Build ``hrflow_matching/data/taxonomy.json.gz``, the local engine's compact skills/titles taxonomy.

Why: the local engine compares canonical skills and titles, not raw strings, so that "JS" meets
"JavaScript", "Microsoft Excel" meets "Excel", and a Java developer gets partial credit for Kotlin.
O*NET and ESCO publish exactly that knowledge; we derive a small slice of it and ship only the
derived file, never the source files (they stay read-only next to the repository).

What is derived:
- skills: every O*NET Technology Skills example (name, commodity class), plus ESCO ICT skills
  whose labels are not already an O*NET alias; ESCO alternative labels become aliases;
- aliases: normalised names, names without a vendor prefix ("Oracle Java" -> "java") when that
  is unambiguous, trailing acronyms ("Structured query language SQL" -> "sql");
- variants (partial credit 0.8): skills whose name tokens contain another skill's tokens;
- related (partial credit 0.5): skills of the same O*NET commodity class that the same
  occupations list together, the 15 strongest per skill;
- ambiguous: one-word aliases that ordinary English uses ("project", "word"): not read from
  free text;
- titles: O*NET occupation titles, alternate titles and reported titles mapped to their
  occupation; ESCO occupation labels join the O*NET occupation one of their labels names.

Run from the repository root::

    python scripts/build_taxonomy.py [--data ../shared/data]

Attribution written into the file header (``_attribution``): O*NET 29.2 Database by the U.S.
Department of Labor, Employment and Training Administration (USDOL/ETA), CC BY 4.0; ESCO
classification of the European Commission, free reuse with attribution.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import sys
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hrflow_matching.backends.local.text import normalise_label  # noqa: E402

OUTPUT = ROOT / "hrflow_matching" / "data" / "taxonomy.json.gz"
ATTRIBUTION = (
    "Derived from the O*NET 29.2 Database (Technology Skills, Occupation Data, Alternate Titles, "
    "Sample of Reported Titles) by the U.S. Department of Labor, Employment and Training "
    "Administration (USDOL/ETA), licensed under CC BY 4.0 (https://www.onetcenter.org/license_db.html), "
    "and from ESCO v1 (ICT skills collection, occupations), (c) European Union, "
    "https://esco.ec.europa.eu, reused under the Commission's reuse policy (attribution). "
    "Selected, normalised and shortened by scripts/build_taxonomy.py; USDOL/ETA and the European "
    "Commission have not approved or endorsed this file."
)
VENDORS = {
    "adobe", "amazon", "apache", "apple", "atlassian", "autodesk", "cisco", "google", "ibm",
    "intuit", "microsoft", "oracle", "sap", "salesforce", "vmware", "red", "hat", "the",
}  # fmt: skip
#: Hand-written aliases: common spellings recruiters use for O*NET names.
EXTRA_ALIASES = {
    "js": "javascript", "k8s": "kubernetes", "postgres": "postgresql", "nodejs": "node.js",
    "node": "node.js", "golang": "go", "reactjs": "react", "react.js": "react",
    "ms excel": "microsoft excel", "excel": "microsoft excel", "ms word": "microsoft word",
    "powerpoint": "microsoft powerpoint", "ms office": "microsoft office software",
    "aws": "amazon web services aws software", "gcp": "google cloud software",
    "azure": "microsoft azure software", "dotnet": "microsoft .net framework",
    ".net": "microsoft .net framework", "asp.net": "microsoft asp.net",
    "html5": "hypertext markup language html", "html": "hypertext markup language html",
    "css": "cascading style sheets css", "sql": "structured query language sql",
    "tensorflow": "tensorflow", "hadoop": "apache hadoop", "spark": "apache spark",
    "kafka": "apache kafka", "jira": "atlassian jira", "confluence": "atlassian confluence",
    "photoshop": "adobe photoshop", "illustrator": "adobe illustrator", "autocad": "autodesk autocad",
    "tableau": "tableau", "power bi": "microsoft power bi", "selenium": "selenium",
}  # fmt: skip


def is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def build(data: Path) -> dict:
    tech = read_tsv(data / "onet" / "Technology Skills.txt")
    commodities: list[str] = sorted({r["Commodity Title"] for r in tech})
    commodity_idx = {c: i for i, c in enumerate(commodities)}
    names: dict[str, int] = {}
    skills: list[list] = []
    occ_skills: dict[str, set[int]] = defaultdict(set)
    for row in tech:
        key = normalise_label(row["Example"])
        if not key:
            continue
        if key not in names:
            names[key] = len(skills)
            skills.append([row["Example"].strip(), commodity_idx[row["Commodity Title"]]])
        occ_skills[row["O*NET-SOC Code"]].add(names[key])

    aliases: dict[str, int] = dict(names)
    stripped: dict[str, set[int]] = defaultdict(set)
    for key, idx in names.items():
        tokens = key.split()
        rest = tokens
        while len(rest) > 1 and rest[0] in VENDORS:
            rest = rest[1:]
        if rest != tokens:
            stripped[" ".join(rest)].add(idx)
        last = skills[idx][0].split()[-1]
        if len(tokens) > 1 and re.fullmatch(r"[A-Z][A-Z0-9]{1,6}", last):
            initials = "".join(tokens[:-1])
            if initials[0] == tokens[-1][0] and is_subsequence(tokens[-1], initials):
                stripped[tokens[-1]].add(idx)  # trailing acronym: "Structured query language SQL"
    for alias, idxs in stripped.items():
        if len(idxs) == 1 and alias not in aliases and len(alias) > 1:
            aliases[alias] = next(iter(idxs))
    for alias, target in EXTRA_ALIASES.items():
        if target in names:
            aliases[normalise_label(alias)] = names[target]

    # ESCO ICT skills: labels that name an O*NET skill become aliases, the others new skills.
    esco_group = len(commodities)
    commodities.append("ICT skills (ESCO)")
    for row in read_csv(data / "esco" / "ictSkillsCollection_en.csv"):
        labels = [row["preferredLabel"], *row["altLabels"].splitlines()]
        keys = [normalise_label(label) for label in labels if label.strip()]
        known = next((aliases[k] for k in keys if k in aliases), None)
        if known is None:
            known = len(skills)
            skills.append([row["preferredLabel"].strip(), esco_group])
        for key in keys:
            if key and len(key.split()) <= 5:
                aliases.setdefault(key, known)

    # Variants: token containment between skill names (bounded per skill).
    token_sets = [frozenset(normalise_label(s[0]).split()) - VENDORS for s in skills]
    by_token: dict[str, list[int]] = defaultdict(list)
    for idx, toks in enumerate(token_sets):
        for tok in toks:
            by_token[tok].append(idx)
    variants: dict[int, list[int]] = {}
    for idx, toks in enumerate(token_sets):
        if not toks or len(toks) > 3:
            continue
        rarest = min(toks, key=lambda t: len(by_token[t]))
        found = [
            j
            for j in by_token[rarest]
            if j != idx and toks <= token_sets[j] and len(token_sets[j]) <= len(toks) + 1
        ]
        if 0 < len(found) <= 20:
            variants[idx] = found
            for j in found:
                variants.setdefault(j, [])
                if idx not in variants[j]:
                    variants[j].append(idx)

    # Related: same commodity class and listed together by at least two occupations.
    pair_counts: Counter[tuple[int, int]] = Counter()
    for members in occ_skills.values():
        by_class: dict[int, list[int]] = defaultdict(list)
        for idx in members:
            by_class[skills[idx][1]].append(idx)
        for group in by_class.values():
            if len(group) <= 60:
                pair_counts.update(combinations(sorted(group), 2))
    related_all: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (a, b), n in pair_counts.items():
        if n >= 2:
            related_all[a].append((n, b))
            related_all[b].append((n, a))
    related = {
        idx: [j for _, j in sorted(pairs, reverse=True)[:15]] for idx, pairs in related_all.items()
    }

    # Titles -> occupations (O*NET), joined by ESCO synonyms.
    occupations = read_tsv(data / "onet" / "Occupation Data.txt")
    occ_idx = {r["O*NET-SOC Code"]: i for i, r in enumerate(occupations)}
    titles: dict[str, int] = {}

    def add_title(label: str, idx: int) -> None:
        key = normalise_label(label)
        if key and len(key.split()) <= 6:
            titles.setdefault(key, idx)

    for r in occupations:
        add_title(r["Title"], occ_idx[r["O*NET-SOC Code"]])
    for name, column in (
        ("Sample of Reported Titles.txt", "Reported Job Title"),
        ("Alternate Titles.txt", "Alternate Title"),
    ):
        for r in read_tsv(data / "onet" / name):
            if r["O*NET-SOC Code"] in occ_idx:
                add_title(r[column], occ_idx[r["O*NET-SOC Code"]])
    for r in read_csv(data / "esco" / "occupations_en.csv"):
        labels = [r["preferredLabel"], *r["altLabels"].splitlines()]
        hit = next((titles[k] for k in map(normalise_label, labels) if k in titles), None)
        if hit is not None:
            for label in labels:
                add_title(label, hit)

    # Single words that ordinary English uses (in O*NET occupation titles or descriptions):
    # fine as skill names, too ambiguous to be read as skills from free text.
    common = {
        w for r in occupations for w in normalise_label(r["Title"] + " " + r["Description"]).split()
    }
    ambiguous = sorted(
        a
        for a in aliases
        if " " not in a and (len(a) < 2 or {a, a + "s", a.removesuffix("s")} & common)
    )

    return {
        "_attribution": ATTRIBUTION,
        "ambiguous": ambiguous,
        "version": 1,
        "commodities": commodities,
        "skills": skills,
        "aliases": aliases,
        "variants": {str(k): v for k, v in variants.items() if v},
        "related": {str(k): v for k, v in related.items()},
        "occupations": [[r["O*NET-SOC Code"], r["Title"]] for r in occupations],
        "titles": titles,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    taxonomy = build(args.data)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(taxonomy, ensure_ascii=False, separators=(",", ":")).encode()
    with gzip.GzipFile(args.output, "wb", mtime=0) as fh:
        fh.write(payload)
    print(
        f"{args.output}: {len(taxonomy['skills'])} skills, {len(taxonomy['aliases'])} aliases, "
        f"{len(taxonomy['titles'])} titles, {args.output.stat().st_size // 1024} KiB"
    )


if __name__ == "__main__":
    main()
