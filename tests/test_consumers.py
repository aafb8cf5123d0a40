"""Journal consumers: a cursor that never skips an entry committed late (PostgreSQL's sequences),
two machines' indexes both complete from one database, and the old outbox kept across the upgrade."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select, text

from matchmaker import create_app, search
from matchmaker.accounts import operations as accounts
from matchmaker.core.consumers import GAP_TIMEOUT, Cursor
from matchmaker.core.database import MIGRATIONS_DIR
from matchmaker.core.extensions import db
from matchmaker.core.journal import JournalEntry
from matchmaker.postings import operations as postings
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind
from tests.conftest import Factory, app_config, sqlite_only


def test_the_cursor_waits_for_an_entry_committed_after_a_later_one() -> None:
    cursor = Cursor()
    cursor.advance([1, 2, 4, 5], now=1000.0)  # 3 was taken by a transaction still running
    assert cursor.upto == 2 and cursor.applied == {4, 5}
    cursor.advance([3], now=1001.0)  # it commits: nothing skipped
    assert cursor.upto == 5 and not cursor.applied


def test_the_cursor_gives_up_a_gap_only_after_the_timeout() -> None:
    cursor = Cursor()
    cursor.advance([1, 3], now=1000.0)  # 2 rolled back: it will never appear
    assert cursor.upto == 1
    cursor.advance([], now=1000.0 + GAP_TIMEOUT / 2)
    assert cursor.upto == 1
    cursor.advance([], now=1000.0 + GAP_TIMEOUT + 1)
    assert cursor.upto == 3 and not cursor.applied


def test_the_cursor_survives_a_restart(tmp_path: Path) -> None:
    from matchmaker.core.consumers import FileCursor

    store = FileCursor(tmp_path / "cursor.json")
    cursor = Cursor()
    cursor.advance([1, 2, 5], now=10.0)
    store.save(cursor)
    again = store.load()
    assert again is not None and (again.upto, again.applied, again.gap_since) == (2, {5}, 10.0)


def machine(db_path: str, index_dir: str, author: str, reviewer: str, tag: str) -> None:
    """One web machine: its own app and index folder, the shared database; writes and reads."""
    app = create_app(app_config(Path(db_path), SEARCH_INDEX_DIR=index_dir))
    with app.app_context():
        for i in range(10):
            owner = accounts.find_user_by_email(author)
            bureau = accounts.find_user_by_email(reviewer)
            assert owner is not None and bureau is not None
            details = postings.PostingDetails(
                title=f"两台机器{tag}{i}号需求", description="两台机器交替写入测试的详细描述，内容足够长。"
            )
            posting = postings.create_posting(PostingKind.RD_NEED, details, actor=owner)
            postings.submit_posting(posting, actor=owner)
            postings.publish_posting(posting, actor=bureau)
            db.session.commit()  # drains this machine's index only
            if i % 3 == 0:
                postings.withdraw_posting(posting, actor=owner)
                db.session.commit()
            search.find("两台机器")  # reads catch up with the other machine's writes too
        db.engine.dispose()


def test_two_machines_each_keep_a_complete_index(
    app: Flask, db_path: Path, make: Factory, tmp_path: Path
) -> None:
    authors = [make.user(), make.user()]
    make.posting(authors[0])  # creates the factory's reviewer
    dirs = [str(tmp_path / "machine-a" / "search"), str(tmp_path / "machine-b" / "search")]
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=machine, args=(str(db_path), index_dir, author, "reviewer@example.com", tag))
        for index_dir, author, tag in zip(dirs, authors, "AB", strict=True)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=180)
        assert p.exitcode == 0
    for index_dir in dirs:
        other = create_app(app_config(db_path, SEARCH_INDEX_DIR=index_dir))
        with other.app_context():
            search.find("两台机器")  # catch up with whatever the other machine wrote last
            report = search.check()
            assert report.ok and report.pending == 0, (index_dir, report.as_dict())
            assert report.expected == 1 + 2 * 10 - 2 * 4  # 4 of each machine's 10 were withdrawn
            db.engine.dispose()


@sqlite_only  # the old rows are written in SQLite's dialect
def test_upgrading_keeps_the_old_outbox_and_histories_in_the_journal(tmp_path: Path) -> None:
    """A database of the previous release, with changes still waiting in its search outbox."""
    path = tmp_path / "old.sqlite3"
    app = create_app(app_config(path))
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="e55f360934ad")  # the release before the journal
        now = "2026-11-30 08:00:00.000000"
        for sql in (
            "INSERT INTO organizations (id, name, type, status, created_at, updated_at) VALUES (1, '老企业', 'enterprise', 'verified', :now, :now)",
            "INSERT INTO users (id, email, password_hash, name, organization_id, active, created_at, updated_at) VALUES (1, 'old@example.com', 'x', '老用户', 1, 1, :now, :now)",
            "INSERT INTO postings (id, kind, status, title, description, keywords, cooperation_modes, visibility, organization_id, created_at, updated_at, published_at) VALUES (1, 'rd_need', 'published', '升级前发布的需求', '升级前发布的需求的详细描述，足够长足够长。', '[]', '[]', 'public', 1, :now, :now, :now)",
            "INSERT INTO posting_events (posting_id, actor_id, action, from_status, to_status, reason, created_at) VALUES (1, 1, 'publish', 'pending', 'published', '同意', :now)",
            "INSERT INTO organization_events (organization_id, actor_id, action, reason, created_at) VALUES (1, 1, 'verify', NULL, :now)",
            "INSERT INTO search_outbox (posting_id, created_at) VALUES (1, :now)",
        ):
            db.session.execute(text(sql), {"now": now})
        db.session.commit()
        upgrade(directory=str(MIGRATIONS_DIR))
        moved = db.session.execute(
            select(JournalEntry.action, JournalEntry.object_id, JournalEntry.note)
        ).all()
        assert ("posting.published", 1, "同意") in moved
        assert ("organization.verified", 1, None) in moved
        assert ("posting.reindex", 1, "升级前尚未写入索引的变更") in moved
        assert db.session.get(Posting, 1).history[0].action in ("posting.reindex", "posting.published")
        db.engine.dispose()
    runner = create_app(app_config(path)).test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    check = runner.invoke(args=["search", "check"])
    assert check.exit_code == 0 and "一致" in check.output
