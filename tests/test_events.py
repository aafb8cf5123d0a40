"""Events (对接活动): creating one, invitations from the matching with their evidence, registration
with postings and breaks, meeting requests, the 1:1 schedule on real records (no double booking,
breaks, tables, hand moves refused on conflict, printable sheets, .xlsx) and the outcomes that
become pairings and agreements counted on the event's figures."""

from __future__ import annotations

import io
import random
import re
from datetime import timedelta

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgType
from matchmaker.core import clock
from matchmaker.core.exceptions import FieldError, InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.events import matching, outcomes
from matchmaker.events import operations as service
from matchmaker.events.models import (
    Event,
    EventInvitation,
    EventKind,
    EventRegistration,
    Meeting,
    MeetingOutcome,
)
from matchmaker.notifications.models import Notification
from matchmaker.pairings import operations as pairings
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import PairingState
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind
from matchmaker.taxonomy.models import TechField
from tests.conftest import Factory
from tests.test_pairings import NEED, OUTCOME, login, page

TODAY = clock.today()


def form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "扬州大学机械学院专题拜访",
        "kind": "supply",
        "held_on": (TODAY + timedelta(days=10)).isoformat(),
        "registration_deadline": (TODAY + timedelta(days=7)).isoformat(),
        "place": "宝应县科技创新中心三楼",
        "organisers": "宝应县工业和信息化局",
        "first_slot": "09:00",
        "slot_minutes": "20",
        "slot_count": "4",
        "tables": "2",
    }
    data.update(overrides)
    return data


@pytest.fixture
def world(make: Factory) -> dict:
    university = make.user(org_type=OrgType.UNIVERSITY)
    enterprise = make.user()
    return {
        "bureau": make.bureau(),
        "university": university,
        "enterprise": enterprise,
        "other": make.user(),
        "need": make.posting(enterprise, PostingKind.RD_NEED, **NEED),
        "outcome": make.posting(university, PostingKind.RESEARCH_OUTCOME, **OUTCOME),
    }


def user(email: str) -> User:
    found = accounts.find_user_by_email(email)
    assert found is not None
    return found


def new_event(app: Flask, bureau: str, **overrides: object) -> int:
    values = {
        "title": "产业链配套对接会",
        "kind": EventKind.SUPPLY,
        "held_on": TODAY + timedelta(days=10),
        "registration_deadline": TODAY + timedelta(days=7),
        "organisers": "宝应县工业和信息化局",
        "place": "宝应县会议中心",
        "slot_count": 4,
        "tables": 2,
    }
    values.update(overrides)
    with app.app_context():
        event = service.create_event(service.EventDetails(**values), actor=user(bureau))  # type: ignore[arg-type]
        db.session.commit()
        return event.id


def register(
    app: Flask, event_id: int, email: str, postings: tuple[int, ...] = (), breaks: tuple[int, ...] = ()
) -> None:
    with app.app_context():
        event = db.session.get(Event, event_id)
        chosen = [db.session.get(Posting, p) for p in postings]
        service.register(event, actor=user(email), postings=chosen, breaks=breaks)
        db.session.commit()


# --- creating --------------------------------------------------------------------------------


def test_bureau_staff_create_an_event_and_everyone_sees_it(
    client: FlaskClient, app: Flask, world: dict
) -> None:
    login(client, world["bureau"])
    response = client.post("/events/new", data=form())
    assert response.status_code == 302
    event_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    client.post("/auth/logout")
    listing = page(client, "/events/")
    assert "扬州大学机械学院专题拜访" in listing and "报名中" in listing
    detail = page(client, f"/events/{event_id}")
    assert "宝应县科技创新中心三楼" in detail and "登录后报名" in detail
    with app.app_context():
        assert db.session.get(Event, event_id).history[0].action == "event.created"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"registration_deadline": (TODAY + timedelta(days=20)).isoformat()}, "报名截止日期不能晚于活动日期"),
        ({"kind": "visit"}, "请选择拜访的高校或科研院所"),
        ({"kind": "online", "link": "zoom"}, "会议链接"),
        ({"first_slot": "9点"}, "09:00"),
        ({"held_on": "明天"}, "活动日期"),
        ({"tables": "0"}, "洽谈桌数"),
        ({"title": ""}, "请填写活动名称"),
    ],
)
def test_bad_event_input_is_refused_in_chinese_and_saves_nothing(
    client: FlaskClient, app: Flask, world: dict, overrides: dict, message: str
) -> None:
    login(client, world["bureau"])
    response = client.post("/events/new", data=form(**overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == 0


def test_a_field_ticked_twice_in_a_crafted_form_is_one_field(
    client: FlaskClient, app: Flask, world: dict
) -> None:
    with app.app_context():
        field_id = db.session.scalars(select(TechField.id).where(TechField.name == "先进制造")).one()
    login(client, world["bureau"])
    response = client.post("/events/new", data={**form(), "tech_fields": [str(field_id), str(field_id)]})
    assert response.status_code == 302
    with app.app_context():
        assert [t.name for t in db.session.scalars(select(Event)).one().tech_fields] == ["先进制造"]


def test_only_bureau_staff_create_or_run_events(client: FlaskClient, app: Flask, world: dict) -> None:
    event_id = new_event(app, world["bureau"])
    login(client, world["enterprise"])
    assert client.get("/events/new").status_code == 403
    assert client.post("/events/new", data=form()).status_code == 403
    assert client.get(f"/events/{event_id}/schedule").status_code == 403
    assert client.post(f"/events/{event_id}/schedule").status_code == 403
    assert client.get(f"/events/{event_id}/invitations").status_code == 403
    assert client.get(f"/events/{event_id}/schedule.xlsx").status_code == 403
    assert client.get("/events/999999").status_code == 404


# --- invitations -----------------------------------------------------------------------------


def test_a_visit_proposes_the_enterprises_whose_needs_match_the_hosts_outcomes(
    client: FlaskClient, app: Flask, world: dict, make: Factory
) -> None:
    host = make.org_of(world["university"])
    unrelated = make.user()
    make.posting(
        unrelated,
        PostingKind.RD_NEED,
        title="食品包装保鲜工艺改进",
        description="希望改进咸鸭蛋真空包装的保鲜工艺，延长货架期，降低胀袋率。",
    )
    with app.app_context():
        details = service.EventDetails(
            title="走进高校：机床热误差专题拜访",
            kind=EventKind.VISIT,
            held_on=TODAY + timedelta(days=10),
            registration_deadline=TODAY + timedelta(days=7),
            organisers="宝应县科学技术局",
            place="某大学机械工程学院",
            host=db.session.get(Organization, host),
        )
        event_id = service.create_event(details, actor=user(world["bureau"])).id
        db.session.commit()
    login(client, world["bureau"])
    shown = page(client, f"/events/{event_id}/invitations")
    enterprise_org = make.org_of(world["enterprise"])
    with app.app_context():
        name = db.session.get(Organization, enterprise_org).name
        unrelated_name = db.session.get(Organization, make.org_of(unrelated)).name
    assert name in shown and NEED["title"] in shown and OUTCOME["title"] in shown
    assert unrelated_name not in shown  # no evidence in common with the host's outcome
    response = client.post(f"/events/{event_id}/invitations", data={"org": str(enterprise_org)})
    assert response.status_code == 302
    with app.app_context():
        invitation = db.session.scalars(select(EventInvitation)).one()
        assert (
            invitation.organization_id == enterprise_org and invitation.strength and invitation.strength > 0
        )
        told = db.session.scalars(
            select(Notification).where(
                Notification.user_id == user(world["enterprise"]).id, Notification.kind == "event"
            )
        ).all()
        assert (
            len(told) == 1 and "邀请贵单位参加" in told[0].title and OUTCOME["title"] in (told[0].body or "")
        )
    assert "已邀请" in page(client, f"/events/{event_id}/invitations")
    # inviting again is harmless: one invitation, one notice
    client.post(f"/events/{event_id}/invitations", data={"org": str(enterprise_org)})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EventInvitation)) == 1


