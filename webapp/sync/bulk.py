"""Inserting a batch of rows in one statement: the one place that decides how.

On PostgreSQL the rows go as one JSON parameter that the database unpacks
(`json_to_recordset`): as thousands of parameters (SQLAlchemy's multi-row VALUES), psycopg
parses the statement afresh for each batch, which took longer than storing the rows. SQLite
takes them with the driver's executemany.
"""
from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, Sequence

from sqlalchemy import JSON, DateTime, Table, bindparam, column, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Result

from webapp.extensions import db
from webapp.models import UTCDateTime


@cache
def _statement(dialect_name: str, table: Table, names: tuple[str, ...], skip_on: tuple[str, ...],
               returning: tuple[str, ...]):
    if dialect_name == "postgresql":
        rows = func.json_to_recordset(bindparam("rows", type_=JSON)).table_valued(
            *(column(name, table.c[name].type) for name in names)
        ).render_derived(with_types=True)
        statement = postgresql.insert(table).from_select(names, select(*(rows.c[name] for name in names)))
    else:
        statement = (sqlite.insert(table) if dialect_name == "sqlite" else insert(table))
    if skip_on:
        statement = statement.on_conflict_do_nothing(index_elements=list(skip_on))
    if returning:
        statement = statement.returning(*(table.c[name] for name in returning))
    return statement


@cache
def _instant_columns(table: Table, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in names if isinstance(table.c[name].type, (DateTime, UTCDateTime)))


def _as_json(table: Table, names: tuple[str, ...], rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as JSON values: instants as ISO 8601 with their offset, which PostgreSQL reads back exactly."""
    instants = _instant_columns(table, names)
    converted = []
    for row in rows:
        row = dict(row)
        for name in instants:
            value = row[name]
            if value is not None:
                row[name] = value.isoformat()
        converted.append(row)
    return converted


def insert_rows(table: Table, rows: Sequence[dict[str, Any]], *, skip_on: Sequence[str] = (),
                returning: Sequence[str] = ()) -> Result | None:
    """Insert `rows` (each with the same columns) in their order, in one statement.

    `skip_on`: a unique key; a row whose key is stored already is skipped (ON CONFLICT DO
    NOTHING). `returning`: columns of the rows inserted, as the result.
    """
    if not rows:
        return None
    names = tuple(rows[0])
    statement = _statement(db.engine.dialect.name, table, names, tuple(skip_on), tuple(returning))
    if db.engine.dialect.name == "postgresql":
        return db.session.execute(statement, {"rows": _as_json(table, names, rows)})
    return db.session.execute(statement, list(rows))
