"""Inserting a batch of rows in one statement: the one place that decides how.

On PostgreSQL a big batch whose ids are wanted back (RETURNING) goes as one JSON parameter that
the database unpacks (`json_to_recordset`): as thousands of parameters (SQLAlchemy's multi-row
VALUES), psycopg parses the statement afresh for each batch, which took longer than storing the
rows. Everything else goes the driver's way: executemany (on PostgreSQL one prepared statement
per row, pipelined), or multi-row VALUES for a small batch with RETURNING.
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


# From this many rows, a RETURNING insert on PostgreSQL sends them as one JSON parameter.
JSON_FROM_ROWS = 20


@cache
def _statement(dialect_name: str, table: Table, names: tuple[str, ...], skip_on: tuple[str, ...],
               returning: tuple[str, ...], as_json: bool):
    if as_json:
        rows = func.json_to_recordset(bindparam("rows", type_=JSON)).table_valued(
            *(column(name, table.c[name].type) for name in names)
        ).render_derived(with_types=True)
        statement = postgresql.insert(table).from_select(names, select(*(rows.c[name] for name in names)))
    else:
        dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(dialect_name)
        statement = dialect.insert(table) if dialect else insert(table)
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
    as_json = _as_one_json_parameter(rows, returning)
    statement = _statement(db.engine.dialect.name, table, names, tuple(skip_on), tuple(returning), as_json)
    if as_json:
        return db.session.execute(statement, {"rows": _as_json(table, names, rows)})
    return db.session.execute(statement, list(rows))


def _as_one_json_parameter(rows: Sequence[dict[str, Any]], returning: Sequence[str]) -> bool:
    """PostgreSQL, and a batch whose RETURNING statement would be too big for psycopg to keep
    parsed. Without RETURNING, psycopg sends one small prepared statement per row in a
    pipeline, which is cheaper; so is a small batch as multi-row VALUES."""
    return db.engine.dialect.name == "postgresql" and bool(returning) and len(rows) >= JSON_FROM_ROWS
