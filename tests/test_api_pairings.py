"""The pipeline's JSON API: the paths the provincial platform's integration uses, their codes and
errors, and what each side sees before and after acceptance."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from matchmaker.accounts import creditcode
from matchmaker.accounts.values import OrgType
from matchmaker.core import clock
from matchmaker.postings.values import PostingKind
from tests.conftest import Factory
from tests.test_pairings import NEED, OUTCOME

RD, RO = PostingKind.RD_NEED, PostingKind.RESEARCH_OUTCOME


@pytest.fixture
def api(client: FlaskClient, make: Factory) -> dict[str, Any]:
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    outsider, bureau = make.user(org_type=OrgType.UNIVERSITY), make.bureau()
    world = {
        "need": make.posting(enterprise, RD, **NEED),
        "outcome": make.posting(university, RO, **OUTCOME),
    }
    for name, email in (
        ("enterprise", enterprise),
        ("university", university),
        ("outsider", outsider),
        ("bureau", bureau),
    ):
        world[name] = {"Authorization": f"Bearer {make.token(email)}"}
    return world


def test_interest_answer_progress_and_messages(client: FlaskClient, api: dict) -> None:
    created = client.post(
        "/api/v1/pairings",
        json={
            "target_posting_id": api["need"],
            "own_posting_id": api["outcome"],
            "message": "我们有成熟方案。",
        },
        headers=api["university"],
    )
    assert created.status_code == 201, created.get_json()
    pairing = created.get_json()
    assert pairing["state"] == "interested" and pairing["contacts"] is None
    assert pairing["target_posting"]["id"] == api["need"] and pairing["own_posting"]["id"] == api["outcome"]
    assert created.headers["Location"].endswith(f"/api/v1/pairings/{pairing['id']}")
    url = f"/api/v1/pairings/{pairing['id']}"
    need = client.get(f"/api/v1/postings/{api['need']}", headers=api["university"]).get_json()
    assert need["contact_phone"] is None  # not before acceptance

    assert client.post(url + "/accept", headers=api["university"]).status_code == 403  # not one's own
    assert client.get(url, headers=api["outsider"]).status_code == 404
    received = client.get("/api/v1/pairings?role=received", headers=api["enterprise"]).get_json()
    assert [p["id"] for p in received["items"]] == [pairing["id"]]
    assert client.get("/api/v1/pairings?role=sent", headers=api["enterprise"]).get_json()["total"] == 0

    accepted = client.post(url + "/accept", headers=api["enterprise"])
    assert accepted.status_code == 200 and accepted.get_json()["state"] == "contacted"
    seen = client.get(url, headers=api["university"]).get_json()
    phones = {c["contact_phone"] for c in seen["contacts"]}
    assert {"13805250003", "13905140007"} <= phones
    assert [h["action"] for h in seen["history"]] == ["pairing.created", "pairing.accepted"]
    need = client.get(f"/api/v1/postings/{api['need']}", headers=api["university"]).get_json()
    assert need["contact_phone"] == "13805250003"
    assert client.post(url + "/accept", headers=api["enterprise"]).status_code == 409  # no double

    sent = client.post(url + "/messages", json={"text": "下周来访？"}, headers=api["university"])
    assert sent.status_code == 201 and sent.get_json()["text"] == "下周来访？"
    thread = client.get(url + "/messages", headers=api["enterprise"]).get_json()
    assert [m["text"] for m in thread["items"]] == ["下周来访？"]
    assert client.post(url + "/messages", json={"text": "x"}, headers=api["bureau"]).status_code == 403

    moved = client.post(url + "/advance", json={"to": "negotiating"}, headers=api["bureau"])
    assert moved.status_code == 200 and moved.get_json()["state"] == "negotiating"
    assert client.post(url + "/advance", json={"to": "failed"}, headers=api["enterprise"]).status_code == 409
    by_hand = client.post(url + "/advance", json={"to": "signed"}, headers=api["enterprise"])
    assert by_hand.status_code == 409 and "登记" in by_hand.get_json()["message"]  # 已签约 means an agreement
    assert client.get(url, headers=api["bureau"]).get_json()["state"] == "negotiating"
    both = client.get(url, headers=api["university"]).get_json()
    first17 = "91321023MA0000042"
    recorded = client.post(
        "/api/v1/agreements",
        json={
            "type": "tech_dev_commissioned",
            "title": "主轴热误差补偿技术开发合同",
            "signed_on": clock.today().isoformat(),
            "pairing_id": pairing["id"],
            "parties": [
                {
                    "side": "buyer",
                    "name": both["receiver"]["name"],
                    "credit_code": first17 + creditcode.check_digit(first17),
                    "party_type": "enterprise",
                },
                {"side": "seller", "name": both["initiator"]["name"], "party_type": "university"},
            ],
        },
        headers=api["university"],
    )
    assert recorded.status_code == 201, recorded.get_json()
    signed = client.get(url, headers=api["enterprise"]).get_json()
    assert signed["state"] == "signed" and signed["closed_at"]
    assert client.get("/api/v1/pairings?state=signed", headers=api["bureau"]).get_json()["total"] == 1


def test_decline_with_reason_codes(client: FlaskClient, api: dict) -> None:
    pairing = client.post(
        "/api/v1/pairings",
        json={"target_posting_id": api["need"], "message": "感兴趣"},
        headers=api["university"],
    ).get_json()
    url = f"/api/v1/pairings/{pairing['id']}/decline"
    bad = client.post(url, json={"reason": "nope"}, headers=api["enterprise"])
    assert bad.status_code == 422 and "too_early" in bad.get_json()["errors"]["reason"][0]
    assert client.post(url, json={}, headers=api["enterprise"]).status_code == 422
    done = client.post(url, json={"reason": "approach", "note": "路线不同"}, headers=api["enterprise"])
    assert done.status_code == 200
    assert done.get_json()["state"] == "declined" and done.get_json()["decline_reason"] == "approach"
    assert done.get_json()["contacts"] is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (None, 400),
        ([1, 2], 400),
        ({"target_posting_id": "1", "message": "x"}, 400),
        ({"target_posting_id": 1, "message": "x", "extra": 1}, 400),
        ({"target_posting_id": True, "message": "x"}, 400),
        ({"message": "x"}, 422),
        ({"target_posting_id": 999999, "message": "x"}, 422),
        ({"target_posting_id": 10**30, "message": "x"}, 400),
        ({"target_posting_id": "NEED", "message": ""}, 422),
        ({"target_posting_id": "NEED", "message": "长" * 1001}, 422),
        ('{"target_posting_id": NEED, "message": "\\ud800"}', 400),  # valid JSON, not storable
        ({"target_posting_id": "NEED", "message": "好", "own_posting_id": 999999}, 422),
    ],
)
def test_bad_requests_get_chinese_errors_and_save_nothing(
    client: FlaskClient, api: dict, body: Any, status: int
) -> None:
    if isinstance(body, dict) and body.get("target_posting_id") == "NEED":
        body = {**body, "target_posting_id": api["need"]}
    if body is None or isinstance(body, str):
        raw = "not json" if body is None else body.replace("NEED", str(api["need"]))
        kwargs: dict[str, Any] = {"data": raw, "content_type": "application/json"}
    else:
        kwargs = {"json": body}
    response = client.post("/api/v1/pairings", headers=api["university"], **kwargs)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["message"]
    assert client.get("/api/v1/pairings", headers=api["university"]).get_json()["total"] == 0


def test_list_parameters_are_checked(client: FlaskClient, api: dict) -> None:
    for query in ("state=nonsense", "role=nobody", "per_page=0", "colour=red"):
        response = client.get(f"/api/v1/pairings?{query}", headers=api["enterprise"])
        assert response.status_code == 400 and response.get_json()["errors"]
    assert client.get("/api/v1/pairings?role=sent", headers=api["bureau"]).status_code == 400


def test_notifications_list_and_read(client: FlaskClient, make: Factory, api: dict) -> None:
    client.post(
        "/api/v1/pairings",
        json={"target_posting_id": api["need"], "message": "感兴趣"},
        headers=api["university"],
    )
    unread = client.get("/api/v1/notifications?unread=1", headers=api["enterprise"]).get_json()
    interest = next(n for n in unread["items"] if "合作意向" in n["title"])
    assert interest["read"] is False and interest["link"].startswith("/pairings/")
    done = client.post(f"/api/v1/notifications/{interest['id']}/read", headers=api["enterprise"])
    assert done.status_code == 200 and done.get_json()["read"] is True
    again = client.get("/api/v1/notifications?unread=1", headers=api["enterprise"]).get_json()
    assert interest["id"] not in [n["id"] for n in again["items"]]
    assert (
        client.post(f"/api/v1/notifications/{interest['id']}/read", headers=api["university"]).status_code
        == 404
    )
    assert client.get("/api/v1/notifications?unread=yes", headers=api["enterprise"]).status_code == 400
