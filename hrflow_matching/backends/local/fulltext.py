"""Keyword search in the database: SQLite FTS5 or PostgreSQL full-text search.

Why in SQL: a boolean keyword query against an inverted index answers in milliseconds and
combines with the other SQL filters; ranking is then done in process (BM25), because ranking
broad OR queries in SQL is slow (``reference/matching-engine.md`` §3).

Semantics of ``text_keywords``: each keyword (which may hold several words) must match all its
words, stemmed; a row matches when any keyword matches.

The FTS5 table and its triggers (SQLite), or a ``tsvector`` column with a GIN index and a
trigger (PostgreSQL), are created on first use with ``IF NOT EXISTS``; creating either over
existing rows fills it. The ORM never reads the extra column.

Why the PostgreSQL column is filled by its writers rather than generated: ``to_tsvector`` is
most of the cost of writing an index row, and ``hrflow_sync``'s workers write while holding the
index stamp's row lock (versions must commit in order). The bulk upsert computes the vector in
its staging table, before it takes the lock (``store._stage``); the trigger computes it
for any other write that leaves it out or changes the text without it (archives, the ORM).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL

TABLE = "hrflow_matching_indexentry"
FTS = "hrflow_index_fts"
_WORDS = re.compile(r"\w+", re.UNICODE)

_SQLITE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5("
    f"text, content='{TABLE}', content_rowid='id', tokenize='porter unicode61')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}(rowid, text) VALUES (new.id, new.text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, text) VALUES ('delete', old.id, old.text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF text ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, text) VALUES ('delete', old.id, old.text); "
    f"INSERT INTO {FTS}(rowid, text) VALUES (new.id, new.text); END",
]
_PG_INDEX = "hrflow_index_tsv_gin"
PG_COLUMN = "text_tsv"
#: PostgreSQL's English stemming without its stop words. Why: 'english' drops "it", "a", "and",
#: so the keyword "IT" (a recruiter's everyday word) matched nothing on PostgreSQL while SQLite
#: (FTS5's porter tokenizer keeps every word) found it. Created with the column (``_PG``).
PG_CONFIG = "hrflow_english"
_PG_CONFIG_SQL = (
    "DO $$ BEGIN "
    "IF NOT EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = 'hrflow_english_stem') THEN "
    "CREATE TEXT SEARCH DICTIONARY hrflow_english_stem (TEMPLATE = snowball, LANGUAGE = english); "
    "END IF; "
    f"IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{PG_CONFIG}') THEN "
    f"CREATE TEXT SEARCH CONFIGURATION {PG_CONFIG} (COPY = english); "
    f"ALTER TEXT SEARCH CONFIGURATION {PG_CONFIG} ALTER MAPPING FOR asciiword, asciihword, "
    "hword_asciipart, word, hword, hword_part WITH hrflow_english_stem; "
    "END IF; END $$"
)


def pg_vector(text: str) -> str:
    """The SQL of the stored ``tsvector`` of ``text`` (a column or expression): its lexemes,
    without their positions (``strip``).

    Why no positions: keyword filters only ask whether a row has the lexemes; positions made
    the vectors half as large again and pushed many out of line (TOAST), where a broad keyword
    ("developer", 28,000 of 95,000 profiles) read them back one by one: 265 ms against 140 ms
    stripped. Without positions, the bulk path's vector (from each word once) and the trigger's
    (from the whole text) are the same value.
    """
    return f"strip(to_tsvector('{PG_CONFIG}'::regconfig, {text}))"


def distinct_words(text: str | None) -> str:
    """``text``'s whitespace-separated words, each once, in order: what the bulk upsert gives
    ``to_tsvector``.

    Why: a keyword filter asks whether a row holds the query's lexemes, never where
    (``plainto_tsquery`` only ANDs them), and PostgreSQL's parser never reads a token across
    whitespace, so this gives the same lexemes as the whole text (a test checks it) in about
    half the time. Only their positions would differ, and the stored vector has none.
    """
    return " ".join(dict.fromkeys(text.split())) if text else ""


_PG_TRIGGER = "hrflow_index_tsv"
_PG = [
    # A column that was created generated (before 2026-12-01) keeps its values.
    f"DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '{TABLE}'::regclass "
    f"AND attname = '{PG_COLUMN}' AND attgenerated = 's') THEN "
    f"ALTER TABLE {TABLE} ALTER COLUMN {PG_COLUMN} DROP EXPRESSION; END IF; END $$",
    f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS {PG_COLUMN} tsvector",
    _PG_CONFIG_SQL,
    f"CREATE OR REPLACE FUNCTION {_PG_TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF NEW.{PG_COLUMN} IS NULL OR (TG_OP = 'UPDATE' AND NEW.text IS DISTINCT FROM OLD.text "
    f"AND NEW.{PG_COLUMN} IS NOT DISTINCT FROM OLD.{PG_COLUMN}) THEN "
    f"NEW.{PG_COLUMN} := {pg_vector('NEW.text')}; "
    f"END IF; RETURN NEW; END $$",
    f"CREATE OR REPLACE TRIGGER {_PG_TRIGGER} BEFORE INSERT OR UPDATE ON {TABLE} "
    f"FOR EACH ROW EXECUTE FUNCTION {_PG_TRIGGER}()",
    # Every row: those written before the column existed, and those whose vector an earlier
    # version computed (with positions, or with 'english' and its stop words): once.
    f"UPDATE {TABLE} SET {PG_COLUMN} = {pg_vector('text')}",
    f"CREATE INDEX IF NOT EXISTS {_PG_INDEX} ON {TABLE} USING gin ({PG_COLUMN})",
]


def ensure() -> None:
    """Create the full-text structures if missing (cheap check, safe to call per write)."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE name IN (%s, %s, %s, %s)",
                [FTS, f"{FTS}_ai", f"{FTS}_ad", f"{FTS}_au"],
            )
            if cursor.fetchone()[0] == 4:
                return
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = %s", [FTS])
            existed = cursor.fetchone()[0] == 1
            for statement in _SQLITE:
                cursor.execute(statement)
            if not existed:
                cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
        elif vendor == "postgresql" and not _pg_ready(cursor):
            # In one transaction, one process at a time (hrflow_sync's workers start together):
            # a second one waits, then finds everything in place.
            with transaction.atomic():
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [_PG_TRIGGER])
                if not _pg_ready(cursor):
                    for statement in _PG:
                        cursor.execute(statement)


