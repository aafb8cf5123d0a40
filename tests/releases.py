"""Databases of earlier releases, kept as engine-neutral snapshots so the upgrade test can rebuild
them on SQLite or PostgreSQL and migrate them to head.

A snapshot is the JSON of every table's rows in a database the release's own code filled with
``flask demo-data``, plus the revision it was at. Make one for a release (a commit) with

    .venv/bin/python -m tests.releases snapshot COMMIT tests/data/releases/NAME.json

which checks COMMIT out into a temporary worktree, runs that release's ``init-db`` and
``demo-data`` with this checkout's virtual environment, and writes the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, MetaData, select, text
from sqlalchemy import types as sqltypes

RELEASES_DIR = Path(__file__).parent / "data" / "releases"
SKIPPED = {"alembic_version"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def dump(connection: Connection) -> dict[str, Any]:
    """Every row of every table, in primary-key order, and the schema revision."""
    metadata = MetaData()
    metadata.reflect(connection)
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in _in_order(metadata):
        if table.name in SKIPPED:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        rows = connection.execute(select(table).order_by(*order)).mappings()
        tables[table.name] = [{k: _plain(v) for k, v in row.items()} for row in rows]
    return {"revision": revision, "tables": tables}


def _typed(column: Any, value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, sqltypes.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, sqltypes.Date):
        return date.fromisoformat(value)
    if isinstance(kind, sqltypes.Boolean):
        return bool(value)
    if isinstance(kind, sqltypes.Numeric) and not isinstance(kind, sqltypes.Float):
        return Decimal(str(value))
    if isinstance(kind, sqltypes.LargeBinary):
        return bytes.fromhex(value)
    return value


def _in_order(metadata: MetaData) -> list[Any]:
    """Tables with every table a NOT NULL reference needs before them (nullable references may
    form cycles, e.g. postings ↔ pairings; load() writes those afterwards)."""
    needs = {
        t.name: {
            fk.column.table.name
            for fk in t.foreign_keys
            if not fk.parent.nullable and fk.column.table is not t
        }
        for t in metadata.tables.values()
    }
    order: list[Any] = []
    done: set[str] = set()
    while len(order) < len(needs):
        ready = sorted(n for n, deps in needs.items() if n not in done and deps <= done)
        if not ready:
            raise ValueError(f"NOT NULL references form a cycle among {set(needs) - done}")
        for name in ready:
            order.append(metadata.tables[name])
            done.add(name)
    return order


def load(connection: Connection, snapshot: dict[str, Any]) -> None:
    """Write a snapshot's rows into a database migrated to the snapshot's revision (replacing what the migrations seeded). A reference to
    a table not written yet (a cycle) or to its own table is written afterwards; on PostgreSQL
    every id sequence is moved past the ids written."""
    metadata = MetaData()
    metadata.reflect(connection)
    order = _in_order(metadata)
    for table in reversed(order):  # the rows the migrations seeded are in the snapshot too
        if table.name not in SKIPPED:
            connection.execute(table.delete())
    written: set[str] = set()
    later: list[tuple[Any, str, list[dict[str, Any]]]] = []
    for table in order:
        rows = snapshot["tables"].get(table.name) or []
        columns = {c.name: c for c in table.columns}
        deferred = {
            fk.parent.name
            for fk in table.foreign_keys
            if fk.column.table.name not in written or fk.column.table is table
        }
        written.add(table.name)
        if not rows:
            continue
        typed = [{k: _typed(columns[k], v) for k, v in row.items()} for row in rows]
        connection.execute(
            table.insert(), [{k: (None if k in deferred else v) for k, v in r.items()} for r in typed]
        )
        for name in deferred:
            later.append((table, name, [r for r in typed if r.get(name) is not None]))
    for table, name, rows in later:
        key = list(table.primary_key.columns)
        for row in rows:
            connection.execute(
                table.update().where(*(c == row[c.name] for c in key)).values({name: row[name]})
            )
    if connection.dialect.name == "postgresql":
        for table in order:
            for column in table.primary_key.columns:
                sequence = connection.execute(
                    text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
                ).scalar()
                if sequence:
                    connection.execute(
                        text(
                            f'SELECT setval(:s, COALESCE((SELECT MAX("{column.name}") '
                            f'FROM "{table.name}"), 0) + 1, false)'
                        ),
                        {"s": sequence},
                    )


def snapshots() -> list[Path]:
    return sorted(RELEASES_DIR.glob("*.json"))


def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _snapshot(commit: str, out: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    python = root / ".venv" / "bin" / "python"
    with tempfile.TemporaryDirectory() as work:
        tree = Path(work) / "release"
        subprocess.run(["git", "-C", str(root), "worktree", "add", "--detach", str(tree), commit], check=True)
        try:
            database = Path(work) / "release.sqlite3"
            env = {
                **os.environ,
                "PYTHONPATH": str(tree),
                "MATCHMAKER_SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                "MATCHMAKER_SECRET_KEY": "release-snapshot",
            }
            for command in (["init-db"], ["demo-data"]):
                subprocess.run(
                    [str(python), "-m", "flask", "--app", "matchmaker", *command],
                    cwd=tree,
                    env=env,
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
            from sqlalchemy import create_engine

            engine = create_engine(f"sqlite:///{database}")
            with engine.connect() as connection:
                data = dump(connection)
            engine.dispose()
            data["release"] = subprocess.run(
                ["git", "-C", str(root), "log", "-1", "--format=%h %s", commit],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()[:120]
        finally:
            subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(tree)], check=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    rows = sum(len(r) for r in data["tables"].values())
    print(f"{out}: revision {data['revision']}, {len(data['tables'])} tables, {rows} rows")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "snapshot":
        sys.exit("usage: python -m tests.releases snapshot COMMIT OUT.json")
    _snapshot(sys.argv[2], Path(sys.argv[3]))
