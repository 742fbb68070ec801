#!/usr/bin/env python3
"""Build ``example_crm/data/vocabulary.json``, the compact vocabulary of the demo data.

Why: seeded candidates and jobs must share realistic titles and skills so that matching has
something to find. O*NET gives occupations, the titles people really use for them and the
software/tools each occupation needs. We keep only a small derived slice (about a hundred
occupations, a few titles and twenty skills each) and never copy a whole file.

Run from the repository root (the data lives next to it, read-only)::

    python scripts/build_vocabulary.py [--onet ../shared/data/onet] [--occupations 120]

O*NET 29.2 Database by the U.S. Department of Labor, Employment and Training Administration
(USDOL/ETA), used under the CC BY 4.0 licence. The cities list is written here by hand.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ONET = ROOT.parent / "shared" / "data" / "onet"
OUTPUT = ROOT / "example_crm" / "data" / "vocabulary.json"

# SOC major groups kept for the demo: office, business and technical work, where CRMs live.
FAMILIES = {
    "11": "Management",
    "13": "Business and Financial Operations",
    "15": "Computer and Mathematical",
    "17": "Architecture and Engineering",
    "19": "Life, Physical, and Social Science",
    "27": "Arts, Design, Entertainment, Sports, and Media",
    "29": "Healthcare Practitioners and Technical",
    "41": "Sales and Related",
    "43": "Office and Administrative Support",
}

DEGREES = {
    "11": ["MBA", "MSc Management", "BA Business Administration"],
    "13": ["MSc Finance", "BSc Accounting", "BA Economics", "MBA"],
    "15": ["BSc Computer Science", "MSc Data Science", "BEng Software Engineering", "MSc AI"],
    "17": ["BEng Mechanical Engineering", "MEng Civil Engineering", "BSc Electrical Engineering"],
    "19": ["MSc Chemistry", "PhD Biology", "BSc Physics", "MSc Environmental Science"],
    "27": ["BA Graphic Design", "BA Journalism", "MA Communication", "BFA Film"],
    "29": ["BSc Nursing", "MD Medicine", "PharmD Pharmacy", "BSc Radiography"],
    "41": ["BA Marketing", "BA Business", "BSc Commerce"],
    "43": ["Associate Degree Office Administration", "BA Business", "Diploma Accounting"],
}

# Real cities with their coordinates (WGS84, city centre), and the languages spoken there.
CITIES = [
    ("Paris", "France", 48.8566, 2.3522, ["fr", "en"]),
    ("Lyon", "France", 45.764, 4.8357, ["fr"]),
    ("Marseille", "France", 43.2965, 5.3698, ["fr"]),
    ("Toulouse", "France", 43.6047, 1.4442, ["fr"]),
    ("Lille", "France", 50.6292, 3.0573, ["fr"]),
    ("Bordeaux", "France", 44.8378, -0.5792, ["fr"]),
    ("Nantes", "France", 47.2184, -1.5536, ["fr"]),
    ("London", "United Kingdom", 51.5074, -0.1278, ["en"]),
    ("Manchester", "United Kingdom", 53.4808, -2.2426, ["en"]),
    ("Edinburgh", "United Kingdom", 55.9533, -3.1883, ["en"]),
    ("Dublin", "Ireland", 53.3498, -6.2603, ["en"]),
    ("Berlin", "Germany", 52.52, 13.405, ["de", "en"]),
    ("Munich", "Germany", 48.1351, 11.582, ["de"]),
    ("Hamburg", "Germany", 53.5511, 9.9937, ["de"]),
    ("Frankfurt", "Germany", 50.1109, 8.6821, ["de", "en"]),
    ("Amsterdam", "Netherlands", 52.3676, 4.9041, ["nl", "en"]),
    ("Rotterdam", "Netherlands", 51.9244, 4.4777, ["nl"]),
    ("Brussels", "Belgium", 50.8503, 4.3517, ["fr", "nl"]),
    ("Luxembourg", "Luxembourg", 49.6116, 6.1319, ["fr", "de"]),
    ("Geneva", "Switzerland", 46.2044, 6.1432, ["fr", "en"]),
    ("Zurich", "Switzerland", 47.3769, 8.5417, ["de", "en"]),
    ("Madrid", "Spain", 40.4168, -3.7038, ["es"]),
    ("Barcelona", "Spain", 41.3874, 2.1686, ["es", "en"]),
    ("Lisbon", "Portugal", 38.7223, -9.1393, ["pt", "en"]),
    ("Milan", "Italy", 45.4642, 9.19, ["it"]),
    ("Rome", "Italy", 41.9028, 12.4964, ["it"]),
    ("Vienna", "Austria", 48.2082, 16.3738, ["de"]),
    ("Copenhagen", "Denmark", 55.6761, 12.5683, ["da", "en"]),
    ("Stockholm", "Sweden", 59.3293, 18.0686, ["sv", "en"]),
    ("Warsaw", "Poland", 52.2297, 21.0122, ["pl", "en"]),
    ("Prague", "Czechia", 50.0755, 14.4378, ["cs", "en"]),
    ("New York", "United States", 40.7128, -74.006, ["en", "es"]),
    ("San Francisco", "United States", 37.7749, -122.4194, ["en"]),
    ("Chicago", "United States", 41.8781, -87.6298, ["en"]),
    ("Austin", "United States", 30.2672, -97.7431, ["en", "es"]),
    ("Boston", "United States", 42.3601, -71.0589, ["en"]),
    ("Seattle", "United States", 47.6062, -122.3321, ["en"]),
    ("Toronto", "Canada", 43.6532, -79.3832, ["en", "fr"]),
    ("Montreal", "Canada", 45.5017, -73.5673, ["fr", "en"]),
    ("Singapore", "Singapore", 1.3521, 103.8198, ["en"]),
    ("Sydney", "Australia", -33.8688, 151.2093, ["en"]),
]


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def clean_title(title: str) -> str | None:
    """A title people would type: short, no parenthesised acronym, no slash lists."""
    title = re.sub(r"\s*\([^)]*\)", "", title).strip()
    if not title or len(title) > 40 or "/" in title or "," in title or " " not in title:
        return None
    return title


def singular(title: str) -> str:
    """O*NET occupation titles are plural ("Software Developers"); job titles are singular."""
    words = title.split(" and ")[0].split(", ")[0]
    if words.endswith("ies"):
        return words[:-3] + "y"
    if words.endswith("s") and not words.endswith("ss"):
        return words[:-1]
    return words


def build(onet: Path, limit: int) -> dict:
    occupations = {r["O*NET-SOC Code"]: r for r in read_tsv(onet / "Occupation Data.txt")}
    tech = defaultdict(list)
    for row in read_tsv(onet / "Technology Skills.txt"):
        tech[row["O*NET-SOC Code"]].append(row)
    hot_count = {code: sum(r["Hot Technology"] == "Y" for r in rows) for code, rows in tech.items()}
    chosen = sorted(
        (c for c in tech if c[:2] in FAMILIES and hot_count[c] >= 8 and len(tech[c]) >= 20),
        key=lambda c: (-hot_count[c], c),
    )[:limit]
    chosen.sort()
    # Tools that nearly every occupation lists (office suites) do not tell jobs apart.
    df = Counter(ex for c in chosen for ex in {r["Example"] for r in tech[c]})
    common = {ex for ex, n in df.items() if n > len(chosen) * 0.5}

    reported = defaultdict(list)
    for row in read_tsv(onet / "Sample of Reported Titles.txt"):
        reported[row["O*NET-SOC Code"]].append(row["Reported Job Title"])
    alternates = defaultdict(list)
    for row in read_tsv(onet / "Alternate Titles.txt"):
        alternates[row["O*NET-SOC Code"]].append(row["Alternate Title"])

    out = []
    for code in chosen:
        rows = [r for r in tech[code] if r["Example"] not in common]
        rows.sort(key=lambda r: (r["In Demand"] != "Y", r["Hot Technology"] != "Y", r["Example"]))
        skills = list(dict.fromkeys(r["Example"] for r in rows))[:20]
        titles: list[str] = []
        for raw in [*reported[code], *alternates[code]]:
            title = clean_title(raw)
            if title and title not in titles:
                titles.append(title)
            if len(titles) >= 8:
                break
        onet_title = occupations[code]["Title"]
        plain = not any(s in onet_title for s in (" and ", ",", "/", " of "))
        main_title = singular(onet_title) if plain or not titles else titles[0]
        description = occupations[code]["Description"].split(". ")[0].rstrip(".") + "."
        out.append(
            {
                "code": code,
                "family": FAMILIES[code[:2]],
                "title": main_title,
                "titles": titles or [main_title],
                "description": description,
                "skills": skills,
                "degrees": DEGREES[code[:2]],
            }
        )
    return {
        "_attribution": (
            "Derived from the O*NET 29.2 Database (Occupation Data, Alternate Titles, Sample of "
            "Reported Titles, Technology Skills) by the U.S. Department of Labor, Employment and "
            "Training Administration (USDOL/ETA), licensed under CC BY 4.0 "
            "(https://www.onetcenter.org/license_db.html). Selected and shortened by "
            "scripts/build_vocabulary.py; O*NET is a trademark of USDOL/ETA, which has not "
            "approved or endorsed this file. Cities and degrees were written by hand."
        ),
        "occupations": out,
        "cities": [
            {"city": c, "country": k, "lat": lat, "lng": lng, "languages": langs}
            for c, k, lat, lng, langs in CITIES
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onet", type=Path, default=DEFAULT_ONET)
    parser.add_argument("--occupations", type=int, default=120)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    data = build(args.onet, args.occupations)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    skills = {s for o in data["occupations"] for s in o["skills"]}
    print(f"{args.output}: {len(data['occupations'])} occupations, {len(skills)} skills")


if __name__ == "__main__":
    main()
