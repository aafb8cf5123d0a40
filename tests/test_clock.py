"""The site's time zone decides "today": with the server's process in UTC at 00:30 Beijing time on
1 January (16:30 UTC on 31 December), a call whose deadline was yesterday in Beijing takes no more
proposals, a posting valid until yesterday is expired, a date of today passes a "not later than
today" check and the dashboard offers the new year. Before clock.py every one of these answered
with the server's date, a day behind."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from matchmaker.accounts.models import Organization
from matchmaker.accounts.values import OrgType
from matchmaker.calls.models import CallProposal, ChallengeCall
from matchmaker.core import clock
from matchmaker.core.extensions import db
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind
from tests.conftest import Factory, app_config
from tests.test_calls import PROPOSAL
from tests.test_pairings import NEED, login, page
from tests.test_profiles import INNOVATIVE, tier_id

NEW_YEAR_IN_BEIJING = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 2027-01-01 00:30 Asia/Shanghai
YESTERDAY_IN_BEIJING = date(2026, 12, 31)
TODAY_IN_BEIJING = date(2027, 1, 1)
SOURCE = Path(__file__).resolve().parents[1] / "matchmaker"


@pytest.fixture
def utc_host() -> Iterator[None]:
    """The process in UTC, as on most servers (restored afterwards)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.fixture
def half_past_midnight(utc_host: None) -> Iterator[None]:
    """00:30 on New Year's Day in Beijing; the server's own calendar still says 31 December."""
    with time_machine.travel(NEW_YEAR_IN_BEIJING, tick=True):
        assert date.today() == YESTERDAY_IN_BEIJING  # the server's date is a day behind
        yield


def test_the_clock_answers_in_the_site_zone(app: Flask, half_past_midnight: None) -> None:
    with app.app_context():
        assert clock.today() == TODAY_IN_BEIJING
        assert clock.now().hour == 0 and clock.now().minute == 30
        assert clock.start_of(TODAY_IN_BEIJING) == NEW_YEAR_IN_BEIJING.replace(minute=0)
        app.config["TIMEZONE"] = "UTC"  # another site, another zone
        assert clock.today() == YESTERDAY_IN_BEIJING


