"""Canonical skills, titles and languages, from the compact taxonomy shipped in ``data/``.

Why: "JS", "Javascript" and "JavaScript" must be one skill, and a Kotlin developer deserves
part of the credit when a job asks for Java. ``data/taxonomy.json.gz`` (built by
``scripts/build_taxonomy.py`` from O*NET and ESCO, attribution in its header) gives aliases,
close variants and related skills; this module answers lookups from it. Skills the taxonomy
does not know still work: their key is their normalised name, matched exactly.

Partial credit follows RChilli's exact/alias/related ladder: same canonical skill 1.0, a close
variant 0.8, a related skill (same O*NET class, listed together by occupations) 0.5.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ... import languages
from .text import label_tokens, normalise_label

EXACT, VARIANT, RELATED = 1.0, 0.8, 0.5
#: Aliases too ambiguous to be read from free text ("access", "word"…): still fine as skills.
_NOT_FROM_TEXT = frozenset(
    [
        "access",
        "word",
        "project",
        "go",
        "teams",
        "outlook",
        "office",
        "notes",
        "paint",
        "box",
        "make",
        "chef",
        "puppet",
        "salt",
        "shell",
        "basic",
        "flash",
        "express",
        "time",
        "data",
        "link",
        "live",
        "target",
        "sketch",
        "pages",
        "numbers",
        "mail",
        "calendar",
        "windows",
        "excel",
        "spring",
        "base",
        "visio",
        "sage",
        "sas",
        "spark",
        "hive",
        "pig",
        "impala",
        "oozie",
        "solid",
        "unity",
        "maven",
        "ant",
        "gradle",
        "jupyter",
        "git",
        "r",
        "c",
        "d",
        "j",
        "k",
        "q",
        "s",
        "t",
        "v",
        "x",
        "email",
        "internet",
        "web",
        "cloud",
        "mobile",
        "desktop",
        "server",
        "network",
        "database",
        "design",
        "report",
        "reports",
        "reporting",
        "testing",
        "analysis",
        "planning",
        "management",
    ]
)
_SENIORITY = frozenset(
    [
        "senior",
        "junior",
        "lead",
        "principal",
        "chief",
        "head",
        "intern",
        "trainee",
        "sr",
        "jr",
        "assistant",
        "associate",
    ]
)


@dataclass(frozen=True)
class Taxonomy:
    keys: tuple[str, ...]  # canonical key per skill index
    names: tuple[str, ...]  # display name per skill index
    aliases: dict[str, int]
    variants: dict[int, tuple[int, ...]]
    related: dict[int, tuple[int, ...]]
    titles: dict[str, int]  # normalised title -> occupation index
    occupations: tuple[str, ...]
    index_of_key: dict[str, int]
    max_ngram: int
    ambiguous: frozenset[str] = frozenset()

    def canonical(self, name: str | None) -> str:
        """The canonical key of a skill name (its normalised name when unknown)."""
        key = normalise_label(name)
        idx = self.aliases.get(key)
        return self.keys[idx] if idx is not None else key

    def display(self, key: str) -> str:
        idx = self.index_of_key.get(key)
        return self.names[idx] if idx is not None else key

    def credits(self, key: str) -> dict[str, float]:
        """Every skill key that earns credit against ``key``, with its credit."""
        out = {key: EXACT}
        idx = self.index_of_key.get(key)
        if idx is None:
            return out
        for j in self.related.get(idx, ()):
            out.setdefault(self.keys[j], RELATED)
        for j in self.variants.get(idx, ()):
            if out.get(self.keys[j], 0) < VARIANT:
                out[self.keys[j]] = VARIANT
        return out

    def named_skill(self, phrase: str | None) -> str | None:
        """The skill a whole phrase names, unless it is an ordinary word ("Database", "Arts")."""
        key = normalise_label(phrase)
        idx = self.aliases.get(key)
        if idx is None or (" " not in key and (key in _NOT_FROM_TEXT or key in self.ambiguous)):
            return None
        return self.keys[idx]

    def extract(self, text: str | None) -> list[str]:
        """Canonical skills named in free text (longest phrase first, ambiguous words skipped)."""
        tokens = label_tokens(text or "")
        found: dict[str, None] = {}
        i = 0
        while i < len(tokens):
            for n in range(min(self.max_ngram, len(tokens) - i), 0, -1):
                phrase = " ".join(tokens[i : i + n])
                idx = self.aliases.get(phrase)
                if idx is not None and (
                    n > 1 or (phrase not in _NOT_FROM_TEXT and phrase not in self.ambiguous)
                ):
                    found[self.keys[idx]] = None
                    i += n - 1
                    break
            i += 1
        return list(found)

    def occupation(self, title: str | None) -> int | None:
        """The O*NET occupation a title names, trying again without seniority words."""
        key = normalise_label(title)
        if not key:
            return None
        if key in self.titles:
            return self.titles[key]
        stripped = " ".join(t for t in key.split() if t not in _SENIORITY)
        return self.titles.get(stripped)


def language_code(name: str | None) -> str:
    """ISO 639-1 code of a language name or code ("English", "anglais", "EN", "en-GB" -> "en").

    Known names, French names and codes come from :mod:`hrflow_matching.languages`, the table
    the HrFlow.ai documents are built with, so a document holding ``english`` (HrFlow.ai's
    form) and a query for ``en`` are the same language here.
    """
    key = normalise_label(name).replace(" ", "-")
    if not key:
        return ""
    code = languages.language_code(key)
    if code in languages.NAMES:
        return code
    return key.split("-")[0][:3] if len(key) <= 5 else key


@lru_cache(maxsize=1)
def get_taxonomy() -> Taxonomy:
    """Load the shipped taxonomy once per process (about 0.3 s, 15 MB)."""
    with resources.files("hrflow_matching").joinpath("data/taxonomy.json.gz").open("rb") as fh:
        raw = json.loads(gzip.decompress(fh.read()))
    names = tuple(s[0] for s in raw["skills"])
    keys = tuple(normalise_label(n) for n in names)
    aliases = {k: int(v) for k, v in raw["aliases"].items()}
    return Taxonomy(
        keys=keys,
        names=names,
        aliases=aliases,
        variants={int(k): tuple(v) for k, v in raw["variants"].items()},
        related={int(k): tuple(v) for k, v in raw["related"].items()},
        titles=raw["titles"],
        occupations=tuple(o[1] for o in raw["occupations"]),
        index_of_key={k: i for i, k in enumerate(keys)},
        max_ngram=min(5, max(len(a.split()) for a in aliases)),
        ambiguous=frozenset(raw.get("ambiguous", ())),
    )
