"""回访: both sides of every accepted pairing (an event meeting marked 形成对接 included) are asked
how it is going FOLLOW_UP_MONTHS after acceptance by the daily job; each side answers its own
question once; 已签约 leads to the 登记协议 page prefilled from the pairing (and counts nothing by
itself); a question left unanswered past FOLLOW_UP_ANSWER_DAYS is told to the side's assigned
specialists, once; bureau staff see the rate, the answers and the overdue list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import User
from matchmaker.accounts.values import OrgType
from matchmaker.agreements.models import Agreement
from matchmaker.core import clock, jobs
from matchmaker.core.exceptions import InvalidTransition, PermissionDenied
from matchmaker.core.extensions import db
from matchmaker.events import operations as events
from matchmaker.events.models import Event, MeetingOutcome
from matchmaker.followups import operations as service
from matchmaker.followups import queries
from matchmaker.followups.models import FollowUp
from matchmaker.followups.values import FollowUpAnswer
from matchmaker.notifications.models import Notification
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import PairingState
from matchmaker.postings.values import PostingKind
from matchmaker.specialists.models import Assignment, Specialist
from matchmaker.specialists.values import SpecialistKind
from tests.conftest import Factory
from tests.test_events import NEED, OUTCOME, new_event, register
from tests.test_pairings import login, page


def user(email: str) -> User:
    found = accounts.find_user_by_email(email)
    assert found is not None
    return found


@pytest.fixture
def world(make: Factory) -> dict:
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, PostingKind.RD_NEED, title="高速精密冲压模具寿命提升")
    return {
        "enterprise": enterprise,
        "colleague": make.user(make.org_of(enterprise)),
        "university": university,
        "other": make.user(),
        "bureau": make.bureau(),
        "need": need,
        "pairing": make.pairing(university, need, PairingState.CONTACTED),
    }


class Today:
    """The site's today, moved by the test (clock.today is what every date rule asks)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.day = clock.today()
        monkeypatch.setattr(clock, "today", lambda: self.day)

    def set(self, day: date) -> None:
        self.day = day


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> Today:
    return Today(monkeypatch)


def accepted_on(app: Flask, pairing_id: int) -> date:
    with app.app_context():
        pairing = db.session.get(Pairing, pairing_id)
        assert pairing is not None and pairing.answered_at is not None
        return clock.local(pairing.answered_at).date()


def daily(app: Flask) -> None:
    """The worker's daily follow-up job (immediate mode in the tests: it runs now)."""
    with app.app_context():
        jobs.enqueue("followups.daily")


def followups(app: Flask, pairing_id: int | None = None) -> list[tuple[int, int, int]]:
    """(organisation, months, id) of the questions asked, in order."""
    with app.app_context():
        stmt = select(FollowUp).order_by(FollowUp.months, FollowUp.organization_id)
        if pairing_id is not None:
            stmt = stmt.where(FollowUp.pairing_id == pairing_id)
        return [(f.organization_id, f.months, f.id) for f in db.session.scalars(stmt)]


def notices(app: Flask, email: str) -> list[Notification]:
    with app.app_context():
        uid = user(email).id
        return list(db.session.scalars(select(Notification).where(Notification.user_id == uid)))


def asked_of(app: Flask, world: dict, email: str) -> int:
    """The id of the question asked of ``email``'s organisation."""
    with app.app_context():
        org = user(email).organization_id
        return db.session.scalars(
            select(FollowUp.id).where(FollowUp.organization_id == org).order_by(FollowUp.id.desc())
        ).first()


def due(app: Flask, world: dict, today: Today, months: int = 3) -> None:
    """Move to the day the round falls due and run the job."""
    today.set(service.add_months(accepted_on(app, world["pairing"]), months))
    daily(app)


