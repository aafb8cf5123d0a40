"""Pages cost the same whatever the data size (issue 25): the home pages, the lists, 我的发布 and
我的对接 issue as many SQL statements with a few postings and pairings as with many more, and a
long list counts its rows only so far ("1000+ 条") yet every page of it stays reachable."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from matchmaker.accounts.values import OrgType
from matchmaker.core.extensions import db
from matchmaker.pairings.values import PairingState
from matchmaker.postings.values import PostingKind, Visibility
from matchmaker.taxonomy.models import TechField, Town
from tests.conftest import PASSWORD, Factory

KINDS = list(PostingKind)


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run meanwhile, as the database driver receives them."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def cost(app: Flask, client: FlaskClient, path: str) -> int:
    client.get(path)  # once to warm what a worker keeps between requests
    with statements(app) as seen:
        answer = client.get(path)
    assert answer.status_code == 200, path
    return len(seen)


def add(make: Factory, enterprise: str, university: str, n: int) -> None:
    """``n`` more published postings of every kind (some members-only, in a field and town) and
    pairings on some of them from the other side."""
    for i in range(n):
        for kind in KINDS:
            owner = university if kind is PostingKind.RESEARCH_OUTCOME else enterprise
            posting = make.posting(
                owner,
                kind,
                tech_field="先进制造",
                town="安宜镇",
                visibility=Visibility.MEMBERS if i % 4 == 3 else Visibility.PUBLIC,
            )
            if kind is PostingKind.RD_NEED and i % 2 == 0:
                make.pairing(university, posting, PairingState.NEGOTIATING)
            if kind is PostingKind.RESEARCH_OUTCOME and i % 3 == 0:
                make.pairing(enterprise, posting)


def term(app: Flask, model: type[TechField] | type[Town], name: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(model.id).where(model.name == name))
        assert found is not None
        return found


def test_the_pages_statement_counts_do_not_grow_with_the_data(app: Flask, make: Factory) -> None:
    app.config.update(POSTINGS_PER_PAGE=5)
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    field, town = term(app, TechField, "先进制造"), term(app, Town, "安宜镇")
    pages: dict[str, tuple[str | None, str]] = {
        "home (visitor)": (None, "/"),
        "home (enterprise)": (enterprise, "/home"),
        "home (university)": (university, "/home"),
        "研发需求 list": (None, "/postings/rd-need/"),
        "研发需求 list, logged in": (enterprise, "/postings/rd-need/"),
        "研发需求 list by field and town": (None, f"/postings/rd-need/?field={field}&town={town}"),
        "科技成果 list, page 2": (None, "/postings/research-outcome/?page=2"),
        "我的发布": (enterprise, "/postings/mine"),
        "我的对接": (university, "/pairings/"),
    }
    clients: dict[str | None, FlaskClient] = {}
    for who in {who for who, _ in pages.values()}:
        clients[who] = app.test_client()
        if who is not None:
            assert (
                clients[who].post("/auth/login", data={"email": who, "password": PASSWORD}).status_code == 302
            )

    def measure() -> dict[str, int]:
        return {name: cost(app, clients[who], path) for name, (who, path) in pages.items()}

    add(make, enterprise, university, 7)  # past a page of each list, so both sizes show two
    few = measure()
    add(make, enterprise, university, 14)
    many = measure()
    assert many == few
    assert max(many.values()) <= 15, many


def test_a_long_list_counts_so_far_and_still_pages_on(app: Flask, client: FlaskClient, make: Factory) -> None:
    app.config.update(LIST_COUNT_LIMIT=30, POSTINGS_PER_PAGE=10)
    owner = make.user()
    titles = [f"研发需求第{n:02d}号" for n in range(45)]
    for title in titles:
        make.posting(owner, PostingKind.RD_NEED, title=title)
    first = client.get("/postings/rd-need/").get_data(as_text=True)
    assert "共 30+ 条" in first

    def shown(page: str) -> list[str]:
        return list(dict.fromkeys(re.findall(r"研发需求第\d\d号", page)))

    seen = []
    page, n = first, 1
    while 'rel="next"' in page and n < 10:
        seen += shown(page)
        n += 1
        page = client.get(f"/postings/rd-need/?page={n}").get_data(as_text=True)
    seen += shown(page)
    assert sorted(set(seen)) == sorted(titles)  # every posting reachable, newest first, page by page
    assert seen == sorted(titles, reverse=True)