# --- registration ----------------------------------------------------------------------------


def test_registering_with_postings_and_breaks(client: FlaskClient, app: Flask, world: dict) -> None:
    event_id = new_event(app, world["bureau"])
    login(client, world["enterprise"])
    assert "报名参加" in page(client, f"/events/{event_id}")
    response = client.post(
        f"/events/{event_id}/register",
        data={"postings": [str(world["need"])], "breaks": ["0"], "attendees": "吴工"},
    )
    assert response.status_code == 302
    with app.app_context():
        registration = db.session.scalars(select(EventRegistration)).one()
        assert [p.id for p in registration.postings] == [world["need"]] and registration.breaks == [0]
    shown = page(client, f"/events/{event_id}")
    assert "贵单位已报名" in shown and NEED["title"] in shown
    # another organisation's posting is not theirs to bring
    response = client.post(f"/events/{event_id}/register", data={"postings": [str(world["outcome"])]})
    assert response.status_code == 422
    with app.app_context():
        registration = db.session.scalars(select(EventRegistration)).one()
        assert [p.id for p in registration.postings] == [world["need"]]  # nothing saved is lost
    # cancelling frees the place
    assert client.post(f"/events/{event_id}/register/cancel").status_code == 302
    with app.app_context():
        assert db.session.get(Event, event_id).active_registrations == []


def test_registration_is_refused_after_the_deadline_when_full_and_to_unverified(
    app: Flask, world: dict, make: Factory
) -> None:
    from matchmaker.accounts.values import OrgStatus

    closed = new_event(app, world["bureau"], held_on=TODAY, registration_deadline=TODAY - timedelta(days=1))
    with pytest.raises(InvalidTransition, match="截止报名"):
        register(app, closed, world["enterprise"])
    small = new_event(app, world["bureau"], capacity=1)
    register(app, small, world["enterprise"])
    with pytest.raises(InvalidTransition, match="名额已满"):
        register(app, small, world["other"])
    pending = make.user(status=OrgStatus.PENDING)
    from matchmaker.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied, match="认证"):
        register(app, small, pending)
    with pytest.raises(FieldError, match="休息"):
        open_event = new_event(app, world["bureau"])
        register(app, open_event, world["other"], breaks=(0, 1, 2, 3))


def test_a_pending_organisation_is_told_why_it_cannot_register_yet(
    client: FlaskClient, app: Flask, world: dict, make: Factory
) -> None:
    from matchmaker.accounts.values import OrgStatus

    event_id = new_event(app, world["bureau"])
    login(client, make.user(status=OrgStatus.PENDING))
    html = page(client, f"/events/{event_id}")
    assert ">报名参加</a>" not in html and "通过主管部门认证后，即可报名参加" in html
    client.post("/auth/logout")
    login(client, world["enterprise"])  # a verified one sees the button, not the explanation
    html = page(client, f"/events/{event_id}")
    assert ">报名参加</a>" in html and "认证后" not in html


# --- the schedule ----------------------------------------------------------------------------