def appoint(app: Flask, make: Factory, bureau: str, org_id: int) -> str:
    """A 服务专员 (a bureau user appointed) assigned to ``org_id``; returns the e-mail."""
    email = make.user(make.org_of(bureau))
    with app.app_context():
        staff = user(bureau)
        specialist = Specialist(user_id=user(email).id, kind=SpecialistKind.SERVICE, appointed_by_id=staff.id)
        db.session.add(specialist)
        db.session.flush()
        db.session.add(
            Assignment(specialist_id=specialist.id, organization_id=org_id, assigned_by_id=staff.id)
        )
        db.session.commit()
    return email


# --- scheduling --------------------------------------------------------------------------------


def test_both_sides_are_asked_at_three_and_six_months_once_each(
    app: Flask, world: dict, make: Factory, today: Today
) -> None:
    start = accepted_on(app, world["pairing"])
    e, u = make.org_of(world["enterprise"]), make.org_of(world["university"])
    today.set(service.add_months(start, 3) - timedelta(days=1))
    daily(app)
    assert followups(app) == []  # not yet
    today.set(service.add_months(start, 3))
    daily(app)
    asked = followups(app)
    assert sorted((org, m) for org, m, _ in asked) == sorted([(e, 3), (u, 3)])  # both sides
    titles = [n.title for n in notices(app, world["enterprise"])]
    assert any("回访" in t and "进展如何" in t for t in titles)
    assert any("回访" in n.title for n in notices(app, world["colleague"]))  # every user of the side
    assert any("回访" in n.title for n in notices(app, world["university"]))
    daily(app)  # the next day's run (or another machine's): nothing asked twice
    today.set(service.add_months(start, 3) + timedelta(days=1))
    daily(app)
    assert len(followups(app)) == 2
    today.set(service.add_months(start, 6))
    daily(app)
    assert sorted((org, m) for org, m, _ in followups(app)) == sorted([(e, 3), (u, 3), (e, 6), (u, 6)])


def test_the_intervals_come_from_the_configuration(app: Flask, world: dict, today: Today) -> None:
    app.config["FOLLOW_UP_MONTHS"] = (1,)
    start = accepted_on(app, world["pairing"])
    today.set(service.add_months(start, 1))
    daily(app)
    assert {m for _, m, _ in followups(app)} == {1}


def test_a_pairing_not_accepted_or_already_closed_is_not_asked_about(
    app: Flask, world: dict, make: Factory, today: Today
) -> None:
    interested = make.pairing(world["other"], world["need"])
    failed = make.pairing(make.user(org_type=OrgType.UNIVERSITY), world["need"], PairingState.FAILED)
    due(app, world, today)
    assert followups(app, interested) == [] and followups(app, failed) == []
    assert len(followups(app, world["pairing"])) == 2


def test_a_side_that_answered_signed_or_ended_is_not_asked_again(
    app: Flask, world: dict, client: FlaskClient, today: Today
) -> None:
    due(app, world, today, 3)
    login(client, world["university"])
    client.post(
        f"/followups/{asked_of(app, world, world['university'])}",
        data={"answer": "ended", "reason": "对方转向了其他技术路线"},
    )
    due(app, world, today, 6)
    asked = followups(app)
    assert len(asked) == 3  # the enterprise's second round only
    with app.app_context():
        assert user(world["enterprise"]).organization_id in {org for org, m, _ in asked if m == 6}


def test_a_meeting_marked_paired_at_an_event_is_followed_up(app: Flask, make: Factory, today: Today) -> None:
    enterprise, university, bureau = make.user(), make.user(org_type=OrgType.UNIVERSITY), make.bureau()
    need = make.posting(enterprise, PostingKind.RD_NEED, **NEED)
    outcome = make.posting(university, PostingKind.RESEARCH_OUTCOME, **OUTCOME)
    event_id = new_event(app, bureau, held_on=clock.today(), registration_deadline=clock.today())
    register(app, event_id, enterprise, (need,))
    register(app, event_id, university, (outcome,))
    with app.app_context():
        event = db.session.get(Event, event_id)
        staff = user(bureau)
        meeting = events.add_meeting(event, make.org_of(enterprise), make.org_of(university), 0, actor=staff)
        events.mark_held(event, actor=staff)
        pairing = events.record_outcome(
            meeting, MeetingOutcome.PAIRED, actor=staff, postings=events.postings_for_pairing(meeting)[0]
        )
        db.session.commit()
        assert pairing is not None
        pairing_id, start = pairing.id, clock.local(pairing.answered_at).date()
    today.set(service.add_months(start, 3))
    daily(app)
    assert {org for org, _, _ in followups(app, pairing_id)} == {
        make.org_of(enterprise),
        make.org_of(university),
    }


