"""Full-text search on both engines: MariaDB / MySQL FULLTEXT (InnoDB, boolean mode) and SQLite
FTS5, behind two SQL constructs, `Match` (a WHERE condition) and `Score` (a relevance, higher is
better), and one rule for turning what a person typed into a query (`words`, `query_text`).

The structures are created by migrations 0008_scale (tasks) and 0015_saved_views (comments,
incidents, incident responses; `BY_MIGRATION`), outside the models' metadata (Alembic's compare
skips `OBJECTS`):

- MariaDB: a FULLTEXT index per searched table (`ix_<table>_fulltext`) on its text columns. InnoDB
  ignores words shorter than `innodb_ft_min_token_size` (3) and its default stop words (MariaDB
  Knowledge Base, "Full-Text Index Stopwords"); `words` drops them too, so both engines answer the
  same query the same way, and a query left with no word falls back (the caller decides how).
- SQLite: an external-content FTS5 table `<table>_fts` (SQLite FTS5 documentation, §4.4.3
  "External Content Tables") kept in step with the table by three triggers.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

MIN_WORD = 3  # InnoDB's innodb_ft_min_token_size default
MAX_WORDS = 8
# InnoDB's default full-text stop words (INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD).
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "an",
        "are",
        "as",
        "at",
        "be",
        "by",
        "com",
        "de",
        "en",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "la",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "who",
        "will",
        "with",
        "und",
        "www",
    ]
)
# table -> (its FTS5 table on SQLite, its searched columns, its FULLTEXT index on MariaDB)
SEARCHED = {
    "tasks": ("tasks_fts", ("title", "description"), "ix_tasks_fulltext"),
    # the one search (api/search): created by 0015_saved_views
    "task_comments": ("task_comments_fts", ("body",), "ix_task_comments_fulltext"),
    "incidents": ("incidents_fts", ("title", "description"), "ix_incidents_fulltext"),
    "incident_responses": ("incident_responses_fts", ("body",), "ix_incident_responses_fulltext"),
}
# The tables each migration gives full-text structures to. On SQLite a later migration that
# rebuilds one of these tables (a batch ALTER: a new foreign key, a changed column) drops its
# FTS5 triggers with it, so such a migration must `drop` and `create` them again.
BY_MIGRATION = {
    "0008_scale": ("tasks",),
    "0015_saved_views": ("task_comments", "incidents", "incident_responses"),
}
# What Alembic's compare must not report: created by the migrations, not described by the models.
OBJECTS = frozenset(
    name
    for fts, _columns, index in SEARCHED.values()
    for name in (
        fts,
        index,
        *(f"{fts}_{suffix}" for suffix in ("data", "idx", "docsize", "config")),
    )
)
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The searchable words of `text`: lower-cased runs of letters and digits, at least
    MIN_WORD long, not stop words, the first MAX_WORDS of them. Empty: no full-text search."""
    found = [w.lower() for w in _WORD.findall(text)]
    kept = [w for w in found if len(w) >= MIN_WORD and w not in STOPWORDS]
    return list(dict.fromkeys(kept))[:MAX_WORDS]


def query_text(found: list[str], dialect: str) -> str:
    """The engine's query for rows holding every word of `found`, each as a prefix.

    MariaDB boolean mode: `+invoice* +march*`; FTS5: `"invoice"* AND "march"*`. The words
    hold only letters and digits (`words`), so no operator of either syntax can slip in.
    """
    if dialect == "sqlite":
        return " AND ".join(f'"{w}"*' for w in found)
    return " ".join(f"+{w}*" for w in found)


class Match(FunctionElement[float]):
    """True where the row matches the full-text query bound as the last argument.

    `Match(table.c.id, table.c.title, table.c.description, sa.bindparam("q_ft"))`.
    """

    name = "fulltext_match"
    type = sa.Float()  # not Boolean: see _match_mysql
    inherit_cache = True


class Score(FunctionElement[float]):
    """The row's relevance to the full-text query (higher is better); same arguments as Match."""

    name = "fulltext_score"
    type = sa.Float()
    inherit_cache = True


def _parts(element: Any, compiler: Any, **kw: Any) -> tuple[str, list[str], str, str]:
    id_column, *columns, query = element.clauses.clauses
    table = id_column.table.name
    return (
        compiler.process(id_column, **kw),
        [compiler.process(c, **kw) for c in columns],
        compiler.process(query, **kw),
        table,
    )


@compiles(Score, "mysql")
@compiles(Score, "mariadb")
def _score_mysql(element: Any, compiler: Any, **kw: Any) -> str:
    _id, columns, query, _table = _parts(element, compiler, **kw)
    return f"MATCH ({', '.join(columns)}) AGAINST ({query} IN BOOLEAN MODE)"


@compiles(Match, "mysql")
@compiles(Match, "mariadb")
def _match_mysql(element: Any, compiler: Any, **kw: Any) -> str:
    # Bare: MariaDB reads the FULLTEXT index only for a MATCH standing alone in WHERE (not for
    # `MATCH(...) > 0`, nor the `= 1` SQLAlchemy adds to a Boolean term, hence Match's type).
    return _score_mysql(element, compiler, **kw)


@compiles(Match, "sqlite")
def _match_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    id_sql, _columns, query, table = _parts(element, compiler, **kw)
    fts = SEARCHED[table][0]
    return f"{id_sql} IN (SELECT rowid FROM {fts} WHERE {fts} MATCH {query})"  # noqa: S608 - names from SEARCHED  # nosec B608


@compiles(Score, "sqlite")
def _score_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    id_sql, _columns, query, table = _parts(element, compiler, **kw)
    fts = SEARCHED[table][0]
    # FTS5's rank is bm25(), lower is better.
    return f"(SELECT -rank FROM {fts} WHERE {fts} MATCH {query} AND rowid = {id_sql})"  # noqa: S608 - names from SEARCHED  # nosec B608


def create(op: Any, migration: str) -> None:
    """Create the full-text structures of `migration`'s tables (`BY_MIGRATION`) with Alembic's
    `op`: a FULLTEXT index on MariaDB / MySQL, an FTS5 table and its triggers on SQLite."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in BY_MIGRATION[migration]:
        _fts, columns, index = SEARCHED[table]
        if sqlite:
            for statement in sqlite_ddl(table):
                op.execute(statement)
        else:
            op.execute(f"CREATE FULLTEXT INDEX {index} ON {table} ({', '.join(columns)})")


def drop(op: Any, migration: str) -> None:
    """Undo `create(op, migration)`."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in reversed(BY_MIGRATION[migration]):
        if sqlite:
            for statement in sqlite_drop(table):
                op.execute(statement)
        else:
            op.drop_index(SEARCHED[table][2], table_name=table)


def sqlite_ddl(table: str) -> list[str]:
    """The statements creating `table`'s FTS5 table, its triggers, and filling it."""
    fts, columns, _index = SEARCHED[table]
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='id')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "  # noqa: S608 - names from SEARCHED  # nosec B608
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "  # noqa: S608 - names from SEARCHED  # nosec B608
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN "  # noqa: S608 - names from SEARCHED  # nosec B608
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # noqa: S608 - names from SEARCHED  # nosec B608
    ]


def sqlite_drop(table: str) -> list[str]:
    """The statements undoing `sqlite_ddl(table)`."""
    fts = SEARCHED[table][0]
    return [
        *(f"DROP TRIGGER IF EXISTS {fts}_{s}" for s in ("ai", "ad", "au")),
        f"DROP TABLE IF EXISTS {fts}",
    ]
