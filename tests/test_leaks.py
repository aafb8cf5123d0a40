"""Smaller leaks: contacts only for logged-in readers, nothing private cached, HSTS when asked,
absolute links from configuration rather than the client's Host header."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from matchmaker import create_app
from matchmaker.pairings.values import PairingState
from matchmaker.postings.values import PostingKind
from tests.conftest import Auth, Factory, app_config


def test_contacts_only_for_owner_bureau_and_an_accepted_counterpart(
    client: FlaskClient, auth: Auth, make: Factory
) -> None:
    owner = make.user()
    posting = make.posting(owner, PostingKind.RD_NEED, contact_name="陈经理", contact_phone="13805250001")
    anonymous = client.get(f"/postings/{posting}").get_data(as_text=True)
    assert "13805250001" not in anonymous and "陈经理" not in anonymous
    other = make.user()
    auth.login(other)
    assert "13805250001" not in client.get(f"/postings/{posting}").get_data(as_text=True)
    token = make.token(other)
    api = client.get(f"/api/v1/postings/{posting}", headers={"Authorization": f"Bearer {token}"})
    assert api.get_json()["contact_phone"] is None and api.get_json()["contact_name"] is None
    make.pairing(other, posting, PairingState.DECLINED)  # declined: still nothing
    assert "13805250001" not in client.get(f"/postings/{posting}").get_data(as_text=True)
    auth.logout()
    auth.login(owner)
    assert "13805250001" in client.get(f"/postings/{posting}").get_data(as_text=True)


def test_nothing_shown_to_a_logged_in_user_or_a_token_is_cached(
    client: FlaskClient, auth: Auth, make: Factory
) -> None:
    owner = make.user()
    posting = make.posting(owner, PostingKind.RD_NEED, confidential_detail="核心参数")
    public = client.get(f"/postings/{posting}")
    assert "no-store" not in public.headers.get("Cache-Control", "")  # public pages may be cached
    token = make.token(owner)
    api = client.get(f"/api/v1/postings/{posting}", headers={"Authorization": f"Bearer {token}"})
    assert api.headers["Cache-Control"] == "no-store"
    auth.login(owner)
    for url in (f"/postings/{posting}", "/auth/account", "/home", "/postings/mine"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
        assert "Cookie" in response.headers["Vary"]
    assert "核心参数" in client.get(f"/postings/{posting}").get_data(as_text=True)


def test_hsts_only_when_configured(client: FlaskClient, db_path: Path) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers
    app = create_app(app_config(db_path, HSTS_SECONDS=31536000))
    header = app.test_client().get("/").headers["Strict-Transport-Security"]
    assert header == "max-age=31536000; includeSubDomains"


def test_api_links_come_from_the_configured_base_url_never_the_host_header(
    app: Flask, db_path: Path, make: Factory
) -> None:
    owner = make.user()
    posting = make.posting(owner, PostingKind.RD_NEED)
    token = {"Authorization": f"Bearer {make.token(owner)}", "Host": "evil.example"}
    relative = app.test_client().get(f"/api/v1/postings/{posting}", headers=token).get_json()
    assert relative["url"] == f"/postings/{posting}"
    configured = create_app(app_config(db_path, BASE_URL="https://zjtx.baoying.gov.cn/"))
    body = configured.test_client().get(f"/api/v1/postings/{posting}", headers=token).get_json()
    assert body["url"] == f"https://zjtx.baoying.gov.cn/postings/{posting}"
    assert "evil.example" not in str(body)
