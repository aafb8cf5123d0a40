"""Hostile input at every door: line breaks in one-line fields, uploads served under names that
match what they are, duplicates and limits under concurrency (issue 22; docs/SECURITY.md)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Posting
from matchmaker.services import rules
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

    from matchmaker import clock
    from matchmaker.models import AgreementType, EventKind
    from matchmaker.services.agreements import AgreementDetails
    from matchmaker.services.calls import CallDetails
    from matchmaker.services.events import EventDetails
    from matchmaker.services.postings import PostingDetails

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
