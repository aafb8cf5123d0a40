"""Keeping this machine's index in step with the database: a journal consumer with its own cursor.

Every change to a posting has its journal entry in the change's own transaction (services and
state-change methods write it; ``after_flush`` adds a plain ``posting.changed`` entry for a change
made any other way, so nothing escapes). After a commit that journaled a posting, this process
reads the journal past its index's cursor (kept in the index folder, so each machine has its own
and nobody deletes anything) and rewrites those postings' documents from their current state, under
the indexer lock. A rollback takes the entries with it; a crash, a busy lock or a write error
leaves the cursor behind, and the next commit, search or start-up catches up.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Engine, Select, create_engine, func, insert, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from matchmaker.core.consumers import Cursor, FileCursor, newest_id, unread
from matchmaker.core.journal import UNRESOLVED, WRITTEN, JournalEntry, origin
from matchmaker.core.models import utcnow
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingStatus
from matchmaker.search.documents import document_for, is_indexed, stamp
from matchmaker.search.engine import IndexBusy, IndexStore, write_segment

TOUCHED = "matchmaker.search.touched"  # this transaction journaled a posting: drain after commit
JOURNALED = "matchmaker.search.journaled"  # postings (objects) with an entry in this transaction
CURSOR_FILE = "cursor.json"
BATCH = 2000


def cursor_store(store: IndexStore) -> FileCursor:
    return FileCursor(store.path / CURSOR_FILE)


# --- capture (session events) ----------------------------------------------------------------


def after_flush(session: Session, _context: UOWTransaction) -> None:
    """Every posting this flush changed has a journal entry in this transaction."""
    journaled: set[int] = session.info.setdefault(JOURNALED, set())
    for entry in (o for o in session.new if isinstance(o, JournalEntry) and o.object_type == "posting"):
        session.info[TOUCHED] = True
        if entry.object_id is not None:
            journaled.add(entry.object_id)
    for _entry, target in session.info.get(UNRESOLVED, []):
        if isinstance(target, Posting) and target.id is not None:
            journaled.add(target.id)
    changed = [o for o in (*session.new, *session.deleted) if isinstance(o, Posting)]
    changed += [
        o
        for o in session.dirty
        if isinstance(o, Posting) and session.is_modified(o, include_collections=False)
    ]
    unjournaled = sorted({p.id for p in changed if p.id is not None} - journaled)
    if unjournaled:
        # Changed outside a service (a script, a test, a bulk fix): journaled all the same, in this
        # transaction, so no index misses it. Core rows: no ORM objects are added mid-flush.
        session.connection().execute(
            insert(JournalEntry.__table__),
            [
                {
                    "at": utcnow(),
                    "action": "posting.changed",
                    "object_type": "posting",
                    "object_id": i,
                    "address": origin.get(),
                }
                for i in unjournaled
            ],
        )
        journaled.update(unjournaled)
        session.info[TOUCHED] = True
        session.info[WRITTEN] = True


def after_commit(session: Session) -> None:
    """Bring this machine's index up to date as soon as the change is durable (a savepoint's
    release is not: its transaction goes on, and its own commit comes back here)."""
    if session.in_nested_transaction():
        return
    session.info.pop(JOURNALED, None)
    if session.info.pop(TOUCHED, None) and has_app_context() and "search" in current_app.extensions:
        store: IndexStore = current_app.extensions["search"]
        try:
            make_ready(store, session.get_bind().engine)
            # Wait a moment for another process's round rather than leave our entry to it: one
            # that was about to stop (nothing new in its last look) would leave it for the next
            # commit or search. Rounds take a fraction of a second; a rebuild takes minutes and
            # applies the journal after its swap, so then nobody waits.
            rebuilding = store.read_status().get("state") == "running"
            drain(store, session.get_bind().engine, wait=0.0 if rebuilding else AFTER_COMMIT_WAIT)
        except Exception:  # the change is committed; the journal keeps it for the next drain
            current_app.logger.exception("search index update deferred")


def after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        # Back to a savepoint: the entries written before it stay (TOUCHED too); which postings
        # have one is forgotten, so a later change writes its own (a repeat costs nothing).
        session.info.pop(JOURNALED, None)
        return
    session.info.pop(TOUCHED, None)  # the entries were rolled back with the change
    session.info.pop(JOURNALED, None)


# --- applying --------------------------------------------------------------------------------


AFTER_COMMIT_WAIT = 2.0  # seconds a commit waits for the indexer lock before leaving it to the holder


def has_pending(store: IndexStore, bind: Engine) -> bool:
    """Journal entries this index has not read yet (or a gap it is waiting on)."""
    cursor = cursor_store(store).load()
    return cursor is None or bool(cursor.applied) or newest_id(bind) > cursor.upto


def drain(store: IndexStore, bind: Engine, *, wait: float = 0.0) -> int:
    """Apply the journal past the cursor; returns how many postings were rewritten (0 if another
    process holds the lock: it will apply ours too)."""
    done = 0
    # Re-check once the lock is released: commits that found it taken rely on us, however many
    # rounds a busy minute takes. Stop when nothing is pending, or when two rounds in a row read
    # nothing (only a gap is left, for a later drain to settle).
    idle = 0
    for _ in range(100):
        try:
            with store.writing(wait=wait):
                postings, entries = _drain_locked(store, bind)
        except IndexBusy:
            return done
        done += postings
        idle = idle + 1 if not entries else 0
        if idle >= 2 or not has_pending(store, bind):
            break
    return done


def _drain_locked(store: IndexStore, bind: Engine) -> tuple[int, int]:
    """(postings rewritten, journal entries read)."""
    cursors = cursor_store(store)
    cursor = cursors.load()
    if cursor is None:  # an index nobody knows the age of: rebuild it rather than guess
        rebuild_locked(store, bind)
        return 0, 1
    done = read = 0
    for changes in unread(bind, cursor, batch=BATCH):
        ids = {c.object_id for c in changes if c.object_type == "posting" and c.object_id is not None}
        if ids:
            with Session(bind) as s:
                postings = s.scalars(select(Posting).where(Posting.id.in_(ids))).all()
                live = [p for p in postings if is_indexed(p)]
                store.apply((document_for(p) for p in live), ids - {p.id for p in live})
            done += len(ids)
        read += len(changes)
        cursor.advance([c.id for c in changes])
        cursors.save(cursor)  # after the index write: a crash in between re-applies, harmlessly
    cursor.advance([])  # let an old gap go even when nothing new arrived
    cursors.save(cursor)
    return done, read


def published() -> Select[Posting]:
    """Every posting that belongs in the index, in id order."""
    return select(Posting).where(Posting.status == PostingStatus.PUBLISHED).order_by(Posting.id)


def rebuild(store: IndexStore, bind: Engine, progress: Callable[[int, int], None] | None = None) -> int:
    """Build a fresh index from the database beside the live one, then swap it in.

    Search keeps answering from the old index meanwhile; writers find the lock taken and leave
    their entries in the journal, which are applied right after the swap. Progress and the
    outcome are recorded in the index folder for the status page.
    """
    with store.writing(wait=600.0):
        total = rebuild_locked(store, bind, progress)
    drain(store, bind)
    store.ready = True
    return total


def rebuild_locked(
    store: IndexStore, bind: Engine, progress: Callable[[int, int], None] | None = None
) -> int:
    started = time.time()
    with Session(bind) as s:
        # One read transaction: the documents and the cursor come from the same snapshot.
        newest = s.scalar(select(func.max(JournalEntry.id))) or 0
        cursor = Cursor.for_snapshot(s, newest)
        total = s.scalar(select(func.count()).select_from(published().subquery())) or 0
        store.write_status(state="running", started=started, done=0, total=total, pid=os.getpid())

        recorded = [0]

        def report(done: int) -> None:
            if done - recorded[0] >= 500:  # the parallel parts report every half second
                recorded[0] = done
                store.write_status(state="running", started=started, done=done, total=total, pid=os.getpid())
            if progress is not None:
                progress(done, total)

        try:
            procs = store.rebuild_procs or os.cpu_count() or 1
            if procs > 1 and total >= store.parallel_from and not _in_memory(bind):
                ids = list(s.scalars(select(Posting.id).where(Posting.status == PostingStatus.PUBLISHED)))
                name = store.build_parts(_parts(bind, sorted(ids), procs), procs=procs, progress=report)
            else:
                postings = s.scalars(published().execution_options(yield_per=BATCH))
                name = store.build((document_for(p) for p in postings), report)
        except BaseException:
            store.write_status(state="failed", started=started, finished=time.time(), total=total)
            raise
        store.make_live(name)
        cursor_store(store).save(cursor)
    store.write_status(state="done", started=started, finished=time.time(), done=total, total=total)
    return total


PART_SIZE = 50_000  # postings per segment of a parallel rebuild, at most (a part's memory)


def _in_memory(bind: Engine) -> bool:
    """A database other processes can't open (SQLite in memory): rebuilt in this process."""
    return bind.url.get_backend_name() == "sqlite" and bind.url.database in (None, "", ":memory:")


