"""Keeping the index in step with the database: outbox capture, draining, rebuild and check.

A posting change writes an outbox row in its own transaction (after_flush, so autoflushed rows
count too); after the commit the outbox is drained into the index by whichever process gets the
indexer lock. A rollback drops the outbox rows with everything else, so nothing rolled back ever
reaches the index. A crash between commit and drain leaves rows that the next drain (any later
commit, search, start-up or `flask search reindex`) applies.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Engine, Select, delete, func, insert, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from matchmaker.models import Posting, PostingStatus, SearchOutbox
from matchmaker.search.documents import document_for, is_indexed, stamp
from matchmaker.search.engine import IndexBusy, IndexStore

QUEUED = "matchmaker.search.queued"  # posting ids already in this transaction's outbox rows
BATCH = 2000


# --- capture (session events) ----------------------------------------------------------------


def after_flush(session: Session, _context: UOWTransaction) -> None:
    """Record which postings this flush changed, in the same transaction."""
    ids = {obj.id for obj in (*session.new, *session.deleted) if isinstance(obj, Posting)}
    ids |= {
        obj.id
        for obj in session.dirty
        if isinstance(obj, Posting) and session.is_modified(obj, include_collections=False)
    }
    queued: set[int] = session.info.setdefault(QUEUED, set())
    new = ids - queued
    if new:  # one row per posting per transaction is enough: the drain reads the final state
        session.connection().execute(insert(SearchOutbox), [{"posting_id": i} for i in sorted(new)])
        queued |= new


def after_commit(session: Session) -> None:
    """Bring the index up to date as soon as the change is durable."""
    if session.info.pop(QUEUED, None) and has_app_context() and "search" in current_app.extensions:
        store: IndexStore = current_app.extensions["search"]
        try:
            make_ready(store, session.get_bind())
            drain(store, session.get_bind())
        except Exception:  # the change is committed; the outbox keeps it for the next drain
            current_app.logger.exception("search index update deferred")


def after_rollback(session: Session) -> None:
    session.info.pop(QUEUED, None)  # the outbox rows were rolled back with the change


# --- applying --------------------------------------------------------------------------------


def has_pending(bind: Engine) -> bool:
    with Session(bind) as s:
        return s.scalar(select(SearchOutbox.id).limit(1)) is not None


def drain(store: IndexStore, bind: Engine, *, wait: float = 0.0) -> int:
    """Apply queued changes; returns how many postings were written (0 if another process is)."""
    done = 0
    for _ in range(3):  # re-check once the lock is released: a commit may have slipped in
        try:
            with store.writing(wait=wait):
                done += _drain_locked(store, bind)
        except IndexBusy:
            return done  # the lock holder drains what we queued
        if not has_pending(bind):
            break
    return done


def _drain_locked(store: IndexStore, bind: Engine) -> int:
    done = 0
    while True:
        with Session(bind) as s:
            rows = s.execute(
                select(SearchOutbox.id, SearchOutbox.posting_id).order_by(SearchOutbox.id).limit(BATCH)
            ).all()
            if not rows:
                return done
            ids = {row.posting_id for row in rows}
            postings = s.scalars(select(Posting).where(Posting.id.in_(ids))).all()
            live = [p for p in postings if is_indexed(p)]
            store.apply((document_for(p) for p in live), ids - {p.id for p in live})
            s.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([row.id for row in rows])))
            s.commit()
            done += len(ids)


def published() -> Select[tuple[Posting]]:
    """Every posting that belongs in the index, in id order."""
    return select(Posting).where(Posting.status == PostingStatus.PUBLISHED).order_by(Posting.id)


def rebuild(store: IndexStore, bind: Engine, progress: Callable[[int, int], None] | None = None) -> int:
    """Build a fresh index from the database beside the live one, then swap it in.

    Search keeps answering from the old index meanwhile; writers find the lock taken and leave
    their changes in the outbox, which is drained into the new index right after the swap.
    Progress and the outcome are recorded in the index folder for the status page.
    """
    started = time.time()
    with store.writing(wait=600.0), Session(bind) as s:
        # One read transaction: the snapshot includes every change whose outbox id <= last.
        last = s.scalar(select(func.max(SearchOutbox.id))) or 0
        total = s.scalar(select(func.count()).select_from(published().subquery())) or 0
        store.write_status(state="running", started=started, done=0, total=total, pid=os.getpid())

        def report(done: int) -> None:
            if done % 500 == 0:
                store.write_status(state="running", started=started, done=done, total=total, pid=os.getpid())
            if progress is not None:
                progress(done, total)

        postings = s.scalars(published().execution_options(yield_per=BATCH))
        try:
            name = store.build((document_for(p) for p in postings), report)
        except BaseException:
            store.write_status(state="failed", started=started, finished=time.time(), total=total)
            raise
        store.make_live(name)
        s.execute(delete(SearchOutbox).where(SearchOutbox.id <= last))
        s.commit()
    drain(store, bind)
    store.write_status(state="done", started=started, finished=time.time(), done=total, total=total)
    store.ready = True
    return total


@dataclass
class CheckReport:
    """Differences between the database and the index."""

    indexed: int = 0
    expected: int = 0
    missing: list[int] = field(default_factory=list)  # published, not in the index
    extra: list[int] = field(default_factory=list)  # in the index, not published
    stale: list[int] = field(default_factory=list)  # indexed from an older version
    pending: int = 0  # outbox rows not applied yet

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.stale)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("indexed", "expected", "missing", "extra", "stale", "pending")}


def check(store: IndexStore, bind: Engine) -> CheckReport:
    indexed = store.stored_stamps()
    with Session(bind) as s:
        expected = {p.id: stamp(p) for p in s.scalars(published())}
        pending = s.scalar(select(func.count()).select_from(SearchOutbox)) or 0
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
    (a fresh installation, an upgrade) and apply queued changes. A damaged index is not rebuilt
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
    and apply queued changes; returns the state the index was found in."""
    found = store.state()
    tables = set(inspect(bind).get_table_names())
    if found != "ok":
        if {"postings", "search_outbox"} <= tables:
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
    if "search_outbox" in tables and has_pending(bind):
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
