"""The demo vocabulary: occupations, titles, skills and cities derived from O*NET.

``example_crm/data/vocabulary.json`` is built by ``scripts/build_vocabulary.py``; see its
``_attribution`` key and the README, "Data and attribution".
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

VOCABULARY_PATH = Path(__file__).resolve().parent.parent / "data" / "vocabulary.json"

#: Faker locale of each country of the cities list, for plausible names and phone numbers.
LOCALES = {
    "France": "fr_FR",
    "United Kingdom": "en_GB",
    "Ireland": "en_IE",
    "Germany": "de_DE",
    "Netherlands": "nl_NL",
    "Belgium": "nl_BE",
    "Luxembourg": "fr_FR",
    "Switzerland": "de_CH",
    "Spain": "es_ES",
    "Portugal": "pt_PT",
    "Italy": "it_IT",
    "Austria": "de_AT",
    "Denmark": "da_DK",
    "Sweden": "sv_SE",
    "Poland": "pl_PL",
    "Czechia": "cs_CZ",
    "United States": "en_US",
    "Canada": "en_CA",
    "Singapore": "en_US",
    "Australia": "en_AU",
}

CURRENCIES = {
    "United Kingdom": "GBP",
    "Switzerland": "CHF",
    "Denmark": "DKK",
    "Sweden": "SEK",
    "Poland": "PLN",
    "Czechia": "CZK",
    "United States": "USD",
    "Canada": "CAD",
    "Singapore": "SGD",
    "Australia": "AUD",
}


@lru_cache(maxsize=1)
def load_vocabulary() -> dict[str, Any]:
    """Parsed once per process: generating 100k candidates reads it once."""
    data = json.loads(VOCABULARY_PATH.read_text(encoding="utf-8"))
    if not data.get("occupations") or not data.get("cities"):
        raise ValueError(f"{VOCABULARY_PATH} has no occupations or cities; rebuild it.")
    return data