def _parts(bind: Engine, ids: list[int], procs: int) -> list[Callable[[str], Any]]:
    """Contiguous id ranges of about equal size, at least one per process, each a segment."""
    count = max(procs, -(-len(ids) // PART_SIZE))
    size = -(-len(ids) // count)
    url = bind.url.render_as_string(hide_password=False)
    return [
        partial(index_range, url, ids[start], ids[min(start + size, len(ids)) - 1])
        for start in range(0, len(ids), size)
    ]


def index_range(url: str, first: int, last: int, folder: str) -> Any:
    """In a rebuild's part process: one segment of the postings first..last (ids), read in
    batches from the database at ``url``, with its character view."""
    engine = create_engine(url)
    try:
        with Session(engine) as s:
            query = published().where(Posting.id.between(first, last)).execution_options(yield_per=BATCH)
            return write_segment(folder, (document_for(p) for p in s.scalars(query)))
    finally:
        engine.dispose()


@dataclass
class CheckReport:
    """Differences between the database and the index."""

    indexed: int = 0
    expected: int = 0
    missing: list[int] = field(default_factory=list)  # published, not in the index
    extra: list[int] = field(default_factory=list)  # in the index, not published
    stale: list[int] = field(default_factory=list)  # indexed from an older version
    pending: int = 0  # changes to postings in the journal that this index has not applied yet

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.stale)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("indexed", "expected", "missing", "extra", "stale", "pending")}


def check(store: IndexStore, bind: Engine) -> CheckReport:
    indexed = store.stored_stamps()
    cursor = cursor_store(store).load() or Cursor()
    with Session(bind) as s:
        expected = {p.id: stamp(p) for p in s.scalars(published())}
        pending = (
            s.scalar(
                select(func.count()).where(
                    JournalEntry.id > cursor.upto,
                    JournalEntry.object_type == "posting",
                    JournalEntry.id.not_in(cursor.applied),
                )
            )
            or 0
        )
    return CheckReport(
        indexed=len(indexed),
        expected=len(expected),
        missing=sorted(expected.keys() - indexed.keys()),
        extra=sorted(indexed.keys() - expected.keys()),
        stale=sorted(i for i in expected.keys() & indexed.keys() if expected[i] != indexed[i]),
        pending=pending,
    )


class IndexUnreadable(Exception):
    """The live index exists but can't be read: staff rebuild it (`search reindex` or the page)."""


def make_ready(store: IndexStore, bind: Engine) -> None:
    """Before this process first uses the index: build a missing or outdated one from the database
    (a fresh installation, an upgrade) and apply the journal. A damaged index is not rebuilt
    behind anyone's back: IndexUnreadable, so pages degrade and staff are told."""
    if store.ready:
        return
    state = store.state()
    if state == "unreadable":
        raise IndexUnreadable()
    if state != "ok":
        ensure_built(store, bind)
    store.ready = True


def ensure_built(store: IndexStore, bind: Engine) -> str:
    """Rebuild a missing, outdated or unreadable index (one process does it; others wait for it)
    and apply the journal; returns the state the index was found in."""
    found = store.state()
    tables = set(inspect(bind).get_table_names())
    if found != "ok":
        if {"postings", "journal"} <= tables:
            try:
                with store.writing(wait=0.0):
                    pass
            except IndexBusy:
                # Another worker is rebuilding: wait for it rather than rebuild twice.
                with store.writing(wait=600.0):
                    pass
            if not store.is_usable():
                rebuild(store, bind)
        else:  # database not migrated yet: an empty index, filled as postings arrive
            with store.writing(wait=600.0):
                if not store.is_usable():
                    store.make_live(store.build([]))
                    cursor_store(store).save(Cursor())
    if "journal" in tables and has_pending(store, bind):
        drain(store, bind)
    store.ready = True
    return found


@dataclass
class IndexStatus:
    """One answer to "how is the index?" for the staff page: exactly one state at a time."""

    state: str  # rebuilding | missing | outdated | unreadable | consistent | updating | inconsistent
    report: CheckReport | None = None
    done: int = 0
    total: int = 0
    eta_seconds: float | None = None
    last_rebuild: dict[str, Any] = field(default_factory=dict)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def status(store: IndexStore, bind: Engine) -> IndexStatus:
    recorded = store.read_status()
    if recorded.get("state") == "running" and store.is_busy():
        done, total = int(recorded.get("done", 0)), int(recorded.get("total", 0))
        elapsed = time.time() - float(recorded.get("started", time.time()))
        eta = elapsed / done * (total - done) if done else None
        return IndexStatus("rebuilding", done=done, total=total, eta_seconds=eta)
    last = recorded if recorded.get("state") in ("done", "failed") else {}
    state = store.state()
    if state != "ok":
        return IndexStatus(state, last_rebuild=last)
    report = check(store, bind)
    if not report.ok:
        return IndexStatus("inconsistent", report, last_rebuild=last)
    return IndexStatus("updating" if report.pending else "consistent", report, last_rebuild=last)
