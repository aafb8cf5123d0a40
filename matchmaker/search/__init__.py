"""Full-text search and match proposals over postings (Whoosh + Chinese segmentation).

Only this package imports Whoosh. Search returns ids and scores; SQL returns the objects, so
visibility and permission filters live in one place (Posting.listed_for).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from matchmaker.exceptions import DomainError
from matchmaker.search.engine import IndexStore

T = TypeVar("T")


class SearchUnavailable(DomainError):
    """The index could not be read. Mapped to 503 once (errors.py); pages that are useful without
    search results (a posting's page) catch it and go on."""

    def __init__(self) -> None:
        super().__init__("搜索暂时不可用，已记录问题，请稍后再试；主管部门可在“搜索索引”页面重建索引。")


class Search:
    """Flask extension: one IndexStore per app, kept in sync by session events."""

    _events_registered = False

    def init_app(self, app: Flask) -> None:
        """Open the store; nothing is built here (the factory never does work): a missing or
        outdated index is built by `init-db` or by this process's first use (make_ready)."""
        from matchmaker.search import indexing  # imports the models, which import extensions

        path = app.config.get("SEARCH_INDEX_DIR") or str(Path(app.instance_path) / "search")
        store = IndexStore(Path(path), write_timeout=app.config.get("SEARCH_WRITE_TIMEOUT", 5.0))
        app.extensions["search"] = store
        if not Search._events_registered:
            event.listen(Session, "after_flush", indexing.after_flush)
            event.listen(Session, "after_commit", indexing.after_commit)
            event.listen(Session, "after_rollback", indexing.after_rollback)
            Search._events_registered = True

    @property
    def store(self) -> IndexStore:
        """This app's store as it is (for diagnosis: `search check`, the admin page)."""
        return current_app.extensions["search"]

    def read(self, operation: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``operation(store, *args, **kwargs)`` on the fresh store; an index failure is logged and
        raised as SearchUnavailable, never as a 500."""
        try:
            return operation(self.fresh_store(), *args, **kwargs)
        except Exception as error:
            self.store.ready = False  # look at the index afresh next time
            # Logged as text, and not chained: the traceback's frames would keep Whoosh's open
            # files alive for as long as the log record or the exception lives.
            trace = "".join(traceback.format_exception(error))
            current_app.logger.error("search index read failed:\n%s", trace)
        raise SearchUnavailable()

    def fresh_store(self) -> IndexStore:
        """The store, ready, after applying any change a crashed or busy writer left in the outbox."""
        from matchmaker.extensions import db
        from matchmaker.search import indexing

        indexing.make_ready(self.store, db.engine)
        if indexing.has_pending(db.engine):
            indexing.drain(self.store, db.engine)
        return self.store