def _pg_ready(cursor: Any) -> bool:
    """The index is created last: once it and the trigger exist, everything else does too. A
    trigger function of an earlier version (positions kept, or the stop words of 'english'
    dropped) is replaced, and every stored vector computed again."""
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = %s) "
        "AND EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = %s) "
        "AND EXISTS (SELECT 1 FROM pg_proc WHERE proname = %s AND prosrc LIKE %s)",
        [_PG_INDEX, _PG_TRIGGER, _PG_TRIGGER, f"%strip(to_tsvector('{PG_CONFIG}'%"],
    )
    return cursor.fetchone()[0]


def _terms(keyword: str) -> list[str]:
    return _WORDS.findall(keyword.lower())


#: A keyword whose symbols are part of the name (C#, C++, F#): the tokenizers keep only "c".
_SYMBOLIC = re.compile(r"\w[#+]+(?!\w)")


def keywords_q(keywords: Sequence[str]) -> Q | None:
    """A filter on ``IndexEntry`` matching any of ``keywords``; None when there is nothing to match.

    Both tokenizers read "C#" and "C++" as "c", which alone would match every "C" (and
    "Vitamin C"): such a keyword also needs its own spelling in the text (a ``LIKE`` on the
    few rows the index gives for "c").
    """
    plain = [k for k in keywords if not _SYMBOLIC.search(k)]
    symbolic = [k for k in keywords if _SYMBOLIC.search(k)]
    q = _words_q(plain)
    for keyword in symbolic:
        words = _words_q([keyword])
        if words is not None:
            exact = words & Q(text__icontains=" ".join(keyword.lower().split()))
            q = exact if q is None else q | exact
    return q


def _words_q(keywords: Sequence[str]) -> Q | None:
    groups = [t for t in (_terms(k) for k in keywords) if t]
    if not groups:
        return None
    ensure()
    if connection.vendor == "sqlite":
        query = " OR ".join("(" + " AND ".join(f'"{w}"' for w in words) + ")" for words in groups)
        sql = f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s"
        return Q(id__in=RawSQL(sql, [query]))
    if connection.vendor == "postgresql":
        tsquery = " || ".join([f"plainto_tsquery('{PG_CONFIG}'::regconfig, %s)"] * len(groups))
        sql = f"{TABLE}.{PG_COLUMN} @@ ({tsquery})"
        return Q(RawSQL(sql, [" ".join(w) for w in groups], output_field=_bool()))
    # Other databases: every word of a keyword, case-insensitively, anywhere in the text.
    q = Q(pk__in=[])
    for words in groups:
        part = Q()
        for w in words:
            part &= Q(text__icontains=w)
        q |= part
    return q


def _bool():
    from django.db.models import BooleanField

    return BooleanField()
