"""What a recruiter types in the keyword box: ranked words, required phrases, related job words.

Why ranked and not filtered: a keyword box holds what a person types ("DotNet developer",
"Selenium Java Maven Jenkins"). When every word had to be in the text, most such queries
answered an empty page. So:

- every typed word counts toward the rank (BM25), and a row holding more of them ranks higher
  (``coverage``); a row holding only some of them is still found, lower;
- a phrase in double quotes (``"spring boot"``) must appear, its words in that order: the one
  explicit must-have of the box (the Required skills field is the other). It is checked by the
  engine's own tokenizer on the row's text, so it means the same on SQLite and PostgreSQL;
- words that name an occupation ("lawyer", "site engineer") bring in the words of that
  occupation's other titles in the shipped O*NET/ESCO taxonomy ("attorney", "counsel",
  "advocate"…), weighted below the words typed (:func:`expansion`).

Commas only separate keywords; they change nothing else.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .snapshot import Table
from .taxonomy import Taxonomy, get_taxonomy
from .text import STOPWORDS, label_tokens, stem, term, tokenize_shown, words

_QUOTED = re.compile(r'"([^"]*)"?')
#: Related words per occupation, and the weight of the best one relative to a typed word.
EXPANSION_TERMS, EXPANSION_WEIGHT = 8, 0.3
#: Words too common in job titles to say which job: never brought in by expansion.
_GENERIC_WORDS = (
    "senior junior lead chief head assistant associate specialist officer worker staff manager "
    "supervisor director technician general other all except"
)
_GENERIC = frozenset(stem(w) for w in _GENERIC_WORDS.split(" "))


@dataclass(frozen=True)
class Keywords:
    """A parsed keyword box."""

    #: every keyword without its quotes, in order: all their words rank
    typed: tuple[str, ...]
    #: the quoted phrases: each must appear
    phrases: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.typed)


def parse(keywords: Sequence[str]) -> Keywords:
    """``['java developer', '"spring boot" microservices']`` -> typed words and phrases."""
    typed: list[str] = []
    phrases: list[str] = []
    for keyword in keywords:
        if not keyword or not keyword.strip():
            continue
        for phrase in _QUOTED.findall(keyword):
            if any(ch.isalnum() for ch in phrase):
                phrases.append(" ".join(phrase.split()))
        plain = " ".join(keyword.replace('"', " ").split())
        if plain:
            typed.append(plain)
    return Keywords(typed=tuple(typed), phrases=tuple(dict.fromkeys(phrases)))


# -- expansion ---------------------------------------------------------------------------------
def occupations_named(text: str, taxonomy: Taxonomy | None = None) -> list[int]:
    """Occupations whose titles the text names, longest title first, without overlaps
    ("big data engineer" -> Database Architects; "lawyer contracts" -> Lawyers)."""
    taxonomy = taxonomy or get_taxonomy()
    tokens = label_tokens(text)
    found: dict[int, None] = {}
    i = 0
    while i < len(tokens):
        for n in range(min(6, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i : i + n])
            # One word alone names a job only when it is all that was typed ("lawyer"):
            # inside a longer query it is a qualifier ("Informatica developer").
            if n == 1 and (len(tokens) > 1 or phrase in STOPWORDS or len(phrase) < 3):
                continue
            occ = taxonomy.occupation(phrase)
            if occ is not None:
                found[occ] = None
                i += n - 1
                break
        i += 1
    return list(found)


#: A related term as a word of the titles it came from ("corpor" reads "corporate").
_SHOWN: dict[str, str] = {}


def shown(term_: str) -> str:
    return _SHOWN.get(term_, term_)


@lru_cache(maxsize=1)
def _occupation_terms() -> tuple[dict[int, Counter], Counter, int]:
    """Per occupation, in how many of its titles each term appears; in how many occupations
    each term appears; the number of occupations (computed once from the title map)."""
    taxonomy = get_taxonomy()
    per_occ: dict[int, Counter] = defaultdict(Counter)
    for title, occ in taxonomy.titles.items():
        tokens, shown = tokenize_shown(title)
        per_occ[occ].update(set(tokens))
        for t, w in shown.items():
            _SHOWN.setdefault(t, w)
    spread: Counter = Counter()
    for counts in per_occ.values():
        spread.update(counts.keys())
    return per_occ, spread, len(per_occ)


@lru_cache(maxsize=2048)
def occupation_profile(occ: int) -> tuple[tuple[str, float], ...]:
    """The words that say this occupation: frequent among its titles, rare among the other
    occupations' (a tf-idf over titles), best first, the best weighing 1."""
    per_occ, spread, n = _occupation_terms()
    counts = per_occ.get(occ)
    if not counts:
        return ()
    total = max(counts.values())
    scored = [
        (t, w)
        for t, c in counts.items()
        if t not in _GENERIC and (w := (c / total) * math.log(n / spread[t])) > 0
    ]
    scored.sort(key=lambda tw: (-tw[1], tw[0]))
    top = scored[:EXPANSION_TERMS]
    best = top[0][1] if top else 1.0
    return tuple((t, w / best) for t, w in top)


