"""While another process holds SQLite's write lock, pages still read and form submissions get a
Chinese 503 with Retry-After, losing nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select

from matchmaker import create_app
from matchmaker.core.extensions import db
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind
from tests.conftest import PASSWORD, Factory, app_config, sqlite_only

pytestmark = sqlite_only  # SQLite lock behaviour (PostgreSQL waits on row locks instead)


@contextmanager
def write_locked(db_path: Path) -> Iterator[None]:
    """Another process's long write transaction."""
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_reads_go_on_and_writes_get_503_while_the_database_is_locked(db_path: Path) -> None:
    app = create_app(app_config(db_path, SQLITE_BUSY_TIMEOUT_MS=200))
    make = Factory(app)
    owner = make.user()
    posting_id = make.posting(owner, PostingKind.RD_NEED, title="锁定期间也能看的需求")
    client = app.test_client()
    client.post("/auth/login", data={"email": owner, "password": PASSWORD})
    form = {
        "title": "锁定期间提交的需求",
        "description": "这是一段足够长的详细描述，超过二十个字，用于测试。",
        "visibility": "public",
    }
    with write_locked(db_path):
        for url in (
            "/",
            "/postings/rd-need/",
            f"/postings/{posting_id}",
            "/search?q=需求",
            "/home",
            "/postings/mine",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
        assert "锁定期间也能看的需求" in client.get(f"/postings/{posting_id}").get_data(as_text=True)
        refused = client.post("/postings/new/rd-need", data=form)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
        assert "没有保存" in refused.get_data(as_text=True)
        api = client.get("/api/v1/postings", headers={"Authorization": "Bearer mm_nope"})
        assert api.status_code == 401  # reads, including the API's token lookup, still answer
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(Posting).where(Posting.title == form["title"]))
            == 0
        )
    assert client.post("/postings/new/rd-need", data=form).status_code == 302  # once free, it works
