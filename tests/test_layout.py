"""What a new user notices first: marked required fields, an error summary, a favicon, a clean
start, the demo only when asked for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, Auth, Factory, database_uri, new_database

ROOT = Path(__file__).resolve().parents[1]


def test_required_fields_are_marked_and_errors_are_summed_up_at_the_top(
    client: FlaskClient, auth: Auth, make: Factory
) -> None:
    auth.login(make.user())
    form = client.get("/postings/new/rd-need").get_data(as_text=True)
    assert '标题<span class="required" aria-hidden="true">*</span>' in form and "为必填项" in form
    page = client.post(
        "/postings/new/rd-need", data={"title": "短", "description": "太短", "budget": "-5"}
    ).get_data(as_text=True)
    summary = page.split('class="flash flash-error error-summary"')[1].split("</div>")[0]
    assert "请修改以下 3 处" in summary
    assert 'href="#title"' in summary and 'href="#description"' in summary and 'href="#budget"' in summary
    assert "金额应在0到1,000,000万元之间" in summary and "10亿万元" not in page


def test_favicon_and_a_placeholder_that_fits(client: FlaskClient) -> None:
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"
    assert 'placeholder="搜索需求、成果"' in client.get("/").get_data(as_text=True)


def test_account_page_calls_a_phone_a_phone_number(client: FlaskClient, auth: Auth, make: Factory) -> None:
    auth.login(make.user())
    page = client.get("/auth/account").get_data(as_text=True)
    assert "<dt>联系电话</dt>" in page and "<dt>手机</dt>" not in page


CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.6099.130 Safari/537.36"
)
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


def test_login_devices_are_named_as_people_say_them(app: Flask, auth: Auth, make: Factory) -> None:
    email = make.user()
    with app.test_client() as phone:
        phone.post(
            "/auth/login",
            data={"email": email, "password": PASSWORD},
            headers={"User-Agent": SAFARI_ON_IPHONE},
        )
    auth.client.post(
        "/auth/login",
        data={"email": email, "password": PASSWORD},
        headers={"User-Agent": CHROME_ON_WINDOWS},
    )
    page = auth.client.get("/auth/account", headers={"User-Agent": CHROME_ON_WINDOWS}).get_data(as_text=True)
    logins = page.split('id="logins"')[1].split("</table>")[0]
    assert ">Chrome 120 · Windows<" in logins and ">Safari 17 · iPhone<" in logins
    assert "Mozilla/5.0" not in logins.replace(f'title="{CHROME_ON_WINDOWS}"', "").replace(
        f'title="{SAFARI_ON_IPHONE}"', ""
    )  # the raw string only in the tooltip
    assert f'title="{CHROME_ON_WINDOWS}"' in logins


def test_init_db_prints_only_what_a_newcomer_needs(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MATCHMAKER_INSTANCE_PATH": str(tmp_path / "instance"),
        "MATCHMAKER_SQLALCHEMY_DATABASE_URI": database_uri(new_database(tmp_path / "fresh.sqlite3")),
    }
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "matchmaker", "init-db"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "INFO" not in done.stdout + done.stderr and "Warning" not in done.stderr
    assert "数据库已就绪" in done.stdout and "create-user" in done.stdout  # how to create the first account
    demo = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "matchmaker", "demo-data", "--if-new"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "gxj@demo-baoying.cn" in demo.stdout and "INFO" not in demo.stderr


def test_start_script_loads_demo_accounts_only_when_asked() -> None:
    script = (ROOT / "scripts" / "start").read_text()
    assert "demo-data --if-new" in script and 'if [ "$demo" = 1 ]' in script
    assert "--config deploy/gunicorn.conf.py" in script
