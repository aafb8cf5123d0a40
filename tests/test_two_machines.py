"""Two web machines on one database (each its own process, instance folder and search index): the
API's rate limits are counted once across both when they share a Redis server, and login
throttling holds across them because its counts live in the database. (The indexes of two
machines writing in turn are in test_consumers.py.)"""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

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


def call_api(db_path: str, name: str, redis_url: str, token: str, times: int, out: Any) -> None:
    app = _machine(db_path, name, redis_url)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    out.put([client.get("/api/v1/vocabularies", headers=headers).status_code for _ in range(times)])


def log_in(db_path: str, name: str, redis_url: str, email: str, passwords: list[str], out: Any) -> None:
    app = _machine(db_path, name, redis_url)
    client = app.test_client()
    pages = []
    for password in passwords:
        response = client.post(
            "/auth/login",
            data={"email": email, "password": password},
            environ_base={"REMOTE_ADDR": "10.0.0.9"},
        )
        pages.append((response.status_code, "已暂时锁定" in response.get_data(as_text=True)))
    out.put(pages)


def _on(target: Any, *args: Any) -> Any:
    """Run ``target`` as a machine of its own (a fresh process) and return what it reports."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    process = ctx.Process(target=target, args=(*args, out))
    process.start()
    result = out.get(timeout=120)
    process.join(timeout=60)
    assert process.exitcode == 0
    return result


def test_the_api_rate_limit_is_counted_across_machines(db_path: Path, make: Factory, redis_url: str) -> None:
    token = make.token(make.user())
    assert _on(call_api, str(db_path), "a", redis_url, token, 2) == [200, 200]
    assert _on(call_api, str(db_path), "b", redis_url, token, 2) == [200, 200]
    assert _on(call_api, str(db_path), "a", redis_url, token, 1) == [429]  # 4 a minute, both machines
    assert _on(call_api, str(db_path), "b", redis_url, token, 1) == [429]
    other = make.token(make.user())
    assert _on(call_api, str(db_path), "b", redis_url, other, 1) == [200]  # still per token


def test_login_throttling_holds_across_machines(db_path: Path, make: Factory, redis_url: str) -> None:
    email = make.user()
    wrong = ["wrong-guess-1"] * 3
    assert _on(log_in, str(db_path), "a", redis_url, email, wrong) == [(200, False)] * 3
    # Two more on the other machine: the fifth failure locks the account, on both machines.
    assert _on(log_in, str(db_path), "b", redis_url, email, wrong[:2]) == [(200, False), (200, True)]
    assert _on(log_in, str(db_path), "a", redis_url, email, [PASSWORD]) == [(200, True)]