def test_requested_meetings_are_scheduled_around_breaks_and_printed(
    client: FlaskClient, app: Flask, world: dict
) -> None:
    event_id = new_event(app, world["bureau"], slot_count=3, tables=1)
    register(app, event_id, world["enterprise"], (world["need"],), breaks=(0,))
    register(app, event_id, world["university"], (world["outcome"],))
    register(app, event_id, world["other"])
    login(client, world["university"])
    enterprise_org = Factory(app).org_of(world["enterprise"])
    assert (
        client.post(
            f"/events/{event_id}/requests", data={"other": str(enterprise_org), "note": "热误差"}
        ).status_code
        == 302
    )
    with app.app_context():
        told = db.session.scalars(
            select(Notification).where(Notification.user_id == user(world["enterprise"]).id)
        ).all()
        assert any("希望在" in n.title for n in told)
    login(client, world["bureau"])
    response = client.post(f"/events/{event_id}/schedule")
    assert response.status_code == 302
    with app.app_context():
        meetings = db.session.scalars(select(Meeting).where(Meeting.event_id == event_id)).all()
        requested = [m for m in meetings if m.requested]
        assert len(requested) == 1 and requested[0].slot != 0  # the enterprise rests in slot 0
        assert {requested[0].a_org_id, requested[0].b_org_id} == {
            enterprise_org,
            Factory(app).org_of(world["university"]),
        }
    grid = page(client, f"/events/{event_id}/schedule")
    assert "约见" in grid and "1 号桌" in grid
    # the participant prints its own timetable; another participant may not
    login(client, world["enterprise"])
    sheet = page(client, f"/events/{event_id}/schedule/participants/{enterprise_org}")
    assert "09:20–09:40" in sheet or "09:40–10:00" in sheet
    assert "我的洽谈日程" in page(client, f"/events/{event_id}")
    login(client, world["other"])
    assert client.get(f"/events/{event_id}/schedule/participants/{enterprise_org}").status_code == 403
    login(client, world["bureau"])
    assert "1 号洽谈桌" in page(client, f"/events/{event_id}/schedule/tables/1")
    assert client.get(f"/events/{event_id}/schedule/tables/9").status_code == 404
    response = client.get(f"/events/{event_id}/schedule.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    rows = list(book["洽谈日程"].iter_rows(values_only=True))
    assert rows[0][:4] == ("时段", "桌号", "单位一", "单位二") and len(rows) == 2
    assert len(book.sheetnames) == 4  # the schedule and one timetable per participant


def test_hand_moves_refuse_conflicts_in_chinese_and_survive_a_rebuild(
    client: FlaskClient, app: Flask, world: dict, make: Factory
) -> None:
    event_id = new_event(app, world["bureau"], slot_count=3, tables=2)
    third = make.user(org_type=OrgType.UNIVERSITY)
    register(app, event_id, world["enterprise"], breaks=(2,))
    register(app, event_id, world["university"])
    register(app, event_id, third)
    e, u, t = (make.org_of(x) for x in (world["enterprise"], world["university"], third))
    with app.app_context():
        event = db.session.get(Event, event_id)
        staff = user(world["bureau"])
        first = service.add_meeting(event, e, u, 0, actor=staff)
        service.add_meeting(event, e, t, 1, actor=staff)
        db.session.commit()
        first_id = first.id
    login(client, world["bureau"])
    # the enterprise already meets someone in slot 1, and rests in slot 2
    response = client.post(
        f"/events/{event_id}/meetings/{first_id}/move", data={"slot": "1"}, follow_redirects=True
    )
    # named by their time, as the grid shows them (09:00 start, 20 minutes each), not "时段 2"
    refused = response.get_data(as_text=True)
    assert "在 09:20–09:40 已有洽谈" in refused and "时段 2" not in refused
    response = client.post(
        f"/events/{event_id}/meetings/{first_id}/move", data={"slot": "2"}, follow_redirects=True
    )
    assert "在 09:40–10:00 休息" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Meeting, first_id).slot == 0  # nothing changed
    # a legal move is kept, fixed, through a rebuild
    with app.app_context():
        event = db.session.get(Event, event_id)
        service.remove_meeting(
            db.session.scalars(select(Meeting).where(Meeting.slot == 1)).one(), actor=user(world["bureau"])
        )
        db.session.commit()
    assert client.post(f"/events/{event_id}/meetings/{first_id}/move", data={"slot": "1"}).status_code == 302
    client.post(f"/events/{event_id}/schedule")
    with app.app_context():
        moved = db.session.get(Meeting, first_id)
        assert moved is not None and moved.slot == 1 and moved.fixed
        told = db.session.scalars(
            select(Notification).where(Notification.user_id == user(world["university"]).id)
        ).all()
        assert any("有调整" in n.title for n in told)


def test_generated_events_never_double_book_and_respect_breaks_and_tables(app: Flask, make: Factory) -> None:
    """Random participants, breaks and requests through the real service: every stored schedule
    keeps the constraints, and places every request first fit could."""
    from matchmaker.events import scheduling

    rng = random.Random(7)
    bureau = make.bureau()
    people = [make.user(org_type=rng.choice([OrgType.ENTERPRISE, OrgType.UNIVERSITY])) for _ in range(12)]
    for round_ in range(3):
        slots, tables = rng.randint(2, 5), rng.randint(1, 4)
        event_id = new_event(app, bureau, slot_count=slots, tables=tables, title=f"生成的对接会{round_}")
        breaks: dict[int, set[int]] = {}
        for email in people:
            rest = {s for s in range(slots) if rng.random() < 0.2} - {0}
            register(app, event_id, email, breaks=tuple(rest))
            breaks[make.org_of(email)] = rest
        orgs = sorted(breaks)
        with app.app_context():
            event = db.session.get(Event, event_id)
            wanted = []
            parties = {
                r.organization_id: service.Party(r.organization_id, r.organization.name)
                for r in event.active_registrations
            }
            for _ in range(30):
                a, b = rng.sample(orgs, 2)
                wanted.append(
                    scheduling.Wanted(parties[a], parties[b], rng.random() < 0.5, rng.randint(0, 100))
                )
            result = service.build_schedule(event, wanted, actor=user(bureau))
            db.session.commit()
            meetings = db.session.scalars(select(Meeting).where(Meeting.event_id == event_id)).all()
            seen: set[tuple[int, int]] = set()
            places: set[tuple[int, int]] = set()
            for m in meetings:
                for org in (m.a_org_id, m.b_org_id):
                    assert (org, m.slot) not in seen, "double booked"
                    seen.add((org, m.slot))
                    assert m.slot not in breaks[org], "meeting during a break"
                assert 0 <= m.table < tables and 0 <= m.slot < slots
                assert (m.slot, m.table) not in places
                places.add((m.slot, m.table))
            baseline = scheduling.first_fit(
                sorted(wanted, key=lambda w: not w.requested),
                slots=slots,
                tables=tables,
                breaks={parties[o]: s for o, s in breaks.items()},
            )
            assert result.requested_placed >= sum(m.requested for m in baseline.meetings.values())


