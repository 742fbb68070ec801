"""Text normalisation shared by the taxonomy, the index and the queries.

Why one module: the BM25 model, the delta scored brute force and every query must split words
the same way, or scores stop being comparable. Two functions matter:

- :func:`normalise_label` turns a skill, title or language name into a lookup key
  ("Node.JS " -> "node.js", "C#" -> "c#", "Développeur" -> "developpeur");
- :func:`tokenize_shown` turns free text into BM25 terms (lower case, English stop words
  dropped, Snowball-stemmed when PyStemmer is installed), with the word each came from.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_LABEL_TOKEN = re.compile(r"[a-z0-9+#.]+")
# Runs of two or more word characters (bm25s' ``\b\w\w+\b``: a greedy run is bounded anyway);
# ASCII texts, nearly all of them, take the same pattern with the cheaper ASCII classes.
# The letters C and R alone are programming languages: kept as words too.
_WORD = re.compile(r"\w\w+|(?<!\w)[cr](?!\w)")
_WORD_ASCII = re.compile(r"\w\w+|(?<!\w)[cr](?!\w)", re.ASCII)
#: English stop words (bm25s' list plus a few resume fillers that carry no meaning).
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "if",
        "in",
        "into",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "will",
        "with",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "she",
        "his",
        "her",
        "its",
        "from",
        "have",
        "has",
        "had",
        "were",
        "been",
        "being",
        "do",
        "does",
        "did",
        "so",
        "than",
        "too",
        "very",
        "can",
        "could",
        "would",
        "should",
        "also",
        "etc",
    ]
)


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str) -> str:
    """Lower case without accents; mojibake and symbols are left for the regexes to drop."""
    if text.isascii():
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower()


@lru_cache(maxsize=100_000)
def normalise_label(label: str | None) -> str:
    """The lookup key of a skill/title/language label (cached: labels repeat a lot)."""
    if not label:
        return ""
    out = []
    for tok in _LABEL_TOKEN.findall(fold(label)):
        tok = tok.rstrip(".")
        if tok.startswith(".") and not (len(tok) > 1 and tok[1].isalpha()):
            tok = tok.lstrip(".")
        if tok:
            out.append(tok)
    return " ".join(out)


def label_tokens(text: str) -> list[str]:
    """Tokens of free text in the label alphabet, for finding taxonomy phrases in it."""
    return normalise_label.__wrapped__(text).split()


@lru_cache(maxsize=1)
def _stemmer():
    try:
        import Stemmer
    except ImportError:  # PyStemmer is a dependency, but keep the engine usable without it
        return None
    return Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    stemmer = _stemmer()
    return stemmer.stemWord(word) if stemmer is not None else word


#: Technology names the word pattern would break ("C#" -> nothing, ".NET" -> "net", "CI/CD" ->
#: "ci", "cd"), rewritten before it into words of their own, in documents and queries alike.
#: Each rule is (pattern, replacement) on folded (lower-case) text.
_TECH_RULES = [
    # C#, F#, J#, C++ (also "c ++"): a letter and its symbols; "cpp" is C++ too.
    (re.compile(r"(?<![\w#+])c\s?\+\+(?![a-z+])"), " cplusplus "),
    (re.compile(r"(?<![\w#+])cpp(?!\w)"), " cplusplus "),
    (re.compile(r"(?<![\w#+])([cfj])\s?#(?![\w#])"), r" \1sharp "),
    # ASP.NET, VB.NET, ADO.NET: their own name and .NET; ".NET", "dot net", "dotnet": .NET.
    (re.compile(r"(?<![\w.])([a-z]{2,5})\.net(?![\w.])"), r" \1net dotnet "),
    (re.compile(r"(?<![\w.])\.net(?!\w)"), " dotnet "),
    (re.compile(r"(?<!\w)dot\s?net(?!\w)"), " dotnet "),
    # Node.js, React.js, Vue.js: one word ("nodejs", as many write it).
    (re.compile(r"(?<![\w.])([a-z0-9]+)\.js(?!\w)"), r" \1js "),
    # CI/CD, UI/UX, PL/SQL, TCP/IP: the pair as one word, and each part.
    (
        re.compile(r"(?<![\w/])([a-z][a-z0-9]{0,4})\s?/\s?([a-z][a-z0-9]{0,4})(?![\w/])"),
        r" \1\2 \1 \2 ",
    ),
    # Product names of two words: each word, and the name as one word (a phrase in the index).
    (re.compile(r"(?<!\w)(sql)\s+(server)(?!\w)"), r"\1 \2 \1\2"),
    (re.compile(r"(?<!\w)(sap)\s+(hana)(?!\w)"), r"\1 \2 \1\2"),
    (re.compile(r"(?<!\w)(power)\s+(bi)(?!\w)"), r"\1 \2 \1\2"),
]
#: Cheap test for the rules' trigger characters/words: most texts need none of the rewrites.
_TECH_HINT = re.compile(r"[#+/]|\.net|\.js|dot\s?net|cpp|sql\s+server|sap\s+hana|power\s+bi")
#: How the rewritten words read in explanations.
SHOWN = {
    "cplusplus": "C++", "csharp": "C#", "fsharp": "F#", "jsharp": "J#", "dotnet": ".NET",
    "aspnet": "ASP.NET", "vbnet": "VB.NET", "adonet": "ADO.NET", "nodejs": "Node.js",
    "cicd": "CI/CD", "uiux": "UI/UX", "plsql": "PL/SQL", "sqlserver": "SQL Server",
    "saphana": "SAP HANA", "powerbi": "Power BI",
}  # fmt: skip


def rewrite_tech(folded: str) -> str:
    """Folded text with its technology names as words the word pattern keeps (``_TECH_RULES``)."""
    if not _TECH_HINT.search(folded):
        return folded
    for pattern, replacement in _TECH_RULES:
        folded = pattern.sub(replacement, folded)
    return folded


def words(text: str | None) -> list[str]:
    """The raw words of ``text`` (folded, technology names kept), stop words included:
    :func:`term` maps each."""
    if not text:
        return []
    folded = rewrite_tech(fold(text))
    return (_WORD_ASCII if folded.isascii() else _WORD).findall(folded)


def term(word: str) -> str | None:
    """The BM25 term of one word of :func:`words`, None for a stop word or a number."""
    return None if word in STOPWORDS or word.isdigit() else stem(word)


def tokenize_shown(text: str | None) -> tuple[list[str], dict[str, str]]:
    """BM25 terms of ``text``, and for each term the first word of ``text`` it came from:
    explanations show "requirements", not the stem "requir"."""
    tokens: list[str] = []
    shown: dict[str, str] = {}
    for w in words(text):
        t = term(w)
        if t is not None:
            tokens.append(t)
            shown.setdefault(t, SHOWN.get(w, w))
    return tokens, shown