# --- answering -----------------------------------------------------------------------------------


def test_each_side_answers_its_own_question_and_staff_see_what_they_found(
    app: Flask, world: dict, client: FlaskClient, today: Today
) -> None:
    due(app, world, today)
    mine, theirs = asked_of(app, world, world["enterprise"]), asked_of(app, world, world["university"])
    login(client, world["enterprise"])
    listing = page(client, "/followups/")
    assert "高速精密冲压模具寿命提升" in listing and "待回答" in listing
    assert "仍在洽谈" in page(client, f"/followups/{mine}")
    response = client.post(f"/followups/{mine}", data={"answer": "negotiating", "reason": "样件测试中"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/followups/")
    # the other side's question is not this side's to answer
    assert client.post(f"/followups/{theirs}", data={"answer": "no_progress"}).status_code in (403, 404)
    response = client.post(f"/followups/{mine}", data={"answer": "no_progress"}, follow_redirects=True)
    assert "已经回答过了" in response.get_data(as_text=True)  # at most once
    with app.app_context():
        answered = db.session.get(FollowUp, mine)
        assert answered is not None and answered.answer is FollowUpAnswer.NEGOTIATING
        assert answered.reason == "样件测试中"
        assert db.session.get(FollowUp, theirs).answer is None
    login(client, world["university"])
    response = client.post(f"/followups/{theirs}", data={"answer": "ended"})
    assert response.status_code == 422 and "终止的原因" in response.get_data(as_text=True)
    client.post(f"/followups/{theirs}", data={"answer": "ended", "reason": "经费未落实"})
    login(client, world["bureau"])
    staff = page(client, "/followups/staff")
    assert "回访统计" in staff and "100%" in staff  # 2 asked, 2 answered
    ended = page(client, "/followups/staff/list?answer=ended")
    assert "经费未落实" in ended and "样件测试中" not in ended
    with app.app_context():
        figures = queries.figures(queries.Span())
        assert (figures.asked, figures.answered, figures.rate) == (2, 2, 1.0)
        assert figures.answers[FollowUpAnswer.ENDED] == figures.answers[FollowUpAnswer.NEGOTIATING] == 1
        assert sum(p.asked for p in figures.periods) == 2


def test_signed_opens_the_agreement_form_prefilled_and_counts_nothing_by_itself(
    app: Flask, world: dict, client: FlaskClient, today: Today
) -> None:
    due(app, world, today)
    mine = asked_of(app, world, world["enterprise"])
    login(client, world["enterprise"])
    response = client.post(f"/followups/{mine}", data={"answer": "signed"})
    assert response.status_code == 302
    assert f"/agreements/new?pairing={world['pairing']}" in response.headers["Location"]
    form = page(client, response.headers["Location"])
    assert 'value="高速精密冲压模具寿命提升"' in form  # the title, from the pairing
    with app.app_context():
        university = db.session.get(Pairing, world["pairing"]).initiator_org.name
        assert university in form  # the other party, from the pairing
        assert db.session.scalar(select(func.count(Agreement.id))) == 0  # the answer recorded no agreement
        assert db.session.get(Pairing, world["pairing"]).state is PairingState.CONTACTED


def test_two_answers_at_the_same_moment_one_wins_the_other_is_told_who(
    app: Flask, world: dict, today: Today
) -> None:
    due(app, world, today)
    mine = asked_of(app, world, world["enterprise"])
    with app.app_context():
        stale = db.session.get(FollowUp, mine)  # the colleague's page, loaded before the answer
        assert stale is not None and stale.answer is None
        with app.app_context():  # the first answer, in its own transaction
            first = db.session.get(FollowUp, mine)
            service.answer(first, FollowUpAnswer.SIGNED, actor=user(world["enterprise"]))
            db.session.commit()
        with pytest.raises(InvalidTransition, match=r"已经回答过了.*已签约"):
            service.answer(stale, FollowUpAnswer.NO_PROGRESS, actor=user(world["colleague"]))
        db.session.rollback()
    with app.app_context():
        kept = db.session.get(FollowUp, mine)
        assert kept is not None and kept.answer is FollowUpAnswer.SIGNED


# --- escalation ----------------------------------------------------------------------------------


def test_unanswered_past_the_window_the_assigned_specialist_is_told_once(
    app: Flask, world: dict, make: Factory, today: Today
) -> None:
    org = make.org_of(world["enterprise"])
    specialist = appoint(app, make, world["bureau"], org)
    due(app, world, today)
    asked_day = today.day
    answered = asked_of(app, world, world["university"])
    with app.app_context():
        service.answer(
            db.session.get(FollowUp, answered), FollowUpAnswer.NEGOTIATING, actor=user(world["university"])
        )
        db.session.commit()
    today.set(asked_day + timedelta(days=app.config["FOLLOW_UP_ANSWER_DAYS"]))
    daily(app)
    assert not [n for n in notices(app, specialist) if "逾期" in n.title]  # still within the window
    today.set(asked_day + timedelta(days=app.config["FOLLOW_UP_ANSWER_DAYS"] + 1))
    daily(app)
    told = [n for n in notices(app, specialist) if "逾期" in n.title]
    assert len(told) == 1 and make.org_of(world["enterprise"]) and "回访逾期未答" in told[0].title
    daily(app)  # the next run tells nobody again
    assert len([n for n in notices(app, specialist) if "逾期" in n.title]) == 1
    assert not [n for n in notices(app, world["bureau"]) if "逾期" in n.title]  # not everyone: the specialist
    with app.app_context():
        overdue = queries.overdue_for([org, make.org_of(world["other"])])
        assert [f.organization_id for f in overdue] == [org]  # the answered side is not overdue
        assert queries.overdue_for([make.org_of(world["university"])]) == []
        pairing_title = db.session.get(
            FollowUp, asked_of(app, world, world["enterprise"])
        ).pairing.target.title
    client = app.test_client()  # the specialist's 工作台 lists it under its enterprise
    login(client, specialist)
    page = client.get("/specialists/workbench").get_data(as_text=True)
    assert "逾期未答的回访" in page and pairing_title in page


def test_the_specialist_reads_the_question_but_only_the_side_answers(
    app: Flask, world: dict, make: Factory, client: FlaskClient, today: Today
) -> None:
    specialist = appoint(app, make, world["bureau"], make.org_of(world["enterprise"]))
    due(app, world, today)
    mine = asked_of(app, world, world["enterprise"])
    login(client, specialist)
    assert "进展如何" in page(client, f"/followups/{mine}")
    assert client.post(f"/followups/{mine}", data={"answer": "signed"}).status_code == 403
    login(client, world["other"])
    assert client.get(f"/followups/{mine}").status_code == 404
    assert client.get("/followups/staff").status_code == 403
    with app.app_context(), pytest.raises(PermissionDenied):
        service.answer(db.session.get(FollowUp, mine), FollowUpAnswer.SIGNED, actor=user(world["bureau"]))


# --- API -----------------------------------------------------------------------------------------


def test_the_api_lists_answers_and_gives_staff_the_figures(
    app: Flask, world: dict, make: Factory, client: FlaskClient, today: Today
) -> None:
    due(app, world, today)
    mine = asked_of(app, world, world["enterprise"])
    bearer = {"Authorization": f"Bearer {make.token(world['enterprise'])}"}
    listed = client.get("/api/v1/followups", headers=bearer).get_json()
    assert [f["id"] for f in listed["items"]] == [mine] and listed["items"][0]["answer"] is None
    response = client.post(f"/api/v1/followups/{mine}/answer", json={"answer": "signed"}, headers=bearer)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["agreement_form"].endswith(f"/agreements/new?pairing={world['pairing']}")
    again = client.post(f"/api/v1/followups/{mine}/answer", json={"answer": "no_progress"}, headers=bearer)
    assert again.status_code == 409 and "已经回答过了" in again.get_json()["message"]
    other = asked_of(app, world, world["university"])
    assert (
        client.post(
            f"/api/v1/followups/{other}/answer", json={"answer": "signed"}, headers=bearer
        ).status_code
        == 404
    )
    ended = {"Authorization": f"Bearer {make.token(world['university'])}"}
    refused = client.post(f"/api/v1/followups/{other}/answer", json={"answer": "ended"}, headers=ended)
    assert refused.status_code == 422 and "reason" in refused.get_json()["errors"]
    assert client.get("/api/v1/followups/figures", headers=bearer).status_code == 403
    staff = {"Authorization": f"Bearer {make.token(world['bureau'])}"}
    figures = client.get("/api/v1/followups/figures?since=2000-01-01", headers=staff).get_json()
    assert (figures["asked"], figures["answered"]) == (2, 1)
    assert {"answer": "signed", "count": 1} in figures["answers"]
    unanswered = client.get("/api/v1/followups/all?state=unanswered", headers=staff).get_json()
    assert [f["id"] for f in unanswered["items"]] == [other]
    assert client.get("/api/v1/followups/all?state=nonsense", headers=staff).status_code == 400


# --- demo data -----------------------------------------------------------------------------------


def test_the_demo_has_a_due_follow_up_an_overdue_one_and_a_signed_answer_with_its_agreement(
    app: Flask, runner: object
) -> None:
    result = runner.invoke(args=["demo-data"])  # type: ignore[attr-defined]
    assert result.exit_code == 0, result.output
    with app.app_context():
        asked = list(db.session.scalars(select(FollowUp)))
        assert any(f.answer is None and not queries.is_overdue(f) for f in asked)  # due, to answer
        assert any(queries.is_overdue(f) for f in asked)
        signed = [f for f in asked if f.answer is FollowUpAnswer.SIGNED]
        assert signed and signed[0].pairing.state is PairingState.SIGNED  # its agreement was recorded
        assert db.session.scalar(
            select(func.count(Agreement.id)).where(Agreement.pairing_id == signed[0].pairing_id)
        )


def test_the_job_is_a_daily_periodic_one_site_time(app: Flask) -> None:
    from datetime import datetime

    assert "followups.daily" in {p.name for p in jobs._PERIODIC}
    with app.app_context():
        hour = app.config["DIGEST_HOUR"]
        beijing = datetime(2026, 3, 2, hour, 15) - timedelta(hours=8)  # in UTC, as the worker asks
        assert service._due_daily(beijing)
        assert not service._due_daily(beijing + timedelta(minutes=1))
        assert not service._due_daily(beijing + timedelta(hours=1))


def test_a_pairing_ended_on_the_platform_meanwhile_is_not_chased(
    app: Flask, world: dict, make: Factory, today: Today
) -> None:
    from matchmaker.pairings import operations as pairings

    org = make.org_of(world["enterprise"])
    specialist = appoint(app, make, world["bureau"], org)
    due(app, world, today)
    with app.app_context():
        pairing = db.session.get(Pairing, world["pairing"])
        pairings.advance(pairing, PairingState.FAILED, "双方技术路线不一致", actor=user(world["enterprise"]))
        db.session.commit()
    today.set(today.day + timedelta(days=app.config["FOLLOW_UP_ANSWER_DAYS"] + 1))
    daily(app)
    assert not [n for n in notices(app, specialist) if "逾期" in n.title]
    with app.app_context():
        assert queries.overdue_for([org]) == []