def test_proposed_meetings_come_from_what_participants_bring(app: Flask, world: dict) -> None:
    event_id = new_event(app, world["bureau"])
    register(app, event_id, world["enterprise"], (world["need"],))
    register(app, event_id, world["university"], (world["outcome"],))
    register(app, event_id, world["other"])
    with app.app_context():
        event = db.session.get(Event, event_id)
        wanted = matching.wanted_meetings(event)
        assert len(wanted) == 1 and not wanted[0].requested and wanted[0].strength > 0
        assert {wanted[0].a.id, wanted[0].b.id} == {
            Factory(app).org_of(world["enterprise"]),
            Factory(app).org_of(world["university"]),
        }


# --- outcomes --------------------------------------------------------------------------------


def test_outcomes_become_pairings_and_agreements_counted_on_the_event(
    client: FlaskClient, app: Flask, world: dict, make: Factory
) -> None:
    event_id = new_event(app, world["bureau"], held_on=TODAY, registration_deadline=TODAY)
    register(app, event_id, world["enterprise"], (world["need"],))
    register(app, event_id, world["university"], (world["outcome"],))
    login(client, world["bureau"])
    client.post(f"/events/{event_id}/schedule")
    with app.app_context():
        meeting_id = db.session.scalars(select(Meeting.id).where(Meeting.event_id == event_id)).one()
    # outcomes only after the event took place
    response = client.post(
        f"/events/{event_id}/meetings/{meeting_id}/outcome",
        data={f"m{meeting_id}-outcome": "held"},
        follow_redirects=True,
    )
    assert "已举办" in response.get_data(as_text=True)
    assert client.post(f"/events/{event_id}/held").status_code == 302
    shown = page(client, f"/events/{event_id}/outcomes")
    assert NEED["title"] in shown  # the pairing's basis is offered
    response = client.post(
        f"/events/{event_id}/meetings/{meeting_id}/outcome",
        data={
            f"m{meeting_id}-outcome": "paired",
            f"m{meeting_id}-postings": f"{world['need']}-{world['outcome']}",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.outcome is MeetingOutcome.PAIRED and meeting.pairing is not None
        pairing = meeting.pairing
        assert pairing.state is PairingState.CONTACTED and pairing.target_id == world["need"]
        pairing_id = pairing.id
        assert outcomes.figures(db.session.get(Event, event_id)).pairings == 1
    # both sides see the pairing in their pipeline
    login(client, world["enterprise"])
    shown = page(client, f"/pairings/{pairing_id}")
    assert NEED["title"] in shown and OUTCOME["title"] in shown
    with app.app_context():
        pairings.advance(
            db.session.get(Pairing, pairing_id), PairingState.NEGOTIATING, actor=user(world["enterprise"])
        )
        db.session.commit()
    make.agreement(
        world["enterprise"],
        [(world["enterprise"], "buyer"), (world["university"], "seller")],
        pairing_id=pairing_id,
    )
    with app.app_context():
        figures = outcomes.figures(db.session.get(Event, event_id))
        assert (
            figures.pairings == 1 and figures.agreements == 1 and figures.verified == 1 and figures.held == 1
        )
    login(client, world["bureau"])
    assert "形成对接" in page(client, f"/events/{event_id}")
    assert "对接活动成效" in page(client, "/agreements/dashboard")


def test_held_is_offered_only_from_the_events_day(client: FlaskClient, app: Flask, world: dict) -> None:
    coming = new_event(app, world["bureau"])  # in ten days
    today = new_event(app, world["bureau"], held_on=TODAY, registration_deadline=TODAY)
    login(client, world["bureau"])
    shown = page(client, f"/events/{coming}")
    assert f'action="/events/{coming}/held"' not in shown  # the button would only be refused
    assert f"活动当天（{(TODAY + timedelta(days=10)).isoformat()}）起可以标记为已举办" in shown
    assert f'action="/events/{today}/held"' in page(client, f"/events/{today}")
    assert client.post(f"/events/{today}/held").status_code == 302


def test_the_outcome_form_offers_the_strongest_basis_first_and_nothing_it_would_refuse(
    client: FlaskClient, app: Flask, world: dict, make: Factory
) -> None:
    e, u = world["enterprise"], world["university"]
    weak = make.posting(
        e,
        PostingKind.RD_NEED,
        title="车间照明节能改造",
        description="厂房照明能耗高，希望改用节能灯具并按班次自动调光，同时兼顾机床区域的照度。",
        keywords=["照明", "节能"],
    )
    earlier = make.posting(
        e,
        PostingKind.RD_NEED,
        title="主轴温度监测与热误差补偿",
        description="数控机床主轴热变形导致加工误差，希望建立热误差模型并实时补偿。",
        keywords=["热误差", "补偿"],
    )
    make.pairing(u, earlier, PairingState.FAILED, own_id=world["outcome"])  # talked before the event
    event_id = new_event(app, world["bureau"], held_on=TODAY, registration_deadline=TODAY)
    register(app, event_id, e, (weak, earlier, world["need"]))  # the strong one brought last
    register(app, event_id, u, (world["outcome"],))
    with app.app_context():
        event = db.session.get(Event, event_id)
        staff = user(world["bureau"])
        meeting = service.add_meeting(event, make.org_of(e), make.org_of(u), 0, actor=staff)
        service.mark_held(event, actor=staff)
        db.session.commit()
        meeting_id = meeting.id
    login(client, world["bureau"])
    shown = page(client, f"/events/{event_id}/outcomes")
    select = shown[shown.index(f'name="m{meeting_id}-postings"') :]
    select = select[: select.index("</select>")]
    offered = re.findall(r"<option value=\"(\d+-\d+)\"[^>]*>([^<]*)</option>", select)
    assert [value for value, _ in offered] == [
        f"{world['need']}-{world['outcome']}",
        f"{weak}-{world['outcome']}",
    ]
    strengths = [int(re.search(r"匹配度 (\d+)", label)[1]) for _, label in offered]
    assert strengths[0] > strengths[1]  # strongest first, each with its strength
    assert "主轴温度监测与热误差补偿" not in select  # would be refused: an earlier pairing (未成功)


def test_a_meeting_added_by_hand_starts_with_no_organisation_chosen(
    client: FlaskClient, app: Flask, world: dict
) -> None:
    event_id = new_event(app, world["bureau"])
    register(app, event_id, world["enterprise"])
    register(app, event_id, world["university"])
    login(client, world["bureau"])
    shown = page(client, f"/events/{event_id}/schedule")
    form = shown[shown.index("人工安排一场洽谈") :]
    for side in ("a", "b"):
        select = form[form.index(f'name="{side}"') :]
        select = select[: select.index("</select>")]
        chosen = re.findall(r"<option selected[^>]*>([^<]*)</option>", select)
        assert chosen == ["请选择参会单位"]  # not the first organisation on both sides
    response = client.post(f"/events/{event_id}/meetings", data={"slot": "0"}, follow_redirects=True)
    assert "请选择两家参会单位" in response.get_data(as_text=True)


def test_a_cancelled_event_tells_its_participants(app: Flask, world: dict) -> None:
    event_id = new_event(app, world["bureau"])
    register(app, event_id, world["enterprise"])
    with app.app_context():
        event = db.session.get(Event, event_id)
        with pytest.raises(InvalidTransition, match="原因"):
            service.cancel_event(event, " ", actor=user(world["bureau"]))
        service.cancel_event(event, "场地临时调整，改期另行通知", actor=user(world["bureau"]))
        db.session.commit()
        told = db.session.scalars(
            select(Notification).where(Notification.user_id == user(world["enterprise"]).id)
        ).all()
        assert any("已取消" in n.title and "场地" in (n.body or "") for n in told)
        with pytest.raises(InvalidTransition):
            register(app, event_id, world["other"])


# --- the JSON API ----------------------------------------------------------------------------


def test_the_api_registers_asks_for_meetings_and_shows_each_side_its_schedule(
    client: FlaskClient, app: Flask, world: dict, make: Factory
) -> None:
    event_id = new_event(app, world["bureau"])
    headers = {
        name: {"Authorization": f"Bearer {make.token(world[name])}"}
        for name in ("enterprise", "university", "other", "bureau")
    }
    listed = client.get("/api/v1/events?when=upcoming", headers=headers["other"]).get_json()
    assert [e["id"] for e in listed["items"]] == [event_id]
    assert client.get("/api/v1/events?kind=party", headers=headers["other"]).status_code == 400
    response = client.post(
        f"/api/v1/events/{event_id}/registration",
        json={"posting_ids": [world["need"]], "breaks": [1]},
        headers=headers["enterprise"],
    )
    assert response.status_code == 201 and response.get_json()["posting_ids"] == [world["need"]]
    # someone else's posting is refused with the field named; nothing changes
    response = client.post(
        f"/api/v1/events/{event_id}/registration",
        json={"posting_ids": [world["outcome"]]},
        headers=headers["enterprise"],
    )
    assert response.status_code == 422 and "posting_ids" in response.get_json()["errors"]
    assert (
        client.post(
            f"/api/v1/events/{event_id}/registration", json={}, headers=headers["university"]
        ).status_code
        == 201
    )
    enterprise_org = make.org_of(world["enterprise"])
    response = client.post(
        f"/api/v1/events/{event_id}/meeting-requests",
        json={"organization_id": enterprise_org},
        headers=headers["university"],
    )
    assert response.status_code == 201
    assert (
        client.post(f"/api/v1/events/{event_id}/schedule", headers=headers["enterprise"]).status_code == 403
    )
    built = client.post(f"/api/v1/events/{event_id}/schedule", headers=headers["bureau"]).get_json()
    assert built["placed"] == 1 and built["requested_placed"] == 1
    mine = client.get(f"/api/v1/events/{event_id}/meetings", headers=headers["enterprise"]).get_json()[
        "items"
    ]
    assert len(mine) == 1 and mine[0]["slot"] != 1 and mine[0]["requested"]  # around its break
    assert client.get(f"/api/v1/events/{event_id}/meetings", headers=headers["other"]).status_code == 403
    detail = client.get(f"/api/v1/events/{event_id}", headers=headers["enterprise"]).get_json()
    assert detail["figures"]["meetings"] == 1 and detail["my_registration"]["breaks"] == [1]
    with app.app_context():
        event = db.session.get(Event, event_id)
        event.registration_deadline = TODAY - timedelta(days=1)
        db.session.commit()
    response = client.post(f"/api/v1/events/{event_id}/registration", json={}, headers=headers["other"])
    assert response.status_code == 409 and "截止" in response.get_json()["message"]


def test_the_workbench_lists_the_events_an_organisation_is_invited_to_or_registered_for(
    client: FlaskClient, app: Flask, world: dict, make: Factory
) -> None:
    invited = new_event(app, world["bureau"], title="邀请我们的对接会")
    joined = new_event(app, world["bureau"], title="我们报名的对接会")
    new_event(app, world["bureau"], title="与我们无关的对接会")
    with app.app_context():
        org = db.session.get(Organization, make.org_of(world["enterprise"]))
        service.invite(db.session.get(Event, invited), org, actor=user(world["bureau"]))
        db.session.commit()
    register(app, joined, world["enterprise"])
    login(client, world["enterprise"])
    home = page(client, "/home")
    assert "邀请我们的对接会" in home and "邀请贵单位参加" in home
    assert "我们报名的对接会" in home and "已报名" in home
    assert "与我们无关的对接会" not in home


# --- what a second look found ----------------------------------------------------------------


def test_odd_invitation_ids_are_ignored_not_a_server_error(
    client: FlaskClient, app: Flask, world: dict
) -> None:
    event_id = new_event(app, world["bureau"])
    login(client, world["bureau"])
    for value in ("²", "٣", "99999999999999999999999", "-1", "abc"):
        response = client.post(f"/events/{event_id}/invitations", data={"org": value})
        assert response.status_code == 302, value
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EventInvitation)) == 0


