"""Several processes publishing at once (as gunicorn workers do): no lost update, no LockError."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from flask import Flask

from matchmaker import create_app
from matchmaker.accounts import operations as accounts
from matchmaker.core.extensions import db
from matchmaker.postings import operations as postings
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind
from matchmaker.search import indexing
from tests.conftest import Factory, app_config

PER_WORKER = 12


def worker(db_path: str, email: str, reviewer_email: str, tag: str) -> None:
    """One 'gunicorn worker': its own app, engine and index handles; one commit per posting."""
    app = create_app(app_config(Path(db_path)))
    with app.app_context():
        author = accounts.find_user_by_email(email)
        reviewer = accounts.find_user_by_email(reviewer_email)
        assert author and reviewer
        for i in range(PER_WORKER):
            details = postings.PostingDetails(
                title=f"并发写入{tag}{i}号", description="并发写入测试的详细描述，内容足够长，超过二十个字。"
            )
            posting = postings.create_posting(PostingKind.RD_NEED, details, actor=author)
            postings.submit_posting(posting, actor=author)
            postings.publish_posting(posting, actor=reviewer)
            db.session.commit()
            if i % 3 == 0:  # edits too, so updates race with inserts
                posting.title += "（已修改）"
                db.session.commit()
        db.engine.dispose()


def test_parallel_writers_keep_index_and_database_consistent(
    app: Flask, db_path: Path, make: Factory
) -> None:
    emails = [make.user(), make.user()]
    make.posting(emails[0])  # creates the factory's reviewer
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=worker, args=(str(db_path), email, "reviewer@example.com", tag))
        for email, tag in zip(emails, "AB", strict=True)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    with app.app_context():
        report = indexing.check(app.extensions["search"], db.engine)
        assert report.ok and report.pending == 0, report.as_dict()
        assert report.expected == 1 + 2 * PER_WORKER
        edited = db.session.query(Posting).filter(Posting.title.like("%已修改%")).count()
        searcher = app.extensions["search"].searcher()
        assert sum(1 for f in searcher.all_stored_fields() if "已修改" in f["title"]) == edited
