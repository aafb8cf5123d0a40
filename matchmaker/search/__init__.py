"""Full-text search and match proposals over postings (Whoosh + Chinese segmentation).

Only this package imports Whoosh. Search returns ids and scores; SQL returns the objects, so
visibility and permission filters live in one place (Posting.listed_for).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from matchmaker.search.engine import IndexStore


class Search:
    """Flask extension: one IndexStore per app, kept in sync by session events."""

    _events_registered = False

    def init_app(self, app: Flask) -> None:
        from matchmaker.extensions import db
        from matchmaker.search import indexing  # imports the models, which import extensions

        path = app.config.get("SEARCH_INDEX_DIR") or str(Path(app.instance_path) / "search")
        store = IndexStore(Path(path), write_timeout=app.config.get("SEARCH_WRITE_TIMEOUT", 5.0))
        app.extensions["search"] = store
        if not Search._events_registered:
            event.listen(Session, "after_flush", indexing.after_flush)
            event.listen(Session, "after_commit", indexing.after_commit)
            event.listen(Session, "after_rollback", indexing.after_rollback)
            Search._events_registered = True
        with app.app_context():
            indexing.ensure_ready(store, db.engine)

    @property
    def store(self) -> IndexStore:
        return current_app.extensions["search"]

    def fresh_store(self) -> IndexStore:
        """The store, after applying any change a crashed or busy writer left in the outbox."""
        from matchmaker.extensions import db
        from matchmaker.search import indexing

        if indexing.has_pending(db.engine):
            indexing.drain(self.store, db.engine)
        return self.store