def test_timetable_sheet_names_are_unique_whatever_the_participants_are_called() -> None:
    names = ["A" * 25 + "-3", "A" * 28 + "甲", "A" * 28 + "乙", "a" * 28 + "甲", "洽谈日程", "[]:*?/\\", ""]
    titles = [t for t, _, _ in outcomes._unique_titles([(n, [], []) for n in names])]
    assert len({t.lower() for t in titles} | {"洽谈日程"}) == len(titles) + 1
    assert all(0 < len(t) <= 31 and not set(t) & set("[]:*?/\\") for t in titles)


def test_a_closed_pairing_is_not_claimed_as_the_events_outcome(
    app: Flask, world: dict, make: Factory
) -> None:
    event_id = new_event(app, world["bureau"], held_on=TODAY, registration_deadline=TODAY)
    failed = make.pairing(world["university"], world["need"], PairingState.FAILED, own_id=world["outcome"])
    register(app, event_id, world["enterprise"], (world["need"],))
    register(app, event_id, world["university"], (world["outcome"],))
    e, u = make.org_of(world["enterprise"]), make.org_of(world["university"])
    with app.app_context():
        event = db.session.get(Event, event_id)
        staff = user(world["bureau"])
        meeting = service.add_meeting(event, e, u, 0, actor=staff)
        service.mark_held(event, actor=staff)
        db.session.commit()
        basis = service.postings_for_pairing(meeting)
        with pytest.raises(FieldError, match="未成功"):
            service.record_outcome(meeting, MeetingOutcome.PAIRED, actor=staff, postings=basis[0])
        db.session.rollback()
        assert db.session.get(Meeting, meeting.id).pairing_id is None
        assert db.session.get(Pairing, failed).state is PairingState.FAILED


