"""Reading the journal with a cursor of one's own: what each consumer (a machine's search index,
the notifications) has applied, so none deletes anything and several can read the same entries.

The trap this avoids: on PostgreSQL an id is taken from the sequence when a row is inserted, not
when it commits, so entry 41 can become visible after entry 42 has been read. A cursor that just
remembered "the highest id read" would skip 41 for ever. A ``Cursor`` therefore remembers
``upto`` — every id at or below it is dealt with — plus the ids above it already applied, and a
missing id (a gap) holds ``upto`` back until it appears or until GAP_TIMEOUT has passed since it
was first noticed (then it is taken to be a rolled-back transaction's, which never appears).
Applying an entry is idempotent for every consumer, so reading one twice after a crash is safe.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from matchmaker.core.journal import JournalEntry

GAP_TIMEOUT = 15 * 60.0  # seconds; longer than any transaction of ours (a 20,000-row CLI import)
WINDOW = 1000  # ids below the newest looked at for gaps when a cursor starts from a snapshot


@dataclass
class Cursor:
    """How far a consumer has read the journal."""

    upto: int = 0
    applied: set[int] = field(default_factory=set)  # ids above ``upto`` already applied
    gap_since: float | None = None  # when the first missing id above ``upto`` was noticed

    def to_json(self) -> dict[str, Any]:
        return {"upto": self.upto, "applied": sorted(self.applied), "gap_since": self.gap_since}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Cursor:
        return cls(int(data.get("upto", 0)), set(map(int, data.get("applied", []))), data.get("gap_since"))

    def advance(self, seen: list[int], *, now: float | None = None) -> None:
        """Note ``seen`` ids as applied and move ``upto`` over every id that is settled."""
        now = time.time() if now is None else now
        self.applied.update(i for i in seen if i > self.upto)
        while self.applied:
            if self.upto + 1 in self.applied:
                self.upto += 1
                self.applied.discard(self.upto)
                self.gap_since = None
                continue
            # A gap below ids already applied: wait for it, or give it up once old enough.
            if self.gap_since is None:
                self.gap_since = now
            if now - self.gap_since < GAP_TIMEOUT:
                break
            self.upto = min(self.applied) - 1  # the whole run of missing ids is given up
            self.gap_since = None

    @classmethod
    def for_snapshot(cls, session: Session, newest: int) -> Cursor:
        """A cursor for a snapshot (read in ``session``) that holds everything visible up to
        ``newest``: ids missing in the last WINDOW below it may still be in flight, so they stay
        open as a gap."""
        visible = list(
            session.scalars(
                select(JournalEntry.id).where(JournalEntry.id > newest - WINDOW, JournalEntry.id <= newest)
            )
        )
        cursor = cls(upto=max(newest - WINDOW, 0))
        cursor.advance(visible)
        return cursor


@dataclass(frozen=True)
class Change:
    """One journal entry as a consumer sees it."""

    id: int
    action: str
    object_type: str
    object_id: int | None


def unread(bind: Engine, cursor: Cursor, *, batch: int = 2000) -> Iterator[list[Change]]:
    """Batches of the entries the cursor has not applied yet, oldest first."""
    after = cursor.upto
    while True:
        with Session(bind) as session:
            rows = session.execute(
                select(JournalEntry.id, JournalEntry.action, JournalEntry.object_type, JournalEntry.object_id)
                .where(JournalEntry.id > after)
                .order_by(JournalEntry.id)
                .limit(batch)
            ).all()
        if not rows:
            return
        yield [Change(*row) for row in rows if row[0] not in cursor.applied]
        after = rows[-1][0]
        if len(rows) < batch:
            return


def newest_id(bind: Engine) -> int:
    with Session(bind) as session:
        return session.scalar(select(func.max(JournalEntry.id))) or 0


class FileCursor:
    """A cursor kept in a file beside what it feeds (a search index: one per machine)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Cursor | None:
        try:
            return Cursor.from_json(json.loads(self.path.read_text()))
        except (OSError, ValueError):
            return None

    def save(self, cursor: Cursor) -> None:
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(cursor.to_json()))
        os.replace(tmp, self.path)
