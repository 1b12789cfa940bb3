"""Inserting a batch of rows in one statement: the one place that decides how.

- A plain INSERT is SQLAlchemy Core's `insert(table)` with executemany (on PostgreSQL, one
  prepared statement per row, pipelined). SQLAlchemy keeps it compiled.
- An INSERT with ON CONFLICT needs the dialect's own `insert`, which SQLAlchemy compiles afresh
  on every execution (it cannot key its cache on the ON CONFLICT clause). These statements are
  constants, so they are compiled here once per dialect and sent to the driver as they are
  (`exec_driver_sql`); their values (whole numbers and text, or one JSON text) need no
  conversion on the way.
- On PostgreSQL, rows wanted back (RETURNING) go as one JSON parameter that the database unpacks
  (`json_to_recordset`): as thousands of parameters, psycopg would parse the statement afresh
  for each batch, which took longer than storing the rows.
"""
from __future__ import annotations

import json
from functools import cache
from typing import Any, Sequence

from sqlalchemy import JSON, DateTime, Table, bindparam, column, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from webapp.extensions import db
from webapp.models import UTCDateTime


@cache
def _json_insert_sql(dialect: Dialect, table: Table, names: tuple[str, ...], skip_on: tuple[str, ...],
                     returning: tuple[str, ...]) -> str:
    """PostgreSQL: INSERT ... SELECT FROM json_to_recordset(one JSON parameter), compiled."""
    rows = func.json_to_recordset(bindparam("rows", type_=JSON)).table_valued(
        *(column(name, table.c[name].type) for name in names)
    ).render_derived(with_types=True)
    statement = postgresql.insert(table).from_select(names, select(*(rows.c[name] for name in names)))
    if skip_on:
        statement = statement.on_conflict_do_nothing(index_elements=list(skip_on))
    if returning:
        statement = statement.returning(*(table.c[name] for name in returning))
    return statement.compile(dialect=dialect).string


@cache
def _skipping_statement(table: Table, skip_on: tuple[str, ...], returning: tuple[str, ...]):
    """SQLite: INSERT ... ON CONFLICT DO NOTHING, through SQLAlchemy (which batches RETURNING)."""
    statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(skip_on))
    return statement.returning(*(table.c[name] for name in returning)) if returning else statement


@cache
def _instant_columns(table: Table, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in names if isinstance(table.c[name].type, (DateTime, UTCDateTime)))


def _as_json(table: Table, names: tuple[str, ...], rows: Sequence[dict[str, Any]]) -> str:
    """The rows as one JSON text: instants as ISO 8601 with their offset, which PostgreSQL reads back exactly."""
    instants = _instant_columns(table, names)
    converted = []
    for row in rows:
        row = dict(row)
        for name in instants:
            value = row[name]
            if value is not None:
                row[name] = value.isoformat()
        converted.append(row)
    return json.dumps(converted, ensure_ascii=False, separators=(",", ":"))


def insert_rows(table: Table, rows: Sequence[dict[str, Any]], *, skip_on: Sequence[str] = (),
                returning: Sequence[str] = ()) -> list[tuple] | None:
    """Insert `rows` (each with the same columns) in their order, in one statement.

    `skip_on`: a unique key; a row whose key is stored already is skipped (ON CONFLICT DO
    NOTHING). `returning`: columns of the rows inserted, as a list of tuples.
    """
    if not rows:
        return [] if returning else None
    names = tuple(rows[0])
    dialect = db.engine.dialect
    if dialect.name == "postgresql" and (skip_on or returning):
        sql = _json_insert_sql(dialect, table, names, tuple(skip_on), tuple(returning))
        found = db.session.connection().exec_driver_sql(sql, {"rows": _as_json(table, names, rows)})
        return [tuple(row) for row in found] if returning else None
    if skip_on:
        found = db.session.execute(_skipping_statement(table, tuple(skip_on), tuple(returning)), list(rows))
    else:
        found = db.session.execute(insert(table).returning(*(table.c[name] for name in returning))
                                   if returning else insert(table), list(rows))
    return [tuple(row) for row in found] if returning else None


@cache
def _upsert_sql(dialect: Dialect, table: Table, key: tuple[str, ...], add: str) -> tuple[str, tuple[str, ...] | None]:
    """INSERT ... ON CONFLICT (key) DO UPDATE SET add = add + the new value, compiled: the SQL
    and, for a positional driver, the order of its parameters."""
    statement = (postgresql if dialect.name == "postgresql" else sqlite).insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(key), set_={add: table.c[add] + statement.excluded[add]}
    )
    compiled = statement.compile(dialect=dialect, column_keys=[*key, add])
    return compiled.string, tuple(compiled.positiontup) if compiled.positional else None


def add_to_rows(connection, table: Table, key: tuple[str, ...], add: str, rows: Sequence[dict[str, Any]]) -> None:
    """Add each row's `add` to the stored row with its key, or insert it: one executemany.
    The values must be whole numbers or text (they go to the driver unconverted)."""
    if not rows:
        return
    sql, order = _upsert_sql(connection.dialect, table, tuple(key), add)
    params = [tuple(row[name] for name in order) for row in rows] if order else list(rows)
    connection.exec_driver_sql(sql, params)