def test_a_meeting_fixed_by_hand_keeps_its_table_through_a_rebuild(
    app: Flask, world: dict, make: Factory
) -> None:
    event_id = new_event(app, world["bureau"], slot_count=2, tables=2)
    fourth = make.user(org_type=OrgType.UNIVERSITY)
    for email in (world["enterprise"], world["university"], world["other"], fourth):
        register(app, event_id, email)
    a, b, c, d = (make.org_of(x) for x in (world["enterprise"], world["university"], world["other"], fourth))
    with app.app_context():
        event = db.session.get(Event, event_id)
        staff = user(world["bureau"])
        first = service.add_meeting(event, a, b, 0, actor=staff)
        second = service.add_meeting(event, c, d, 0, actor=staff)
        assert (first.table, second.table) == (0, 1)
        service.remove_meeting(first, actor=staff)
        service.build_schedule(event, [], actor=staff)
        db.session.commit()
        kept = db.session.scalars(select(Meeting).where(Meeting.event_id == event_id)).one()
        assert {kept.a_org_id, kept.b_org_id} == {c, d} and (kept.slot, kept.table) == (0, 1)


def test_shrinking_the_grid_moves_or_removes_meetings_and_tells_both_sides(
    app: Flask, world: dict, make: Factory
) -> None:
    event_id = new_event(app, world["bureau"], slot_count=3, tables=2)
    fourth = make.user(org_type=OrgType.UNIVERSITY)
    for email in (world["enterprise"], world["university"], world["other"], fourth):
        register(app, event_id, email)
    a, b, c, d = (make.org_of(x) for x in (world["enterprise"], world["university"], world["other"], fourth))
    with app.app_context():
        event = db.session.get(Event, event_id)
        staff = user(world["bureau"])
        late = service.add_meeting(event, a, b, 2, actor=staff)
        service.add_meeting(event, a, d, 0, actor=staff)
        second_table = service.add_meeting(event, c, b, 0, actor=staff)
        assert second_table.table == 1
        late_id, second_id = late.id, second_table.id
        db.session.commit()
        details = service.EventDetails(
            title=event.title,
            kind=event.kind,
            held_on=event.held_on,
            registration_deadline=event.registration_deadline,
            organisers=event.organisers,
            place=event.place,
            slot_count=2,
            tables=2,
        )
        service.update_event(event, details, actor=staff)
        db.session.commit()
        assert db.session.get(Meeting, late_id) is None  # slot 3 is gone
        assert db.session.get(Meeting, second_id) is not None
        told = db.session.scalars(
            select(Notification).where(Notification.user_id == user(world["university"]).id)
        ).all()
        assert any("有调整" in n.title and "减少" in (n.body or "") for n in told)
        with pytest.raises(FieldError, match="名额不能少于已报名数"):
            service.update_event(
                event, service.EventDetails(**{**details.__dict__, "capacity": 2}), actor=staff
            )


def test_withdrawing_tells_the_other_side_of_each_meeting(app: Flask, world: dict, make: Factory) -> None:
    event_id = new_event(app, world["bureau"])
    register(app, event_id, world["enterprise"])
    register(app, event_id, world["university"])
    with app.app_context():
        event = db.session.get(Event, event_id)
        service.add_meeting(
            event,
            make.org_of(world["enterprise"]),
            make.org_of(world["university"]),
            1,
            actor=user(world["bureau"]),
        )
        db.session.commit()
        registration = service.registration_of(event, make.org_of(world["enterprise"]))
        service.cancel_registration(registration, actor=user(world["enterprise"]))
        db.session.commit()
        assert db.session.get(Event, event_id).meetings == []
        told = db.session.scalars(
            select(Notification).where(Notification.user_id == user(world["university"]).id)
        ).all()
        assert any("有调整" in n.title and "取消报名" in (n.body or "") for n in told)


def test_asking_for_a_meeting_without_registering_says_so(
    client: FlaskClient, app: Flask, world: dict
) -> None:
    event_id = new_event(app, world["bureau"])
    login(client, world["other"])
    response = client.post(f"/events/{event_id}/requests", data={"other": "1"})
    assert response.status_code == 403 and "尚未报名" in response.get_data(as_text=True)


def test_a_meeting_grid_past_midnight_is_refused(client: FlaskClient, app: Flask, world: dict) -> None:
    login(client, world["bureau"])
    response = client.post("/events/new", data=form(first_slot="23:40", slot_count="4", slot_minutes="20"))
    assert response.status_code == 422 and "24点" in response.get_data(as_text=True)


