"""Lexical retrieval: SQLite FTS5 or PostgreSQL full-text search, BM25-style ranking.

The schema lives outside Django's models: an FTS5 external-content table kept in sync
by triggers on SQLite, and a generated, GIN-indexed tsvector column on PostgreSQL.
Both follow every insert and update, including the bulk ones of `upsert_records`,
with no Python on the ingest path. `ensure_schema` creates what is missing; it runs
from the migration and again after every `migrate`, because SQLite drops a table's
triggers when a later migration rebuilds that table.

User text never reaches MATCH or tsquery syntax: it is cut into plain word tokens,
each quoted (FTS5) or passed as a bound parameter (PostgreSQL), and OR-ed together.
"""

from __future__ import annotations

import math
import re
import time

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

FTS_TABLE = "search_paperfts"
TITLE_WEIGHT = 4.0  # against 1.0 for the abstract
MAX_TERMS = 32
MAX_TERM_LENGTH = 64
# Words that match most papers: they add nothing to BM25 but cost a scan each.
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for
from further had has have having he her here hers him his how i if in into is it its
itself just me more most my no nor not now of off on once only or other our ours out over
own same she should so some such than that the their theirs them then there these they
this those through to too under until up very was we were what when where which while
who whom why will with would you your yours near via using use based towards toward
""".split())  # noqa: SIM905  (a word list reads better as text)
_WORD = re.compile(r"[^\W_]+")

PENDING_TABLE = "search_pending"
# A new paper is only noted in the pending table; `index_pending` indexes a whole batch
# in one statement at the end of each ingest batch, and before any search. Measured on
# the snapshot sample: per-row FTS5 inserts from a trigger ran at 14k rows/s, the batched
# statement at 33k, which is the difference between a 2k and a 5k papers/s ingest.
# Updates and deletes of indexed papers are rare and stay direct.
_SQLITE_TRIGGERS = {
    "search_paperfts_pend": f"""
        CREATE TRIGGER IF NOT EXISTS search_paperfts_pend AFTER INSERT ON papers_paper BEGIN
            INSERT OR IGNORE INTO {PENDING_TABLE}(id) VALUES (new.id);
        END""",
    "search_paperfts_del": f"""
        CREATE TRIGGER IF NOT EXISTS search_paperfts_del AFTER DELETE ON papers_paper BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, abstract)
            SELECT 'delete', old.id, old.title, old.abstract
            WHERE NOT EXISTS (SELECT 1 FROM {PENDING_TABLE} WHERE id = old.id);
            DELETE FROM {PENDING_TABLE} WHERE id = old.id;
        END""",
    "search_paperfts_upd": f"""
        CREATE TRIGGER IF NOT EXISTS search_paperfts_upd AFTER UPDATE OF title, abstract
        ON papers_paper
        WHEN (old.title IS NOT new.title OR old.abstract IS NOT new.abstract)
            AND NOT EXISTS (SELECT 1 FROM {PENDING_TABLE} WHERE id = old.id) BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, abstract)
            VALUES ('delete', old.id, old.title, old.abstract);
            INSERT INTO {FTS_TABLE}(rowid, title, abstract)
            VALUES (new.id, new.title, new.abstract);
        END""",
}
_OLD_TRIGGERS = ("search_paperfts_ai", "search_paperfts_ad", "search_paperfts_au")


def index_pending(conn: BaseDatabaseWrapper | None = None) -> None:
    """Index the papers inserted since the last call (SQLite; PostgreSQL needs nothing)."""
    conn = conn or connection
    if conn.vendor != "sqlite":
        return
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {PENDING_TABLE} LIMIT 1")
        if cursor.fetchone() is None:
            return
        cursor.execute(
            f"INSERT INTO {FTS_TABLE}(rowid, title, abstract) "
            f"SELECT p.id, p.title, p.abstract FROM {PENDING_TABLE} "
            f"JOIN papers_paper p USING (id)")
        cursor.execute(f"DELETE FROM {PENDING_TABLE}")


_PG_COLUMN = """
    ALTER TABLE papers_paper ADD COLUMN IF NOT EXISTS search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english'::regconfig, coalesce(abstract, '')), 'B')
    ) STORED"""
_PG_INDEX = """
    CREATE INDEX IF NOT EXISTS papers_paper_search_vector
    ON papers_paper USING GIN (search_vector)"""


def ensure_schema(conn: BaseDatabaseWrapper) -> None:
    """Create the full-text table, triggers or column that are missing."""
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'search_paperfts%'")
            present = {row[0] for row in cursor.fetchall()}
            if FTS_TABLE not in present:
                cursor.execute(f"""
                    CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
                        title, abstract, content='papers_paper', content_rowid='id',
                        tokenize='porter unicode61 remove_diacritics 2')""")
                cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) "
                               f"VALUES ('rank', 'bm25({TITLE_WEIGHT}, 1.0)')")
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {PENDING_TABLE} "
                           "(id INTEGER PRIMARY KEY)")
            for name in _OLD_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            for name, sql in _SQLITE_TRIGGERS.items():
                if name not in present:
                    cursor.execute(sql)
            if not {FTS_TABLE, *_SQLITE_TRIGGERS} <= present:
                # Papers written while a trigger was missing: index everything again.
                cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
                cursor.execute(f"DELETE FROM {PENDING_TABLE}")
        elif conn.vendor == "postgresql":
            cursor.execute(_PG_COLUMN)
            cursor.execute(_PG_INDEX)


def drop_schema(conn: BaseDatabaseWrapper) -> None:
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            for name in (*_SQLITE_TRIGGERS, *_OLD_TRIGGERS):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
            cursor.execute(f"DROP TABLE IF EXISTS {PENDING_TABLE}")
        elif conn.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS papers_paper_search_vector")
            cursor.execute("ALTER TABLE papers_paper DROP COLUMN IF EXISTS search_vector")


def query_terms(text: str) -> list[str]:
    """Plain lower-case word tokens of a query, stop words and repeats dropped."""
    terms: list[str] = []
    for word in _WORD.findall(text[:10_000].lower()):
        if word in STOPWORDS or len(word) > MAX_TERM_LENGTH or word in terms:
            continue
        terms.append(word)
        if len(terms) == MAX_TERMS:
            break
    return terms


def fts5_match(terms: list[str]) -> str:
    """An FTS5 MATCH expression: each term a quoted string, any of them may match."""
    # A term holds only letters and digits, so it cannot close its quotes.
    return " OR ".join(f'"{t}"' for t in terms)


def lexical_search(text: str, limit: int,
                   allowed_sql: tuple[str, list] | None = None) -> list[tuple[int, float]]:
    """(paper id, score) best first; higher scores are better.

    `allowed_sql` is a SELECT of the paper ids the filters allow; it is applied inside
    the full-text query, so a filter never empties a page cut before it.
    """
    terms = query_terms(text)
    if not terms or limit <= 0:
        return []
    params = list(allowed_sql[1]) if allowed_sql is not None else []

    def where(column: str) -> str:
        return f" AND {column} IN ({allowed_sql[0]})" if allowed_sql is not None else ""

    index_pending()  # papers written outside an ingest batch (admin, tests) are found too
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            sql = (f"SELECT rowid, rank FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
                   + where("rowid") + " ORDER BY rank LIMIT %s")
            match, fallback = _sqlite_match(cursor, terms)
            cursor.execute(sql, [match, *params, limit])
            rows = cursor.fetchall()
            if not rows and fallback:
                cursor.execute(sql, [fallback, *params, limit])
                rows = cursor.fetchall()
            # FTS5's bm25() is negative, best lowest.
            return [(pk, -score) for pk, score in rows]
        if connection.vendor == "postgresql":
            return _postgres_search(cursor, terms, limit, where("id"), params)
    raise NotImplementedError(f"no full-text search for {connection.vendor}")


def with_every_term(text: str, ids: list[int]) -> set[int]:
    """Those of `ids` (papers the lexical search found) that hold every word of the
    query: a real match whatever their score (search.query.real_matches)."""
    terms = query_terms(text)
    if len(terms) < 2 or not ids:
        return set(ids) if terms else set()
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
                           f"AND rowid IN ({marks})",
                           [" AND ".join(f'"{t}"' for t in terms), *ids])
        else:
            every = " && ".join(["plainto_tsquery('english'::regconfig, %s)"] * len(terms))
            cursor.execute(f"SELECT id FROM papers_paper WHERE search_vector @@ ({every}) "
                           f"AND id IN ({marks})", [*terms, *ids])
        return {row[0] for row in cursor.fetchall()}


_df_cache: dict[str, tuple[float, int]] = {}
DF_TTL = 300.0  # seconds a term's document frequency is reused
PRUNE_ABOVE = 5_000  # papers from which SQLite leaves very common words out of a query
COMMON = 0.1  # a word in more than this share of papers is "very common"
POSTINGS_BUDGET = 8_000  # papers one OR query may score, summed over its words...
MIN_TERMS = 2  # ...except that the rarest two words always count


def _sqlite_match(cursor, terms: list[str]) -> tuple[str, str | None]:
    """The MATCH expression, and a looser one to try when it finds nothing.

    OR over every word makes FTS5 score each paper holding any of them: on a large
    corpus, words like "model" alone match half of it. There the query keeps its
    selective words (OR), or, when every word is common, asks for all of them (AND);
    common words add little to BM25 anyway.
    """
    cursor.execute("SELECT max(id) FROM papers_paper")
    size = cursor.fetchone()[0] or 0
    if size < PRUNE_ABOVE:
        return fts5_match(terms), None
    now = time.monotonic()
    dfs = {}
    for term in terms:
        key = f"{size // 1000}:{term}"  # a cached count lives until the corpus grows
        cached = _df_cache.get(key)
        if cached is None or now - cached[0] >= DF_TTL:
            cursor.execute(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",
                           [f'"{term}"'])
            cached = _df_cache[key] = (now, cursor.fetchone()[0])
        dfs[term] = cached[1]
    present = sorted((t for t in terms if dfs[t]), key=dfs.__getitem__)
    if not present:
        return fts5_match(terms), None
    selective = [t for t in present if dfs[t] <= COMMON * size]
    if selective:
        # FTS5 scores every paper holding any word of an OR: the work grows with the sum
        # of their document counts. Keep the rarest words (they carry most of BM25's
        # weight) up to a budget of postings, so a long query costs what a short one does.
        kept, postings = [], 0
        for term in selective:
            if len(kept) >= MIN_TERMS and postings + dfs[term] > POSTINGS_BUDGET:
                break
            kept.append(term)
            postings += dfs[term]
        return fts5_match(kept), None
    return " AND ".join(f'"{t}"' for t in present[:4]), f'"{present[0]}"'


def _document_frequencies(cursor, terms: list[str]) -> tuple[int, dict[str, int]]:
    """How many papers hold each term (cached a while) and about how many papers exist."""
    now = time.monotonic()
    missing = [t for t in terms if now - _df_cache.get(t, (-DF_TTL, 0))[0] >= DF_TTL]
    if missing:
        selects = ", ".join(
            ["count(*) FILTER (WHERE search_vector @@ plainto_tsquery('english'::regconfig, %s))"]
            * len(missing))
        any_of = " || ".join(["plainto_tsquery('english'::regconfig, %s)"] * len(missing))
        cursor.execute(f"SELECT {selects} FROM papers_paper WHERE search_vector @@ ({any_of})",
                       [*missing, *missing])
        for term, df in zip(missing, cursor.fetchone(), strict=True):
            _df_cache[term] = (now, df)
    cursor.execute("SELECT greatest(reltuples::bigint, 1) FROM pg_class "
                   "WHERE relname = 'papers_paper'")
    total = max(int(cursor.fetchone()[0]), max(_df_cache[t][1] for t in terms), 1)
    return total, {t: _df_cache[t][1] for t in terms}


def _postgres_search(cursor, terms: list[str], limit: int, where: str,
                     params: list) -> list[tuple[int, float]]:
    # ts_rank knows nothing of how rare a word is; weigh each term's rank by its BM25
    # inverse document frequency so "speculative" counts for more than "model".
    # A cached count may be a little old; a word new since then counts as rare.
    total, dfs = _document_frequencies(cursor, terms)
    idf = [math.log(1 + (total - dfs[t] + 0.5) / (dfs[t] + 0.5)) for t in terms]
    names = [f"q{i}" for i in range(len(terms))]
    queries = ", ".join(f"plainto_tsquery('english'::regconfig, %s) AS {n}" for n in names)
    score = " + ".join(f"%s * ts_rank('{{0.1, 0.2, 0.4, 1.0}}', search_vector, {n})"
                       for n in names)
    cursor.execute(
        f"SELECT id, {score} AS score FROM papers_paper, (SELECT {queries}) AS query "
        f"WHERE search_vector @@ ({' || '.join(names)}) AND NOT is_hidden{where} "
        "ORDER BY score DESC, id LIMIT %s",
        [*idf, *terms, *params, limit])
    return list(cursor.fetchall())
