"""Two web machines on one database (each its own process, instance folder and search index): the
API's rate limits are counted once across both when they share a Redis server, and login
throttling holds across them because its counts live in the database. (The indexes of two
machines writing in turn are in test_consumers.py.)"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD, Factory, app_config


def _machine(db_path: str, name: str, redis_url: str) -> Any:
    from matchmaker import create_app

    folder = Path(db_path).parent / f"machine-{name}"
    return create_app(
        app_config(
            Path(db_path),
            INSTANCE_PATH=folder / "instance",
            SEARCH_INDEX_DIR=str(folder / "search"),
            RATELIMIT_STORAGE_URI=redis_url,
            API_RATE_LIMIT="4 per minute",
        )
    )


def call_api(app: Any, token: str, times: int) -> list[int]:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    return [client.get("/api/v1/vocabularies", headers=headers).status_code for _ in range(times)]


def log_in(app: Any, email: str, passwords: list[str]) -> list[tuple[int, bool]]:
    client = app.test_client()
    pages = []
    for password in passwords:
        response = client.post(
            "/auth/login",
            data={"email": email, "password": password},
            environ_base={"REMOTE_ADDR": "10.0.0.9"},
        )
        pages.append((response.status_code, "已暂时锁定" in response.get_data(as_text=True)))
    return pages


def _serve(db_path: str, name: str, redis_url: str, asks: Any, answers: Any) -> None:
    """A machine: a process with its own app, doing what it is asked until told to stop."""
    app = _machine(db_path, name, redis_url)
    while (ask := asks.get(timeout=120)) is not None:
        work, args = ask
        answers.put(work(app, *args))


class Machines:
    """Two web machines (fresh processes, started once per test) on one database and Redis."""

    def __init__(self, db_path: Path, redis_url: str) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.queues = {name: (ctx.Queue(), ctx.Queue()) for name in "ab"}
        self.processes = [
            ctx.Process(target=_serve, args=(str(db_path), name, redis_url, *self.queues[name]))
            for name in "ab"
        ]
        for process in self.processes:
            process.start()

    def on(self, name: str, work: Any, *args: Any) -> Any:
        asks, answers = self.queues[name]
        asks.put((work, args))
        return answers.get(timeout=120)

    def close(self) -> None:
        for asks, _ in self.queues.values():
            asks.put(None)
        for process in self.processes:
            process.join(timeout=60)
            assert process.exitcode == 0


@pytest.fixture
def machines(db_path: Path, redis_url: str) -> Iterator[Machines]:
    both = Machines(db_path, redis_url)
    yield both
    both.close()


def test_the_api_rate_limit_is_counted_across_machines(make: Factory, machines: Machines) -> None:
    token = make.token(make.user())
    assert machines.on("a", call_api, token, 2) == [200, 200]
    assert machines.on("b", call_api, token, 2) == [200, 200]
    assert machines.on("a", call_api, token, 1) == [429]  # 4 a minute, both machines
    assert machines.on("b", call_api, token, 1) == [429]
    other = make.token(make.user())
    assert machines.on("b", call_api, other, 1) == [200]  # still per token


def test_login_throttling_holds_across_machines(make: Factory, machines: Machines) -> None:
    email = make.user()
    wrong = ["wrong-guess-1"] * 3
    assert machines.on("a", log_in, email, wrong) == [(200, False)] * 3
    # Two more on the other machine: the fifth failure locks the account, on both machines.
    assert machines.on("b", log_in, email, wrong[:2]) == [(200, False), (200, True)]
    assert machines.on("a", log_in, email, [PASSWORD]) == [(200, True)]
