"""Shared set-up for benchmarks: a throw-away instance (SQLite + index) and service helpers."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from matchmaker import create_app
from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import User
from matchmaker.accounts.values import OrgType
from matchmaker.cli import init_db
from matchmaker.core.extensions import db
from matchmaker.postings import operations as postings
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind


@contextmanager
def bench_app(keep: str | None = None, database_uri: str | None = None, **config: Any) -> Iterator[Flask]:
    """A fresh, migrated instance in a temporary folder (or ``keep``), app context pushed; on
    SQLite there unless ``database_uri`` names another (empty) database. ``config`` adds to it."""
    with tempfile.TemporaryDirectory(prefix="matchmaker-bench-") as tmp:
        base = Path(keep) if keep else Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "INSTANCE_PATH": base / "instance",
                "SQLALCHEMY_DATABASE_URI": database_uri or f"sqlite:///{base / 'bench.sqlite3'}",
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
                # Publishing thousands of postings would otherwise compute each one's strong
                # proposals for notifications: not what the benchmarks measure.
                "NOTIFY_AFTER_COMMIT": False,
                **config,
            }
        )
        with app.app_context():
            init_db()
            yield app
            db.session.remove()
            db.engine.dispose()


def make_user(name: str, org_type: OrgType) -> User:
    org = accounts.ensure_organization(name, org_type)
    user = accounts.create_user(
        f"{abs(hash(name))}@bench.example.com", "bench-password", name, org, actor=None
    )
    db.session.commit()
    return user


def publish_many(
    author: User, reviewer: User, kind: PostingKind, items: Iterable[dict[str, Any]], *, batch: int = 500
) -> list[int]:
    """Create, submit and publish postings through the services, one commit per batch."""
    ids: list[int] = []
    pending: list[Posting] = []
    for item in items:
        posting = postings.create_posting(kind, postings.PostingDetails(**item), actor=author)
        postings.submit_posting(posting, actor=author)
        postings.publish_posting(posting, actor=reviewer)
        pending.append(posting)
        if len(pending) >= batch:
            db.session.commit()  # the commit drains the outbox into the index
            ids += [p.id for p in pending]
            pending.clear()
            db.session.expunge_all()
            author, reviewer = db.session.merge(author), db.session.merge(reviewer)
    db.session.commit()
    ids += [p.id for p in pending]
    return ids


MIN_TITLE = 4  # the posting rules' shortest title (core/rules.py)


def outcome_title(record: dict[str, Any]) -> str:
    """A corpus record's title as a posting can carry it: the FewCLUE records' titles are the
    abstract's first clause and can be as short as "目的"; those continue into the abstract."""
    title = record["title"].strip()
    if len(title) < MIN_TITLE:
        title = (title + "：" + record["abstract"].strip())[:30]
    return title[:120]


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of ``values``; NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