def test_a_call_whose_deadline_was_yesterday_in_beijing_takes_no_proposal(
    app: Flask, client: FlaskClient, make: Factory, half_past_midnight: None
) -> None:
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, PostingKind.RD_NEED, **NEED)
    call_id = make.call(make.bureau(), [need], deadline=YESTERDAY_IN_BEIJING)
    login(client, university)
    response = client.post(f"/calls/{call_id}/propose", data=PROPOSAL, follow_redirects=True)
    assert "揭榜已于2026-12-31截止" in response.get_data(as_text=True)
    assert "评审中" in page(client, f"/calls/{call_id}")
    token = make.token(university)
    response = client.post(
        f"/api/v1/calls/{call_id}/proposals",
        json={**PROPOSAL, "price": 55},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 409 and "揭榜已于" in response.get_json()["message"]
    assert (
        client.get(f"/api/v1/calls/{call_id}", headers={"Authorization": f"Bearer {token}"}).get_json()[
            "accepting"
        ]
        is False
    )
    with app.app_context():
        assert db.session.scalars(select(CallProposal)).all() == []
        assert db.session.get(ChallengeCall, call_id).accepting is False


def test_a_posting_valid_until_yesterday_in_beijing_is_expired(
    app: Flask, client: FlaskClient, make: Factory, half_past_midnight: None
) -> None:
    owner = make.user()
    expired = make.posting(owner, PostingKind.RD_NEED, title="昨天到期的研发需求")
    lasting = make.posting(owner, PostingKind.RD_NEED, title="今天到期的研发需求")
    with app.app_context():
        db.session.get(Posting, expired).valid_until = YESTERDAY_IN_BEIJING
        db.session.get(Posting, lasting).valid_until = TODAY_IN_BEIJING
        db.session.commit()
        assert db.session.get(Posting, expired).is_expired
        assert not db.session.get(Posting, lasting).is_expired
        assert db.session.get(Posting, lasting).days_left == 0
    listing = page(client, "/postings/rd-need/")
    assert "今天到期的研发需求" in listing and "昨天到期的研发需求" not in listing
    assert "已过期" in page(client, f"/postings/{expired}")
    reader = make.token(make.user())
    body = client.get("/api/v1/postings", headers={"Authorization": f"Bearer {reader}"}).get_json()
    assert [p["id"] for p in body["items"]] == [lasting]


def test_today_in_a_not_later_than_today_check_is_beijings_date(
    app: Flask, client: FlaskClient, make: Factory, half_past_midnight: None
) -> None:
    org = make.org_of(make.user())
    login(client, make.bureau())
    form = {"tier-tier": tier_id(app, INNOVATIVE), "tier-effective_on": TODAY_IN_BEIJING.isoformat()}
    assert client.post(f"/profiles/{org}/tier", data=form).status_code == 302
    with app.app_context():
        assert db.session.get(Organization, org).tier is not None
    tomorrow = {**form, "tier-effective_on": "2027-01-02"}
    response = client.post(f"/profiles/{org}/tier", data=tomorrow)
    assert response.status_code == 422 and "日期不能晚于今天。" in response.get_data(as_text=True)


def test_the_dashboard_offers_the_new_year_at_half_past_midnight(
    client: FlaskClient, make: Factory, half_past_midnight: None
) -> None:
    login(client, make.bureau())
    assert "2027年" in page(client, "/agreements/dashboard")


def test_pages_show_moments_in_beijing_time(app: Flask, half_past_midnight: None) -> None:
    from matchmaker.templating import format_datetime

    with app.app_context():
        assert format_datetime(datetime.now(UTC)) == "2027-01-01 00:30"


def test_nothing_but_the_clock_asks_the_server_for_today() -> None:
    """Pure Python: the server's date or a zone of its own appears nowhere else in matchmaker/."""
    banned = re.compile(r"\bdate\.today\(\)|\bdatetime\.(now|today)\(\)|\bCST\b|timedelta\(hours=8\)")
    offenders = [
        f"{path.relative_to(SOURCE.parent)}:{number}: {line.strip()}"
        for path in sorted(SOURCE.rglob("*.py"))
        if path.name != "clock.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if banned.search(line)
    ]
    assert offenders == []


def test_scoring_opens_at_midnight_in_beijing(
    app: Flask, client: FlaskClient, make: Factory, utc_host: None
) -> None:
    """The deadline day ends at midnight site time: at 23:30 in Beijing (15:30 UTC) on the deadline
    day a reviewer's scores are refused; at 00:30 the next morning (still the deadline day in UTC)
    they are taken."""
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, PostingKind.RD_NEED, **NEED)
    call_id = make.call(make.bureau(), [need], deadline=YESTERDAY_IN_BEIJING)
    with time_machine.travel(datetime(2026, 12, 31, 10, 0, tzinfo=UTC)):  # 18:00 in Beijing
        proposal = make.proposal(university, call_id)
    headers = {"Authorization": f"Bearer {make.token(enterprise)}"}
    url = f"/api/v1/calls/{call_id}/proposals/{proposal}/scores"
    criteria = client.get(f"/api/v1/calls/{call_id}", headers=headers).get_json()["criteria"]
    marks = {"scores": [{"criterion_id": c["id"], "score": 70} for c in criteria]}
    with time_machine.travel(datetime(2026, 12, 31, 15, 30, tzinfo=UTC)):  # 23:30 in Beijing
        response = client.post(url, json=marks, headers=headers)
        assert response.status_code == 409 and "2026-12-31截止后才能评分" in response.get_json()["message"]
    with time_machine.travel(NEW_YEAR_IN_BEIJING):
        assert date.today() == YESTERDAY_IN_BEIJING
        response = client.post(url, json=marks, headers=headers)
        assert response.status_code == 200 and response.get_json()["weighted_score"] == 70


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", None])
def test_an_unknown_time_zone_stops_the_app_at_start(tmp_path: Path, name: object) -> None:
    from matchmaker import create_app

    config = app_config(tmp_path / "matchmaker.sqlite3", TIMEZONE=name)
    with pytest.raises(RuntimeError, match="TIMEZONE 配置无效"):
        create_app(config)