def test_staff_read_the_events_history_on_its_page(client: FlaskClient, app: Flask, world: dict) -> None:
    event_id = new_event(app, world["bureau"])
    register(app, event_id, world["enterprise"])
    login(client, world["bureau"])
    shown = page(client, f"/events/{event_id}")
    assert "活动记录" in shown and "创建活动" in shown and "报名参会" in shown
    login(client, world["enterprise"])
    assert "活动记录" not in page(client, f"/events/{event_id}")


def test_staff_run_an_event_through_the_api_from_creation_to_a_counted_outcome(
    client: FlaskClient, app: Flask, world: dict, make: Factory
) -> None:
    headers = {
        name: {"Authorization": f"Bearer {make.token(world[name])}"}
        for name in ("enterprise", "university", "other", "bureau")
    }
    body = {
        "title": "产业链配套对接会（API）",
        "kind": "supply",
        "held_on": TODAY.isoformat(),  # today, so that it can be marked held
        "registration_deadline": TODAY.isoformat(),
        "organisers": "宝应县工业和信息化局",
        "place": "宝应县会议中心",
        "fields": ["先进制造"],
        "slot_count": 4,
        "tables": 1,
    }
    # refused in Chinese, every field at once, nothing created
    response = client.post(
        "/api/v1/events",
        json={**body, "held_on": "下周二", "place": "", "fields": ["炼金术"]},
        headers=headers["bureau"],
    )
    errors = response.get_json()["errors"]
    assert response.status_code == 422 and {"held_on", "fields"} <= set(errors), errors
    assert client.post("/api/v1/events", json={**body, "place": ""}, headers=headers["bureau"]).get_json()[
        "errors"
    ] == {"place": ["请填写活动地点（最多200个字）。"]}
    assert (
        client.post("/api/v1/events", json={**body, "tables": "2"}, headers=headers["bureau"]).status_code
        == 400
    )
    assert client.post("/api/v1/events", json=body, headers=headers["enterprise"]).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == 0
    response = client.post("/api/v1/events", json=body, headers=headers["bureau"])
    assert response.status_code == 201, response.get_json()
    event_id = response.get_json()["id"]
    assert response.headers["Location"].endswith(f"/api/v1/events/{event_id}")
    assert response.get_json()["fields"] == ["先进制造"] and len(response.get_json()["slots"]) == 4
    # a partial change keeps the rest; a bad one changes nothing
    changed = client.patch(f"/api/v1/events/{event_id}", json={"capacity": 10}, headers=headers["bureau"])
    assert changed.status_code == 200 and changed.get_json()["capacity"] == 10
    assert changed.get_json()["title"] == body["title"]
    refused = client.patch(
        f"/api/v1/events/{event_id}", json={"capacity": 0, "title": "新名称新名称"}, headers=headers["bureau"]
    )
    assert refused.status_code == 422 and "名额" in refused.get_json()["errors"]["capacity"][0]
    assert (
        client.get(f"/api/v1/events/{event_id}", headers=headers["other"]).get_json()["title"]
        == body["title"]
    )
    assert (
        client.patch(f"/api/v1/events/{event_id}", json={}, headers=headers["university"]).status_code == 403
    )
    nulls = client.patch(f"/api/v1/events/{event_id}", json={"held_on": None}, headers=headers["bureau"])
    assert nulls.status_code == 422 and nulls.get_json()["errors"]["held_on"]
    twice = client.patch(
        f"/api/v1/events/{event_id}", json={"fields": ["先进制造", " 先进制造"]}, headers=headers["bureau"]
    )
    assert twice.status_code == 200 and twice.get_json()["fields"] == ["先进制造"]
    for name, postings in (
        ("enterprise", [world["need"]]),
        ("university", [world["outcome"]]),
        ("other", []),
    ):
        assert (
            client.post(
                f"/api/v1/events/{event_id}/registration",
                json={"posting_ids": postings},
                headers=headers[name],
            ).status_code
            == 201
        )
    ent, uni, other = (make.org_of(world[n]) for n in ("enterprise", "university", "other"))
    # meetings by hand: placed, refused on conflict with the reason, moved, removed
    url = f"/api/v1/events/{event_id}/meetings"
    made = client.post(url, json={"a_id": ent, "b_id": uni, "slot": 0}, headers=headers["bureau"])
    assert made.status_code == 201 and made.get_json()["fixed"] and made.get_json()["table"] == 1
    meeting_id = made.get_json()["id"]
    busy = client.post(url, json={"a_id": other, "b_id": uni, "slot": 0}, headers=headers["bureau"])
    assert busy.status_code == 422 and busy.get_json()["errors"]["slot"], busy.get_json()
    assert (
        client.post(
            url, json={"a_id": ent, "b_id": uni, "slot": 0}, headers=headers["enterprise"]
        ).status_code
        == 403
    )
    assert client.patch(f"{url}/{meeting_id}", json={"slot": 9}, headers=headers["bureau"]).get_json()[
        "errors"
    ]["slot"] == ["本次活动的时段为 0 到 3。"]
    moved = client.patch(f"{url}/{meeting_id}", json={"slot": 2}, headers=headers["bureau"])
    assert moved.status_code == 200 and moved.get_json()["slot"] == 2
    extra = client.post(
        url, json={"a_id": other, "b_id": uni, "slot": 0}, headers=headers["bureau"]
    ).get_json()
    assert client.delete(f"{url}/{extra['id']}", headers=headers["bureau"]).status_code == 204
    assert client.delete(f"{url}/{extra['id']}", headers=headers["bureau"]).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(Meeting.slot).where(Meeting.event_id == event_id)).all() == [2]
    # the other participant withdraws
    assert (
        client.delete(f"/api/v1/events/{event_id}/registration", headers=headers["other"]).status_code == 204
    )
    assert (
        client.delete(f"/api/v1/events/{event_id}/registration", headers=headers["other"]).status_code == 404
    )
    # outcomes, after the event only
    outcome_url = f"{url}/{meeting_id}/outcome"
    early = client.post(outcome_url, json={"outcome": "held"}, headers=headers["bureau"])
    assert early.status_code == 409 and "已举办" in early.get_json()["message"]
    held = client.post(f"/api/v1/events/{event_id}/held", headers=headers["bureau"])
    assert held.status_code == 200 and held.get_json()["status"] == "held"
    assert (
        client.delete(f"/api/v1/events/{event_id}/registration", headers=headers["enterprise"]).status_code
        == 409
    )
    assert client.post(outcome_url, json={"outcome": "pending"}, headers=headers["bureau"]).status_code == 422
    basis = client.post(outcome_url, json={"outcome": "paired"}, headers=headers["bureau"])
    assert basis.status_code == 422 and "posting_ids" in basis.get_json()["errors"]
    backwards = client.post(
        outcome_url,
        json={"outcome": "paired", "posting_ids": [world["outcome"], world["need"]]},
        headers=headers["bureau"],
    )
    assert backwards.status_code == 422
    paired = client.post(
        outcome_url,
        json={"outcome": "paired", "posting_ids": [world["need"], world["outcome"]], "note": "约定下周到厂"},
        headers=headers["bureau"],
    )
    assert paired.status_code == 200 and paired.get_json()["outcome"] == "paired"
    with app.app_context():
        pairing = db.session.get(Pairing, paired.get_json()["pairing_id"])
        assert pairing.target_id == world["need"] and pairing.state is PairingState.CONTACTED
    figures = client.get(f"/api/v1/events/{event_id}", headers=headers["bureau"]).get_json()["figures"]
    assert figures["pairings"] == 1 and figures["held"] == 1


