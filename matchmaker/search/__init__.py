"""Full-text search and match proposals over postings: the one interface the rest of the app uses.

    init_app(app)                     open this machine's index, keep it fed from the journal
    find(text, kind=…, …)             the search box: posting ids and scores, best first
    propose(posting)                  candidates for a posting: ids, scores, strength, shared words
    evidence_between(a, b)            the same evidence for any two postings (a pairing's page)
    spans(text, words)                where matched words stand in a text (for highlighting)
    state(), status(), check()        how the index is, for the CLI and the staff page
    rebuild(progress), ensure_built() the repair path and init-db's
    SearchUnavailable                 raised by find/propose when the index can't be read

Everything here returns ids, scores and evidence; objects come from SQL, where visibility is
decided (matchmaker/policy.py), and pages build their own presentation. Only this package
imports Whoosh. Internals (engine, indexing, matching, queries, grams, analysis) stay inside.
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from matchmaker.core import jobs
from matchmaker.core.exceptions import DomainError
from matchmaker.search import indexing, matching, queries
from matchmaker.search.analysis import Span, matched_spans
from matchmaker.search.engine import IndexBusy, IndexStore
from matchmaker.search.indexing import CheckReport, IndexStatus
from matchmaker.search.matching import Candidate
from matchmaker.search.queries import Found

T = TypeVar("T")

__all__ = [
    "Candidate",
    "CheckReport",
    "Found",
    "IndexBusy",
    "IndexStatus",
    "SearchUnavailable",
    "Span",
    "check",
    "ensure_built",
    "evidence_between",
    "find",
    "init_app",
    "propose",
    "rebuild",
    "spans",
    "state",
    "status",
]

_events_registered = False


class SearchUnavailable(DomainError):
    """The index could not be read. Mapped to 503 once (errors.py); pages that are useful without
    search results (a posting's page) catch it and go on."""

    def __init__(self) -> None:
        super().__init__("搜索暂时不可用，已记录问题，请稍后再试；主管部门可在“搜索索引”页面重建索引。")


def init_app(app: Flask) -> None:
    """Open this app's index store; nothing is built here (the factory never does work): a missing
    or outdated index is built by `init-db` or by this process's first use."""
    global _events_registered
    path = app.config.get("SEARCH_INDEX_DIR") or str(Path(app.instance_path) / "search")
    app.extensions["search"] = IndexStore(
        Path(path),
        write_timeout=app.config.get("SEARCH_WRITE_TIMEOUT", 5.0),
        rebuild_procs=app.config.get("SEARCH_REBUILD_PROCS", 0),
        parallel_from=app.config.get("SEARCH_REBUILD_PARALLEL_FROM", 5000),
    )
    if not _events_registered:
        event.listen(Session, "after_flush", indexing.after_flush)
        event.listen(Session, "after_commit", indexing.after_commit)
        event.listen(Session, "after_rollback", indexing.after_rollback)
        _events_registered = True


def _store() -> IndexStore:
    return current_app.extensions["search"]


def _engine() -> Any:
    from matchmaker.core.extensions import db

    return db.engine


def _reading(operation: Callable[[IndexStore], T]) -> T:
    """``operation(store)`` on this machine's index, made ready and caught up with the journal;
    any index failure is logged and raised as SearchUnavailable, never as a 500."""
    store = _store()
    try:
        indexing.make_ready(store, _engine())
        if indexing.has_pending(store, _engine()):
            indexing.drain(store, _engine())
        return operation(store)
    except Exception as error:
        store.ready = False  # look at the index afresh next time
        # Logged as text, and not chained: the traceback's frames would keep Whoosh's open files
        # alive for as long as the log record or the exception lives.
        trace = "".join(traceback.format_exception(error))
        current_app.logger.error("search index read failed:\n%s", trace)
    raise SearchUnavailable()


def find(
    text: str, *, kind: Any = None, tech_field_id: int | None = None, town_id: int | None = None
) -> Found:
    """Published postings matching the search box's ``text``: ids and scores, best first."""
    return _reading(
        lambda store: queries.search(store, text, kind=kind, tech_field_id=tech_field_id, town_id=town_id)
    )


def propose(posting: Any) -> list[Candidate]:
    """Complementary postings of other organisations with real evidence in common, most relevant
    to ``posting`` first, each with its pair strength and the shared words."""
    return _reading(lambda store: matching.candidates(store, posting))


def evidence_between(a: Any, b: Any) -> Candidate:
    """The pair strength and shared words of two postings, whichever way round."""
    return _reading(lambda store: matching.between(store, a, b))


def strengths_of(pairs: list[tuple[Any, Any]]) -> list[int]:
    """The 0–100 pair strength of each pair of postings, in order (as ``evidence_between`` would
    give it), computed in one reading of the index."""
    return _reading(lambda store: matching.strengths(store, pairs))


def spans(text: str, words: Iterable[str]) -> list[Span]:
    """Non-overlapping spans of ``text`` that are matched words, longest first where they overlap."""
    return matched_spans(text, words)


def state() -> str:
    """ "ok", "missing", "outdated" or "unreadable"."""
    return _store().state()


def status() -> IndexStatus:
    return indexing.status(_store(), _engine())


def check() -> CheckReport:
    return indexing.check(_store(), _engine())


def rebuild(progress: Callable[[int, int], None] | None = None) -> int:
    return indexing.rebuild(_store(), _engine(), progress)


def rebuild_in_background() -> None:
    """Rebuild on the job worker (of this machine: the index is this machine's); search keeps
    working on the old index until the swap."""
    jobs.enqueue("search.rebuild")


@jobs.task("search.rebuild")
def _rebuild_job() -> None:
    with contextlib.suppress(IndexBusy):  # someone else is rebuilding; theirs will do
        rebuild()


def ensure_built() -> str:
    return indexing.ensure_built(_store(), _engine())


def is_rebuilding() -> bool:
    return _store().read_status().get("state") == "running"
