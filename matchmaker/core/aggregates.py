"""SQL the two engines spell differently, for figures computed in the database: the site-local date
of a stored moment, days and hours between two values, and a median.

Each is one expression (or one statement) on both engines, with the same result: PostgreSQL
converts time zones and takes ``percentile_cont``; SQLite gets ``mm_local_date`` registered on
every connection (``register_sqlite_functions``) and takes the median with a window over the
ordered values. Counting pages use these so their statement count does not grow with the data.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Float, Integer, Select, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from matchmaker.core import clock
from matchmaker.core.extensions import db


def _local_date_text(moment: str | None, zone: str | None) -> str | None:
    """SQLite's ``mm_local_date(moment, zone)``: the stored UTC moment's date in ``zone``."""
    if moment is None:
        return None
    value = datetime.fromisoformat(str(moment))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(zone or clock.DEFAULT_TIMEZONE)).date().isoformat()


def register_sqlite_functions(connection: sqlite3.Connection) -> None:
    """The functions the expressions below call on SQLite (from the engine's connect event)."""
    connection.create_function("mm_local_date", 2, _local_date_text, deterministic=True)


@cache
def _fixed_offset(zone: str) -> str | None:
    """``zone``'s offset as an SQLite date modifier ("+480 minutes") when it has had one offset all
    year round since 2000 (Asia/Shanghai), else None."""
    tz = ZoneInfo(zone)
    offsets = {tz.utcoffset(datetime(y, m, 1)) for y in range(2000, 2101) for m in (1, 4, 7, 10)}
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    assert offset is not None
    return f"{int(offset.total_seconds() // 60):+d} minutes"


def local_date(moment: ColumnElement[Any]) -> ColumnElement[Any]:
    """The date of a stored moment in the site's zone (clock.zone()). On SQLite, for a zone with
    one offset (moments from 2000 on), a date modifier; for any other zone the registered
    ``mm_local_date``."""
    zone = clock.zone_name()
    fixed = _fixed_offset(zone)
    if fixed is not None:
        return _shifted_date(moment, literal(zone), literal(fixed))
    return _zoned_date(moment, literal(zone))


class _zoned_date(FunctionElement[Any]):
    type = Date()
    inherit_cache = True
    name = "zoned_date"


class _shifted_date(FunctionElement[Any]):
    type = Date()
    inherit_cache = True
    name = "shifted_date"


@compiles(_zoned_date, "postgresql")
@compiles(_shifted_date, "postgresql")
def _local_date_pg(element: Any, compiler: SQLCompiler, **kw: Any) -> str:
    moment, zone = list(element.clauses)[:2]
    return f"CAST(timezone({compiler.process(zone, **kw)}, {compiler.process(moment, **kw)}) AS DATE)"


@compiles(_zoned_date)
def _zoned_date_sqlite(element: _zoned_date, compiler: SQLCompiler, **kw: Any) -> str:
    moment, zone = list(element.clauses)
    return f"mm_local_date({compiler.process(moment, **kw)}, {compiler.process(zone, **kw)})"


@compiles(_shifted_date)
def _shifted_date_sqlite(element: _shifted_date, compiler: SQLCompiler, **kw: Any) -> str:
    moment, _, modifier = list(element.clauses)
    return f"date({compiler.process(moment, **kw)}, {compiler.process(modifier, **kw)})"


class days_between(FunctionElement[Any]):
    """``days_between(later, earlier)``: whole days from one date to another (may be negative)."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "postgresql")
def _days_pg(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"(CAST({compiler.process(later, **kw)} AS DATE) - CAST({compiler.process(earlier, **kw)} AS DATE))"
    )


@compiles(days_between)
def _days_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"CAST(round(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)})) AS INTEGER)"
    )


class hours_between(FunctionElement[Any]):
    """``hours_between(later, earlier)``: the hours (with fractions) from one moment to another."""

    type = Float()
    inherit_cache = True
    name = "hours_between"


@compiles(hours_between, "postgresql")
def _hours_pg(element: hours_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"
        " / 3600.0)"
    )


@compiles(hours_between)
def _hours_sqlite(element: hours_between, compiler: SQLCompiler, **kw: Any) -> str:
    # Whole seconds from strftime, microseconds from the stored text (YYYY-MM-DD HH:MM:SS.ffffff):
    # exact, where julianday's days-as-a-double would be some microseconds off.
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return (
        f"(((strftime('%s', {later}) - strftime('%s', {earlier}))"
        f" + (CAST(substr({later}, 21, 6) AS INTEGER) - CAST(substr({earlier}, 21, 6) AS INTEGER))"
        " / 1000000.0) / 3600.0)"
    )


def median_and_count(values: Select[Any]) -> tuple[float | None, int]:
    """The median of the one column ``values`` selects (the mean of the middle two when their
    number is even, as ``statistics.median``) and how many there are — in one statement, without
    fetching the values."""
    inner = values.subquery()
    value = inner.c[0]
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = select(func.percentile_cont(0.5).within_group(value), func.count())
    else:
        ranked = select(
            value.label("v"),
            func.row_number().over(order_by=value).label("rn"),
            func.count().over().label("n"),
        ).subquery()
        middle = ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
        stmt = select(func.avg(ranked.c.v).filter(middle), func.count()).select_from(ranked)
    row = db.session.execute(stmt).one()
    median, count = row[0], int(row[1] or 0)
    return (float(median) if median is not None and count else None), count
