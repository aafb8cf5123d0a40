"""Hostile input at every door: line breaks in one-line fields, uploads served under names that
match what they are, duplicates and limits under concurrency (issue 22; docs/SECURITY.md)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from matchmaker.core import rules
from matchmaker.core.extensions import db
from matchmaker.postings.models import Posting
from tests.conftest import Factory
from tests.test_api import api_as, new_posting  # noqa: F401 - the fixture, for the API's door
from tests.test_pairings import login
from tests.test_posting_lifecycle import posting_form

BREAKS = ["\r\nBcc: victim@example.cn", "\n", "\r", "\u2028", "\x85"]


def postings(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Posting)) or 0


# --- line breaks in one-line fields ---------------------------------------------------------


@pytest.mark.parametrize("breaking", BREAKS)
def test_a_title_with_a_line_break_is_refused_by_the_api(
    app: Flask,
    api_as: Any,  # noqa: F811 - the fixture imported above
    make: Factory,
    breaking: str,
) -> None:
    before = postings(app)
    response = api_as(make.user()).post("/postings", new_posting(title=f"精密轴承{breaking}磨削工艺"))
    assert response.status_code == 422, response.get_json()
    assert rules.LINE_BREAK_MESSAGE in response.get_json()["errors"]["title"]
    assert postings(app) == before


@pytest.mark.parametrize("field", ["title", "contact_name", "industry_chain"])
def test_a_line_break_in_a_one_line_form_field_is_refused_under_it(
    client: FlaskClient, app: Flask, make: Factory, field: str
) -> None:
    login(client, make.user())
    before = postings(app)
    data = posting_form()
    data[field] = f"{data[field]}\r\n第二行"
    response = client.post("/postings/new/rd-need", data=data)
    assert response.status_code == 200  # the form again, not saved
    assert rules.LINE_BREAK_MESSAGE in response.get_data(as_text=True)
    assert postings(app) == before
    # the description is several lines by nature, and keeps them
    data = posting_form(description=posting_form()["description"] + "\r\n第二段：现有设备清单见附件。")
    assert client.post("/postings/new/rd-need", data=data).status_code == 302


def test_every_details_class_refuses_line_breaks_in_its_one_line_fields(app: Flask) -> None:
    """The services' door (API, imports, CLI): the same rule as the forms'."""
    from datetime import timedelta

    from matchmaker.agreements.operations import AgreementDetails
    from matchmaker.agreements.values import AgreementType
    from matchmaker.calls.operations import CallDetails
    from matchmaker.core import clock
    from matchmaker.events.models import EventKind
    from matchmaker.events.operations import EventDetails
    from matchmaker.postings.operations import PostingDetails

    day = clock.today()
    cases = [
        (PostingDetails("精密轴承\n磨削", "x" * 30), "title"),
        (PostingDetails("精密轴承磨削", "x" * 30, contact_name="吴\r工"), "contact_name"),
        (EventDetails("产业链\n对接会", EventKind.SUPPLY, day, day, "工信局", place="会议中心"), "title"),
        (EventDetails("产业链对接会", EventKind.SUPPLY, day, day, "工信局", place="会议\n中心"), "place"),
        (CallDetails("揭榜\r\n挂帅项目", "x" * 20, "x" * 10, None, day + timedelta(days=9), "企业"), "title"),
        (AgreementDetails(AgreementType.TECH_SERVICE, "技术开发\n合同", day), "title"),
    ]
    for details, field in cases:
        assert details.problems().get(field) == rules.LINE_BREAK_MESSAGE, (details, field)


# --- uploads are served under a name that says what they are -------------------------------

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
HOSTILE_NAMES = [  # (uploaded as, content, served as)
    ("合同.hta", PDF, "合同.pdf"),
    ("合同.html", PDF, "合同.pdf"),
    ("合同\u202efdp.exe", PDF, "合同fdp.pdf"),  # shown as 合同exe.pdf with the override
    ("\u200b盖章\u2066页\u2069.PDF", PDF, "盖章页.pdf"),
    ("..\\..\\扫描件.svg", PNG, "扫描件.png"),
    ("\x1b[31m合同\x07.pdf", PDF, "[31m合同.pdf"),
]


def served_name(response: Any) -> str:
    from urllib.parse import unquote

    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    return unquote(disposition.split("filename*=UTF-8''", 1)[1])


@pytest.mark.parametrize(("uploaded", "content", "served"), HOSTILE_NAMES)
def test_agreement_evidence_is_served_under_its_detected_type(
    app: Flask, client: FlaskClient, make: Factory, uploaded: str, content: bytes, served: str
) -> None:
    from matchmaker.accounts.values import OrgType
    from matchmaker.agreements.models import Agreement

    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    agreement = make.agreement(enterprise, [(enterprise, "buyer"), (university, "seller")], status="recorded")
    login(client, enterprise)
    url = f"/agreements/{agreement}"
    client.post(url + "/files", data={"file": (io.BytesIO(content), uploaded)})
    with app.app_context():
        [stored] = db.session.get(Agreement, agreement).files
        assert stored.original_name == served  # stored clean, too: lists and history show it
        file_id = stored.id
    page = client.get(url).get_data(as_text=True)
    assert served in page and "\u202e" not in page
    with client.get(f"{url}/files/{file_id}") as got:
        assert got.status_code == 200 and got.data == content and served_name(got) == served


def test_a_name_stored_before_the_cleaning_is_served_clean(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    """Call proposal attachments too, and rows written before names were cleaned."""
    from sqlalchemy import update

    from matchmaker.accounts.values import OrgType
    from matchmaker.calls.models import CallProposalFile
    from matchmaker.postings.values import PostingKind
    from tests.test_pairings import NEED

    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    call_id = make.call(make.bureau(), [make.posting(enterprise, PostingKind.RD_NEED, **NEED)])
    proposal = make.proposal(university, call_id)
    login(client, university)
    url = f"/calls/{call_id}/proposals/{proposal}"
    assert client.post(f"{url}/files", data={"file": (io.BytesIO(PDF), "方案.html")}).status_code == 302
    with app.app_context():
        attachment = db.session.scalars(select(CallProposalFile)).one()
        assert attachment.original_name == "方案.pdf"
        db.session.execute(
            update(CallProposalFile)
            .where(CallProposalFile.id == attachment.id)
            .values(original_name="旧方案\u202elmth.hta")
        )
        db.session.commit()
        file_id = attachment.id
    with client.get(f"{url}/files/{file_id}") as got:
        assert got.status_code == 200 and served_name(got) == "旧方案lmth.pdf"


# --- the same thing twice at the same moment ------------------------------------------------


def at_the_same_moment(monkeypatch: pytest.MonkeyPatch, module: Any, check: str, *calls: Any) -> list[Any]:
    """Run ``calls`` in threads that all pass ``module.check`` (the service's "not there yet" read)
    before any of them writes — two people pressing the button together — and return the answers."""
    import sys
    import threading

    barrier, real = threading.Barrier(len(calls)), getattr(module, check)

    def checked(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        if sys._getframe(1).f_globals is vars(module):  # the service's read, not the page's
            barrier.wait(timeout=20)  # every caller has read before anyone writes
        return found

    monkeypatch.setattr(module, check, checked)
    answers: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        answers[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


@pytest.fixture
def two_colleagues_and_a_need(make: Factory) -> dict[str, Any]:
    from matchmaker.accounts.values import OrgType
    from matchmaker.postings.values import PostingKind
    from tests.test_pairings import NEED

    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    return {
        "enterprise": enterprise,
        "university": university,
        "colleague": make.user(make.org_of(university)),
        "need": make.posting(enterprise, PostingKind.RD_NEED, **NEED),
    }


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_two_identical_interests_at_once_through_the_api_are_one_and_a_409(
    app: Flask, make: Factory, two_colleagues_and_a_need: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matchmaker.pairings import operations as pairings
    from matchmaker.pairings.models import Pairing

    w = two_colleagues_and_a_need
    body = {"target_posting_id": w["need"], "message": "我们有相关成果，希望合作。"}

    def send(email: str) -> Any:
        headers = {"Authorization": f"Bearer {make.token(email)}"}
        return lambda: app.test_client().post("/api/v1/pairings", json=body, headers=headers)

    answers = at_the_same_moment(
        monkeypatch, pairings, "existing", send(w["university"]), send(w["colleague"])
    )
    assert sorted(a.status_code for a in answers) == [201, 409], [a.get_json() for a in answers]
    refused = next(a for a in answers if a.status_code == 409).get_json()
    assert refused["status"] == 409 and "已对这条信息表达过意向" in refused["message"]
    assert count(app, Pairing) == 1


def test_two_identical_interests_at_once_on_the_web_are_one_and_a_message(
    app: Flask, make: Factory, two_colleagues_and_a_need: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matchmaker.pairings import operations as pairings
    from matchmaker.pairings.models import Pairing

    w = two_colleagues_and_a_need
    clients = []
    for email in (w["university"], w["colleague"]):
        c = app.test_client()
        login(c, email)
        clients.append(c)
    url = f"/pairings/new/{w['need']}"
    answers = at_the_same_moment(
        monkeypatch,
        pairings,
        "existing",
        *(lambda c=c: c.post(url, data={"message": "我们有相关成果，希望合作。"}) for c in clients),
    )
    assert all(a.status_code in (302, 303) for a in answers), [a.status_code for a in answers]
    assert count(app, Pairing) == 1
    shown = [c.get(a.location or "/").get_data(as_text=True) for c, a in zip(clients, answers, strict=True)]
    assert sum("已向对方表达合作意向" in s for s in shown) == 1
    assert sum("刚刚已对这条信息表达过意向" in s for s in shown) == 1


def test_two_proposals_at_once_are_one_and_a_409_or_a_message(
    app: Flask, make: Factory, two_colleagues_and_a_need: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matchmaker.calls import operations as calls
    from matchmaker.calls.models import CallProposal
    from tests.test_calls import PROPOSAL

    w = two_colleagues_and_a_need
    call_id = make.call(make.bureau(), [w["need"]])
    body = {**PROPOSAL, "price": 55}
    token = {"Authorization": f"Bearer {make.token(w['university'])}"}
    page = app.test_client()
    login(page, w["colleague"])
    answers = at_the_same_moment(
        monkeypatch,
        calls,
        "own_proposal",
        lambda: app.test_client().post(f"/api/v1/calls/{call_id}/proposals", json=body, headers=token),
        lambda: page.post(f"/calls/{call_id}/propose", data=PROPOSAL),
    )
    api, web = answers
    assert count(app, CallProposal) == 1
    assert web.status_code in (302, 303) and api.status_code in (201, 409), (api.status_code, api.get_json())
    told = page.get(web.location).get_data(as_text=True)
    if api.status_code == 409:  # the page's came first
        assert "刚刚已对本榜单提交过方案" in api.get_json()["message"] and "方案已提交" in told
    else:
        assert "刚刚已对本榜单提交过方案" in told


def test_two_messages_at_the_same_moment_in_one_thread_are_both_kept(
    app: Flask, make: Factory, two_colleagues_and_a_need: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matchmaker.pairings import operations as pairings
    from matchmaker.pairings.models import PairingMessage
    from matchmaker.pairings.values import PairingState

    w = two_colleagues_and_a_need
    pairing_id = make.pairing(w["university"], w["need"], PairingState.CONTACTED)
    clients = []
    for email in (w["enterprise"], w["university"]):
        c = app.test_client()
        login(c, email)
        clients.append(c)
    url = f"/pairings/{pairing_id}/messages"
    answers = at_the_same_moment(
        monkeypatch,
        pairings,
        "_text",
        *(
            lambda c=c, i=i: c.post(url, data={"text": f"第{i}条消息：下周二来厂面谈。"})
            for i, c in enumerate(clients)
        ),
    )
    assert [a.status_code for a in answers] == [302, 302]
    with app.app_context():
        texts = db.session.scalars(select(PairingMessage.text).where(PairingMessage.pairing_id == pairing_id))
        assert sorted(texts) == ["第0条消息：下周二来厂面谈。", "第1条消息：下周二来厂面谈。"]
    thread = clients[0].get(f"/pairings/{pairing_id}").get_data(as_text=True)
    assert "第0条消息" in thread and "第1条消息" in thread and "刚刚被其他人修改" not in thread


# --- URLs longer than the app reads ---------------------------------------------------------


def test_a_url_too_long_is_a_414_in_the_apis_json_shape_and_the_error_page_elsewhere(
    client: FlaskClient, app: Flask
) -> None:
    limit = app.config["MAX_URL_LENGTH"]
    api = client.get("/api/v1/postings?q=" + "锂" * limit)  # percent-encoded: 9 bytes a character
    assert api.status_code == 414 and api.mimetype == "application/json"
    assert api.get_json() == {"status": 414, "message": "请求地址过长：请缩短查询参数，或分几次请求。"}
    page = client.get("/postings/rd-need/?q=" + "a" * limit)
    assert page.status_code == 414 and page.mimetype == "text/html"
    assert "网址过长" in page.get_data(as_text=True)
    just_under = "/api/v1/postings?q=" + "a" * (limit - len("/api/v1/postings?q="))
    assert client.get(just_under).status_code == 401  # read as usual: asks for a token


def test_gunicorn_reads_longer_request_lines_than_the_app_accepts(app: Flask) -> None:
    """Otherwise gunicorn answers its own HTML 414 under /api/ before the app can answer JSON."""
    import runpy
    from pathlib import Path

    from gunicorn.http.message import MAX_REQUEST_LINE

    settings = runpy.run_path(str(Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"))
    line = settings.get("limit_request_line", 4094)
    effective = MAX_REQUEST_LINE if line == 0 else min(line, MAX_REQUEST_LINE)  # gunicorn caps it
    longest_request_line = len("OPTIONS ") + app.config["MAX_URL_LENGTH"] + len(" HTTP/1.1")
    assert effective > longest_request_line


def test_gunicorn_answers_its_own_limits_in_the_apis_json_shape(tmp_path: Path) -> None:
    """A request line past even gunicorn's limit never reaches the app: gunicorn answers, and still
    in the API's shape — JSON with a Chinese message — not its English HTML page."""
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parents[1]
    env = {
        **os.environ,
        "PORT": str(port),
        "WORKERS": "1",
        "MATCHMAKER_INSTANCE_PATH": str(tmp_path / "instance"),
        "MATCHMAKER_SECRET_KEY": "k" * 48,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(root / "deploy" / "gunicorn.conf.py")],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        with connection:
            connection.sendall(b"GET /api/v1/postings?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
    finally:
        server.terminate()
        server.wait(timeout=30)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414") and b"application/json" in head
    assert json.loads(body) == {"status": 414, "message": "请求地址过长，请缩短查询条件后重试。"}
