"""Migrations a deployment can trust, on whichever engine the suite runs (SQLite, or PostgreSQL
with MATCHMAKER_TEST_POSTGRES): every migration applied to an empty database gives exactly the
models' schema, and a database filled by an earlier release's ``demo-data`` upgrades to head with
its data intact and the platform working on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import check, upgrade
from sqlalchemy import func, inspect, select, table

from matchmaker import create_app
from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgType
from matchmaker.core.database import MIGRATIONS_DIR
from matchmaker.core.extensions import db
from matchmaker.demo import BUREAU_EMAIL, DEMO_PASSWORD
from matchmaker.postings import operations as postings
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind, PostingStatus
from tests import releases
from tests.conftest import app_config, drop_database, new_database


@pytest.fixture
def empty(tmp_path: Path):
    path = new_database(tmp_path / "empty.sqlite3")
    app = create_app(app_config(path))
    yield app
    with app.app_context():
        db.engine.dispose()
    drop_database(path)


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def test_every_migration_on_an_empty_database_gives_the_models_schema(empty: Flask) -> None:
    with empty.app_context():
        assert not inspect(db.engine).get_table_names()
        upgrade(directory=str(MIGRATIONS_DIR))
        check(directory=str(MIGRATIONS_DIR))  # SystemExit when autogenerate finds any difference
        assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())


@pytest.mark.parametrize("snapshot", releases.snapshots(), ids=lambda p: p.stem)
def test_a_database_of_an_earlier_release_upgrades_with_its_data(empty: Flask, snapshot: Path) -> None:
    data = releases.read(snapshot)
    with empty.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision=data["revision"])
        with db.engine.begin() as connection:
            releases.load(connection, data)
        upgrade(directory=str(MIGRATIONS_DIR))
        check(directory=str(MIGRATIONS_DIR))
        for name, rows in data["tables"].items():  # nothing lost (later migrations only add rows)
            if name in db.metadata.tables:
                assert db.session.scalar(select(func.count()).select_from(table(name))) >= len(rows), name
        version = db.session.execute(db.text("SELECT version_num FROM alembic_version")).scalar()
        assert version == _head()
        published = db.session.scalar(
            select(func.count()).select_from(Posting).where(Posting.status == PostingStatus.PUBLISHED)
        )
        assert published == sum(1 for r in data["tables"]["postings"] if r["status"] == "published")
        db.session.remove()
        db.engine.dispose()

    runner = empty.test_cli_runner()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0 and "一致" in result.output, result.output

    client = empty.test_client()
    response = client.post("/auth/login", data={"email": BUREAU_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    for url in ("/", "/postings/rd-need/", "/pairings/list", "/pairings/1", "/agreements/", "/search?q=检测"):
        assert client.get(url).status_code == 200, url

    # New rows get new ids after the old ones (PostgreSQL's sequences moved on with the data).
    with empty.app_context():
        bureau = db.session.scalar(select(User).where(User.email == BUREAU_EMAIL))
        assert bureau is not None
        before = db.session.scalar(select(func.max(Posting.id)))
        owner = db.session.scalar(
            select(User).join(User.organization).where(Organization.type == OrgType.ENTERPRISE)
        )
        details = postings.PostingDetails(
            title="升级后新写入的研发需求",
            description="升级后新写入的一条研发需求，用来确认编号排在旧数据之后，并能正常保存。",
            keywords=["升级"],
        )
        posting = postings.create_posting(PostingKind.RD_NEED, details, actor=owner)
        db.session.commit()
        assert posting.id > before
        db.session.remove()
        db.engine.dispose()