def test_staff_invite_from_the_matching_and_cancel_an_event_through_the_api(
    client: FlaskClient, app: Flask, world: dict, make: Factory
) -> None:
    headers = {
        name: {"Authorization": f"Bearer {make.token(world[name])}"} for name in ("enterprise", "bureau")
    }
    body = {
        "title": "走进高校：机床热误差专题拜访",
        "kind": "visit",
        "held_on": (TODAY + timedelta(days=10)).isoformat(),
        "registration_deadline": (TODAY + timedelta(days=7)).isoformat(),
        "organisers": "宝应县科学技术局",
        "place": "某大学机械工程学院",
    }
    response = client.post("/api/v1/events", json=body, headers=headers["bureau"])
    assert response.status_code == 422 and "host_id" in response.get_json()["errors"]  # a visit to whom?
    host = make.org_of(world["university"])
    event_id = client.post(
        "/api/v1/events", json={**body, "host_id": host}, headers=headers["bureau"]
    ).get_json()["id"]
    url = f"/api/v1/events/{event_id}/invitations"
    assert client.get(url, headers=headers["enterprise"]).status_code == 403
    suggested = client.get(url, headers=headers["bureau"]).get_json()
    enterprise_org = make.org_of(world["enterprise"])
    first = suggested["candidates"][0]
    assert first["organization"]["id"] == enterprise_org and first["strength"] > 0
    assert NEED["title"] in first["reason"] and first["host_posting_id"] == world["outcome"]
    assert client.post(url, json={"organization_ids": [999999]}, headers=headers["bureau"]).status_code == 422
    invited = client.post(url, json={"organization_ids": [enterprise_org]}, headers=headers["bureau"])
    assert invited.status_code == 200 and invited.get_json()["invited"] == [enterprise_org]
    again = client.post(url, json={"organization_ids": [enterprise_org]}, headers=headers["bureau"])
    assert again.get_json()["invited"] == []  # once, and one notice
    with app.app_context():
        told = db.session.scalars(
            select(Notification).where(
                Notification.user_id == user(world["enterprise"]).id, Notification.kind == "event"
            )
        ).all()
        assert len(told) == 1 and OUTCOME["title"] in (told[0].body or "")
    assert (
        client.get(url, headers=headers["bureau"]).get_json()["invited"][0]["strength"] == first["strength"]
    )
    # cancelling needs a reason, which the registered organisations are told
    register(app, event_id, world["enterprise"])
    cancel = f"/api/v1/events/{event_id}/cancel"
    assert client.post(cancel, json={"reason": " "}, headers=headers["bureau"]).status_code == 422
    assert client.post(cancel, json={"reason": "场地调整"}, headers=headers["enterprise"]).status_code == 403
    cancelled = client.post(cancel, json={"reason": "场地临时调整，改期另行通知"}, headers=headers["bureau"])
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert client.post(cancel, json={"reason": "再取消一次"}, headers=headers["bureau"]).status_code == 409
    # a cancelled event is not edited, whatever the body says
    late = client.patch(f"/api/v1/events/{event_id}", json={"capacity": 0}, headers=headers["bureau"])
    assert late.status_code == 409 and "已取消" in late.get_json()["message"]
    assert client.post(cancel, json={"reason": ""}, headers=headers["bureau"]).status_code == 409
    with app.app_context():
        assert db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.title.contains("已取消"))
        )


def test_seven_registrations_at_once_for_two_places_keep_two(app: Flask, make: Factory, world: dict) -> None:
    """Seven enterprises press 报名 together for an event with two places: two are registered, the
    other five are told the places are taken — no overbooking, no error page."""
    import threading

    from flask.testing import FlaskClient as Client

    event_id = new_event(app, world["bureau"], capacity=2)
    clients = []
    for _ in range(7):
        c = app.test_client()
        login(c, make.user())
        clients.append(c)
    barrier, statuses = threading.Barrier(len(clients)), []

    def press(c: Client) -> None:
        barrier.wait()
        for _ in range(5):  # 系统正忙 (a loaded machine's SQLite lock wait ran out): pressed again
            status = c.post(f"/events/{event_id}/register", data={"attendees": "吴工"}).status_code
            if status != 503:
                break
        statuses.append(status)

    threads = [threading.Thread(target=press, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == 7 and all(s < 500 for s in statuses), statuses
    with app.app_context():
        assert len(db.session.get(Event, event_id).active_registrations) == 2
    told = [page(c, f"/events/{event_id}") for c in clients]  # each sees its flash
    assert sum("报名信息已保存" in t for t in told) == 2
    assert sum("2个名额已满" in t for t in told) == 5