def expansion(keywords: Keywords, typed_terms: Sequence[str]) -> dict[str, float]:
    """Terms related to the occupations the keywords name, with weights below a typed word's
    (at most ``EXPANSION_WEIGHT``); the typed terms themselves are left out."""
    typed = set(typed_terms)
    out: dict[str, float] = {}
    for occ in occupations_named(keywords.text):
        for t, w in occupation_profile(occ):
            if t not in typed:
                out[t] = max(out.get(t, 0.0), EXPANSION_WEIGHT * w)
    return out


# -- required phrases ------------------------------------------------------------------------
def phrase_words(phrase: str) -> list[str]:
    """The stemmed words of a phrase, stop words included ("head of sales" keeps "of")."""
    return [stem(w) for w in words(phrase)]


def contains(haystack: list[str], needle: list[str]) -> bool:
    if not needle:
        return True
    first, n = needle[0], len(needle)
    return any(
        haystack[i : i + n] == needle for i in range(len(haystack) - n + 1) if haystack[i] == first
    )


def phrase_mask(table: Table, pos: np.ndarray, phrases: Sequence[str], base: Table) -> np.ndarray:
    """Which rows ``pos`` of ``table`` hold every phrase, its words in order.

    The index's postings narrow the rows to those with all the phrase's words; their texts are
    then read from the database and checked with the same tokenizer as the index."""
    from ...models import IndexEntry  # the models import Django's app registry

    keep = np.ones(len(pos), dtype=bool)
    needles = [phrase_words(p) for p in phrases]
    for phrase in phrases:
        terms = [t for t in (term(w) for w in words(phrase)) if t is not None]
        for tid in dict.fromkeys(table.query_terms(terms, base)):
            keep &= table.bm25_scores([tid], base)[pos] > 0
        if len({t for t in terms}) > len(set(table.query_terms(terms, base))):
            keep[:] = False  # a word no row holds
    rows = pos[keep]
    if not len(rows):
        return keep
    ids = table.ids[rows]
    texts: dict[int, str] = {}
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000].tolist()
        texts.update(IndexEntry.objects.filter(id__in=chunk).values_list("id", "text"))
    ok = np.fromiter(
        (
            all(contains([stem(w) for w in words(texts.get(int(i), ""))], n) for n in needles)
            for i in ids
        ),
        dtype=bool,
        count=len(ids),
    )
    keep[np.flatnonzero(keep)[~ok]] = False
    return keep


def any_term_mask(table: Table, pos: np.ndarray, terms: Sequence[str], base: Table) -> np.ndarray:
    """Which rows ``pos`` of ``table`` hold at least one of ``terms``."""
    ids = list(dict.fromkeys(table.query_terms(terms, base)))
    if not ids:
        return np.zeros(len(pos), dtype=bool)
    return table.bm25_scores(ids, base)[pos] > 0
