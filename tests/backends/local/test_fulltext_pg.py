"""PostgreSQL's full-text column: filled by the bulk upsert, by a trigger for every other write,
and upgraded in place from the generated column of earlier versions. (On SQLite the FTS5
triggers do this job; ``test_local_engine.py`` covers keyword search on both databases.)"""

from __future__ import annotations

import pytest
from django.db import connection

from hrflow_matching.backends.local import fulltext, store
from hrflow_matching.models import IndexEntry
from tests.support.local_fixtures import profile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's tsvector column (the SQLite run tests FTS5 through the engine)")


def matching(*keywords: str) -> set[str]:
    q = fulltext.keywords_q(keywords)
    return set(IndexEntry.objects.filter(q).values_list("reference", flat=True))


def test_upserts_orm_writes_and_archives_keep_the_vector_current() -> None:
    store.upsert("profile", None, [profile("bulk", text="Senior Django developers in Lyon")])
    IndexEntry.objects.create(
        kind="profile", reference="orm", version=1, title="", text="Plumber and welder"
    )
    assert matching("developer") == {"bulk"}  # stemmed, as plainto_tsquery('english') does
    assert matching("welders") == {"orm"}
    IndexEntry.objects.filter(reference="orm").update(text="Gardener")
    assert matching("welder") == set() and matching("gardener") == {"orm"}
    store.upsert("profile", None, [profile("bulk", text="Accountant")])  # replaced, not added
    assert matching("django") == set() and matching("accountant") == {"bulk"}
    store.archive("profile", None, ["bulk"])  # an archive empties the text, and the vector
    assert matching("accountant") == set()


def test_a_generated_column_of_an_earlier_version_becomes_a_plain_one() -> None:
    fulltext.ensure()
    table = fulltext.TABLE
    with connection.cursor() as cursor:  # the set-up of versions before 2026-12-01
        cursor.execute(f"DROP TRIGGER IF EXISTS hrflow_index_tsv ON {table}")
        cursor.execute(f"ALTER TABLE {table} DROP COLUMN {fulltext.PG_COLUMN}")
        cursor.execute(
            f"ALTER TABLE {table} ADD COLUMN {fulltext.PG_COLUMN} tsvector GENERATED ALWAYS AS "
            f"(to_tsvector('english'::regconfig, text)) STORED"
        )
        cursor.execute(f"CREATE INDEX hrflow_index_tsv_gin ON {table} USING gin (text_tsv)")
    IndexEntry.objects.create(kind="profile", reference="old", version=1, title="", text="Nurse")
    store.upsert("profile", None, [profile("new", text="Night nurse in Nantes")])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attgenerated FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s",
            [table, fulltext.PG_COLUMN],
        )
        assert cursor.fetchone()[0] == ""  # a plain column now, its values kept
    assert matching("nurse") == {"old", "new"} and matching("nantes") == {"new"}


TRICKY_TEXTS = [
    "Senior Python/Django developer, developers; C# & C++ (x86_64) at ACME-Corp. ACME-Corp!",
    "Full-stack engineer: full stack, e-mail jane.doe@example.com, https://example.com/a-b?x=1",
    "Développeuse à Montréal — Node.js v18.2, 東京 2019, naïve café, café.\tTabs\nand\r\nlines",
    "ÉCOLE_Normale_Supérieure /usr/local/bin 3.14 1,000 -5 +7 50% $40k",
    "the and of a an", "", "   ",
]  # fmt: skip


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_distinct_words_give_the_lexemes_of_the_whole_text(text: str) -> None:
    """The bulk upsert computes the vector from each word once (half the text): it must hold
    exactly the lexemes of the whole text, so a keyword matches the same rows either way."""
    fulltext.ensure()  # our text search configuration
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tsvector_to_array(to_tsvector('{fulltext.PG_CONFIG}'::regconfig, %s)), "
            f"tsvector_to_array(to_tsvector('{fulltext.PG_CONFIG}'::regconfig, %s)), "
            f"{fulltext.pg_vector('%s')} = {fulltext.pg_vector('%s')}",
            [text, fulltext.distinct_words(text), text, fulltext.distinct_words(text)],
        )
        whole, distinct, same_stored_vector = cursor.fetchone()
    assert sorted(distinct) == sorted(whole)
    assert same_stored_vector  # no positions: the very same value


def test_bulk_upserts_and_other_writes_match_the_same_keywords() -> None:
    text = TRICKY_TEXTS[0] + " " + TRICKY_TEXTS[1]
    store.upsert("profile", None, [profile("bulk", text=text)])
    IndexEntry.objects.create(kind="profile", reference="orm", version=1, title="", text=text)
    for keyword in ("developer", "acme-corp", "full stack", "engineers", "senior"):
        assert matching(keyword) == {"bulk", "orm"}, keyword
    vectors = IndexEntry.objects.extra(select={"v": f"{fulltext.PG_COLUMN}::text"})
    bulk, orm = (vectors.get(reference=r).v for r in ("bulk", "orm"))
    assert bulk == orm and "'develop'" in bulk and ":" not in bulk  # lexemes, no positions


def test_a_trigger_of_an_earlier_version_is_replaced() -> None:
    fulltext.ensure()
    with connection.cursor() as cursor:  # the trigger function before 2026-12-01 kept positions
        cursor.execute(
            "CREATE OR REPLACE FUNCTION hrflow_index_tsv() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN NEW.text_tsv := to_tsvector('english'::regconfig, NEW.text); RETURN NEW; "
            "END $$"
        )
    IndexEntry.objects.create(kind="profile", reference="old", version=1, title="", text="Nurse")
    store.upsert("profile", None, [profile("new", text="Night nurse")])  # ensure() upgrades
    IndexEntry.objects.create(kind="profile", reference="orm", version=1, title="", text="Nurse")
    vectors = dict(
        IndexEntry.objects.extra(select={"v": f"{fulltext.PG_COLUMN}::text"}).values_list(
            "reference", "v"
        )
    )
    assert vectors["old"] == vectors["orm"] == "'nurs'"  # computed again on the upgrade
    assert matching("nurses") == {"old", "new", "orm"}


def test_stop_words_are_keywords_as_on_sqlite() -> None:
    """PostgreSQL's 'english' drops "it", "a", "and": "IT" matched nothing, while SQLite's FTS5
    (porter, every word kept) found it. Our configuration stems and keeps every word."""
    store.upsert(
        "profile",
        None,
        [profile("it", text="IT support technician"), profile("other", text="Support nurse")],
    )
    assert matching("IT") == {"it"}
    assert matching("it support") == {"it"} and matching("support") == {"it", "other"}
    assert matching("supporting") == {"it", "other"}  # still stemmed


def test_vectors_of_the_stop_word_era_are_computed_again() -> None:
    fulltext.ensure()
    with connection.cursor() as cursor:  # the trigger and vectors before 2026-12-01 (evening)
        cursor.execute(
            "CREATE OR REPLACE FUNCTION hrflow_index_tsv() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN NEW.text_tsv := strip(to_tsvector('english'::regconfig, NEW.text)); "
            "RETURN NEW; END $$"
        )
    IndexEntry.objects.create(kind="profile", reference="old", version=1, title="", text="IT lead")
    old = IndexEntry.objects.extra(select={"v": f"{fulltext.PG_COLUMN}::text"}).get().v
    assert old == "'lead'"  # what the old trigger wrote: no "it"
    store.upsert("profile", None, [profile("new", text="Night nurse")])  # ensure() upgrades
    assert matching("it") == {"old"}
