"""Database helpers that differ by engine: bookkeeping writes that never make a reader wait."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, Executable, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.sql.dml import UpdateBase

from matchmaker.core.counters import Counter
from matchmaker.core.exceptions import Duplicate
from matchmaker.core.extensions import db

BOOKKEEPING_WAIT_MS = 100
MIGRATIONS_DIR = Path(__file__).parents[1] / "migrations"  # shipped inside the package


def write_if_free(statement: Executable, params: Any = None) -> bool:
    """Run one small bookkeeping write (a "last seen" time) in its own short transaction, giving up
    after a moment if another writer holds the lock: a page view must never queue behind a long
    write for a timestamp. Returns whether it was written."""
    try:
        with db.engine.connect() as connection:
            dialect = connection.dialect.name
            if dialect == "sqlite":
                connection.exec_driver_sql(f"PRAGMA busy_timeout={BOOKKEEPING_WAIT_MS}")
            elif dialect == "postgresql":
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{BOOKKEEPING_WAIT_MS}ms'")
            try:
                connection.execute(statement, params)
                connection.commit()
            finally:
                if dialect == "sqlite":  # the pooled connection goes back with its usual patience
                    busy_ms = int(current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={busy_ms}")
    except OperationalError:
        return False
    return True


def execute_dml(statement: UpdateBase) -> CursorResult[Any]:
    """Run an UPDATE or DELETE in the request's session, for its ``rowcount``.

    Session.execute is typed as returning a plain Result (it cannot promise a cursor for every
    statement), but an UPDATE or DELETE without RETURNING gives a CursorResult: the cast
    SQLAlchemy's typing notes recommend, made in one place."""
    return cast(CursorResult[Any], db.session.execute(statement))


def flush_once(message: str) -> None:
    """Flush rows a unique constraint guards. Two requests at the same moment both pass the "not
    yet there" check; the database lets one in, and the other is ``Duplicate(message)`` (409 in the
    API, a flash on a page), not a 500. A failed flush leaves the session unusable, so the
    transaction is rolled back here: nothing of the refused request is kept."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Duplicate(message) from None


def next_number(name: str) -> int:
    """The next number under ``name`` (1, 2, 3 …), unique even when many requests ask at once.

    The increment is the transaction's first write on the counter row: on SQLite it takes the
    database's write lock, on PostgreSQL the row lock, so concurrent callers queue and each reads
    its own value. Call it before other reads the number depends on, and commit soon after.
    """
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(Counter).values(name=name, value=0).on_conflict_do_nothing())
    db.session.execute(update(Counter).where(Counter.name == name).values(value=Counter.value + 1))
    value = db.session.scalar(select(Counter.value).where(Counter.name == name))
    assert value is not None
    return value
