"""Attribution (who found the need behind a pairing or an agreement, who brokered it) and results per
person (人员业绩): derived at every door that creates a pairing, copied to the agreement, set by bureau
staff; counted per specialist, per 科技镇长团 and per 技术转移服务机构, each figure equal to its
drill-down, the workbook equal to the page, and each viewer seeing what they may.

Rows of the specialists capability (Specialist, Visit, Diagnosis) and a need's provenance on its
posting (visit, finder, confirmation) are written here as plain model inserts and updates: the
operations that write them are being written on another branch (spec). Postings, pairings and
agreements go through their operations. The lead may switch these helpers to spec's operations.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import User
from matchmaker.accounts.values import OrgType
from matchmaker.agreements import counting
from matchmaker.agreements.models import Agreement
from matchmaker.core import clock
from matchmaker.core.extensions import db
from matchmaker.core.journal import JournalEntry
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import PairingState
from matchmaker.postings.models import Posting
from matchmaker.postings.values import Confirmation, PostingKind, PostingStatus
from matchmaker.specialists import attribution
from matchmaker.specialists import results as service
from matchmaker.specialists.models import Diagnosis, Specialist, Visit
from matchmaker.specialists.values import Grade, SpecialistKind
from tests.conftest import Auth, Factory

TEAM = "第十六批科技镇长团宝应分团"


# --- building the records ----------------------------------------------------------------------------


def _user(app: Flask, email: str) -> User:
    user = accounts.find_user_by_email(email)
    assert user is not None
    return user


def appoint(
    app: Flask, email: str, kind: SpecialistKind, *, team: str | None = None, ended: bool = False
) -> int:
    """A specialist appointment (plain insert: spec's operations are on another branch)."""
    with app.app_context():
        user = _user(app, email)
        staff = accounts.find_user_by_email("reviewer@example.com") or user
        row = Specialist(user_id=user.id, kind=kind, team=team, appointed_by_id=staff.id)
        if ended:
            row.ended_at, row.end_reason = clock.now(), "任期届满"
        db.session.add(row)
        db.session.commit()
        return row.id


def visit(app: Flask, specialist_id: int, org_id: int, on: date) -> int:
    """A 走访记录 (plain insert)."""
    with app.app_context():
        specialist = db.session.get(Specialist, specialist_id)
        assert specialist is not None
        row = Visit(
            specialist_id=specialist_id,
            organization_id=org_id,
            visited_on=on,
            met="总经理",
            notes="了解研发需求",
            created_by_id=specialist.user_id,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def found_need(
    app: Flask,
    make: Factory,
    owner: str,
    visit_id: int,
    confirmation: Confirmation,
    *,
    published: bool = False,
    graded_by: int | None = None,
) -> int:
    """A need found on a visit: the posting through postings' operations (published ones were
    confirmed first), its provenance and any diagnosis as plain writes (spec's operations)."""
    status = PostingStatus.PUBLISHED if published else PostingStatus.DRAFT
    posting_id = make.posting(owner, PostingKind.RD_NEED, status)
    with app.app_context():
        the_visit = db.session.get(Visit, visit_id)
        assert the_visit is not None
        posting = db.session.get(Posting, posting_id)
        assert posting is not None
        posting.visit_id = visit_id
        posting.found_by_id = the_visit.specialist.user_id
        posting.confirmation = confirmation
        if graded_by is not None:
            db.session.add(Diagnosis(posting_id=posting_id, specialist_id=graded_by, grade=Grade.READY))
        db.session.commit()
    return posting_id


def attribute(
    app: Flask, kind: str, record_id: int, *, found: str | None = None, brokered: str | None = None
) -> None:
    """Bureau staff's attribution (specialists/attribution.py), by the users' e-mails."""
    with app.app_context():
        model = Pairing if kind == "pairing" else Agreement
        subject = db.session.get(model, record_id)
        staff = accounts.find_user_by_email("staff@example.com")
        assert subject is not None and staff is not None
        attribution.set_attribution(
            subject,
            found_by_id=_user(app, found).id if found else subject.found_by_id,
            brokered_by_id=_user(app, brokered).id if brokered else subject.brokered_by_id,
            note="电话牵线，有通话记录",
            actor=staff,
        )
        db.session.commit()


def agreement(
    app: Flask,
    make: Factory,
    recorder: str,
    other: str,
    *,
    tech: str,
    signed_on: date,
    pairing_id: int | None = None,
    verified: bool = True,
) -> int:
    """An agreement through agreements' operations, with a 技术交易额, confirmed and verified."""
    from matchmaker.accounts import creditcode
    from matchmaker.agreements import operations as agreements
    from matchmaker.agreements.values import AgreementType, PartySide, PartyType

    with app.app_context():
        by = _user(app, recorder)
        parties = []
        for email, side in ((recorder, PartySide.BUYER), (other, PartySide.SELLER)):
            org = _user(app, email).organization
            if org.credit_code is None and org.type is OrgType.ENTERPRISE:
                first17 = f"91321023MA{org.id:07d}"
                org.credit_code = first17 + creditcode.check_digit(first17)
            parties.append(
                agreements.PartyDetails(side, org.name, PartyType.of(org.type), org.credit_code, org)
            )
        pairing = db.session.get(Pairing, pairing_id) if pairing_id else None
        if pairing is not None:
            parties = agreements.parties_of_pairing(pairing)
        record = agreements.record_agreement(
            agreements.AgreementDetails(
                type=AgreementType.TECH_DEV_COMMISSIONED,
                title=f"技术开发合同{tech}",
                signed_on=signed_on,
                parties=parties,
                contract_amount=Decimal(tech) * 2,
                tech_amount=Decimal(tech),
            ),
            actor=by,
            pairing=pairing,
        )
        if verified:
            confirmer_org = next(iter(agreements.confirmers(record)))
            confirmer = db.session.scalars(select(User).where(User.organization_id == confirmer_org)).first()
            agreements.confirm_agreement(record, actor=confirmer)
            agreements.verify_agreement(record, actor=make.reviewer())
        db.session.commit()
        return record.id


@dataclass
class World:
    emails: dict[str, str]
    specialists: dict[str, int]
    agencies: dict[str, int]
    first: date
    last: date
    ids: dict[str, int] = field(default_factory=dict)


def build(app: Flask, make: Factory) -> World:
    """Specialists of every kind (a team of two, two brokers of one agency, one of another whose
    appointment has ended), enterprises visited inside and outside the period, needs in every
    confirmation state, diagnoses, pairings by interest and by 牵线, agreements verified and not,
    inside and outside the period, and the same contract recorded twice."""
    today = clock.today()
    first, last = date(today.year, 1, 1), date(today.year, 12, 31)
    before = date(today.year - 1, 6, 15)
    agency_a = make.org(OrgType.AGENCY, name="宝应技术转移中心")
    agency_b = make.org(OrgType.AGENCY, name="扬州科技服务有限公司")
    e = {
        "staff": make.user(org_type=OrgType.BUREAU, email="staff@example.com"),
        "service": make.user(org_type=OrgType.BUREAU),
        "e1": make.user(),
        "e2": make.user(),
        "e3": make.user(),
        "e4": make.user(),
        "u1": make.user(org_type=OrgType.UNIVERSITY),
        "u2": make.user(org_type=OrgType.UNIVERSITY),
        "broker1": make.user(agency_a),
        "broker2": make.user(agency_a),
        "retired": make.user(agency_b),
    }
    e["mayor1"] = make.user(make.org_of(e["u1"]))
    e["mayor2"] = make.user(make.org_of(e["u2"]))
    s = {
        "service": appoint(app, e["service"], SpecialistKind.SERVICE),
        "mayor1": appoint(app, e["mayor1"], SpecialistKind.MAYOR_TEAM, team=TEAM),
        "mayor2": appoint(app, e["mayor2"], SpecialistKind.MAYOR_TEAM, team=TEAM),
        "broker1": appoint(app, e["broker1"], SpecialistKind.BROKER),
        "broker2": appoint(app, e["broker2"], SpecialistKind.BROKER),
        "retired": appoint(app, e["retired"], SpecialistKind.BROKER, ended=True),
    }
    org = {k: make.org_of(e[k]) for k in ("e1", "e2", "e3", "e4")}
    w = World(e, s, {"a": agency_a, "b": agency_b}, first, last)
    inside = today
    v1 = visit(app, s["service"], org["e1"], inside)
    visit(app, s["service"], org["e1"], first)
    v3 = visit(app, s["service"], org["e2"], inside)
    v_old = visit(app, s["service"], org["e3"], before)
    v_mayor = visit(app, s["mayor1"], org["e2"], inside)
    visit(app, s["mayor2"], org["e2"], inside)
    v_broker = visit(app, s["broker1"], org["e4"], inside)
    visit(app, s["retired"], org["e4"], inside)

    n1 = found_need(app, make, e["e1"], v1, Confirmation.CONFIRMED, published=True, graded_by=s["service"])
    found_need(app, make, e["e1"], v1, Confirmation.AWAITING)
    found_need(app, make, e["e2"], v3, Confirmation.REFUSED)
    n4 = found_need(app, make, e["e2"], v_mayor, Confirmation.BY_STAFF, published=True, graded_by=s["mayor1"])
    n5 = found_need(app, make, e["e3"], v_old, Confirmation.CONFIRMED, published=True)
    n6 = found_need(app, make, e["e4"], v_broker, Confirmation.CONFIRMED, published=True)
    make.posting(e["e1"], PostingKind.RD_NEED)  # the enterprise's own need: nobody's result

    p1 = make.pairing(e["u1"], n1, PairingState.CONTACTED)
    make.pairing(e["u2"], n5)  # begun today on a need found last year
    outcome = make.posting(e["u2"], PostingKind.RESEARCH_OUTCOME)
    with app.app_context():
        from matchmaker.pairings import operations as pairings

        p4 = pairings.introduce(
            db.session.get(Posting, n4), db.session.get(Posting, outcome), "请双方洽谈", actor=make.reviewer()
        ).id
        db.session.commit()
    attribute(app, "pairing", p4, brokered=e["mayor2"])  # the team's two members: one pairing
    p6 = make.pairing(e["u1"], n6, PairingState.CONTACTED)
    attribute(app, "pairing", p6, brokered=e["broker1"])
    old = make.pairing(e["u2"], n1)
    with app.app_context():  # a pairing begun last year (its moment set by hand)
        db.session.execute(
            update(Pairing).where(Pairing.id == old).values(created_at=datetime(before.year, 6, 1))
        )
        db.session.commit()

    w.ids["g1"] = agreement(app, make, e["e1"], e["u1"], tech="30", signed_on=inside, pairing_id=p1)
    w.ids["g6"] = agreement(app, make, e["e4"], e["u1"], tech="50", signed_on=inside, pairing_id=p6)
    w.ids["g3"] = agreement(app, make, e["e3"], e["u2"], tech="20", signed_on=inside)
    attribute(app, "agreement", w.ids["g3"], found=e["mayor1"], brokered=e["broker2"])
    w.ids["g3_again"] = agreement(
        app, make, e["e3"], e["u2"], tech="20", signed_on=inside
    )  # the same contract
    attribute(app, "agreement", w.ids["g3_again"], brokered=e["broker2"])
    with app.app_context():
        p4_pairing = db.session.get(Pairing, p4)
        target_user = db.session.scalars(
            select(User).where(User.organization_id == p4_pairing.target_org_id)
        ).first()
        from matchmaker.pairings import operations as pairings

        pairings.accept(p4_pairing, actor=target_user)
        db.session.commit()
    w.ids["g4"] = agreement(
        app, make, e["e2"], e["u2"], tech="40", signed_on=inside, pairing_id=p4, verified=False
    )
    w.ids["g_old"] = agreement(app, make, e["e1"], e["u1"], tech="70", signed_on=before)
    attribute(app, "agreement", w.ids["g_old"], found=e["service"])
    w.ids.update(p1=p1, p4=p4, p6=p6, n1=n1, n4=n4, n6=n6)
    return w


# --- reading the page ---------------------------------------------------------------------------------

CELL = re.compile(r'<td data-label="[^"]*" data-figure="(\w+)"><a href="([^"]+)">([^<]*)</a></td>')


def read_page(text: str) -> dict[str, list[tuple[str, dict[str, tuple[str, str]]]]]:
    """{grouping: [(name, {figure: (value, drill-down url)})]} from the results page."""
    tables = {}
    for by, body in re.findall(
        r'<table class="cards results-table" data-grouping="(\w+)">(.*?)</table>', text, re.S
    ):
        rows = []
        for row in re.findall(r'<tr class="result-row">(.*?)</tr>', body, re.S):
            name = html.unescape(re.search(r'<td data-label="名称">(.*?)</td>', row).group(1))
            rows.append((name, {code: (value, html.unescape(url)) for code, url, value in CELL.findall(row)}))
        tables[by] = rows
    return tables


def listed(client: FlaskClient, url: str) -> tuple[int, list[str]]:
    """A drill-down's total and the 技术交易额 cells of every page."""
    response = client.get(url)
    assert response.status_code == 200, url
    text = response.get_data(as_text=True)
    total = int(re.search(r"共 (\d+) 条", text).group(1))
    amounts = re.findall(r'<td data-label="技术交易额（万元）">([^<]*)</td>', text)
    return total, amounts


def period_args(w: World) -> str:
    return f"from={w.first.isoformat()}&to={w.last.isoformat()}"


# --- tests ---------------------------------------------------------------------------------------------


@pytest.mark.dialect
def test_every_figure_equals_its_drill_down_and_the_workbook_equals_the_page(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    app.config["SPECIALIST_REWARD_PERCENT"] = 2
    w = build(app, make)
    auth.login(w.emails["staff"])
    response = client.get(f"/specialists/results?{period_args(w)}")
    assert response.status_code == 200
    tables = read_page(response.get_data(as_text=True))
    by_name = {
        by: {name: {k: v for k, (v, _) in cells.items()} for name, cells in rows}
        for by, rows in tables.items()
    }

    # What the records say, by hand.
    assert len(tables["specialist"]) == 6
    figures = ["enterprises", "visits", "needs", "confirmed", "graded", "proposed", "pairings", "agreements"]

    def row(values: dict[str, str]) -> list[Any]:
        return [int(values[f]) for f in figures] + [Decimal(values["tech_amount"]), Decimal(values["reward"])]

    by_key = {}  # every test user is called 测试用户: a person's row is found by its key
    for _, cells in tables["specialist"]:
        key = int(re.search(r"key=(\d+)", cells["visits"][1]).group(1))
        by_key[key] = {k: v for k, (v, _) in cells.items()}
    s = w.specialists
    assert row(by_key[s["service"]]) == [2, 3, 3, 1, 1, 1, 2, 1, Decimal("30.00"), Decimal("0.00")]
    assert row(by_key[s["mayor1"]]) == [1, 1, 1, 1, 1, 1, 1, 1, Decimal("20.00"), Decimal("0.00")]
    assert row(by_key[s["mayor2"]]) == [1, 1, 0, 0, 0, 0, 1, 0, Decimal("0.00"), Decimal("0.00")]
    assert row(by_key[s["broker1"]]) == [1, 1, 1, 1, 0, 1, 1, 1, Decimal("50.00"), Decimal("1.00")]
    assert row(by_key[s["broker2"]]) == [0, 0, 0, 0, 0, 0, 0, 1, Decimal("20.00"), Decimal("0.40")]
    assert row(by_key[s["retired"]]) == [1, 1, 0, 0, 0, 0, 0, 0, Decimal("0.00"), Decimal("0.00")]
    assert row(by_name["team"][TEAM]) == [1, 2, 1, 1, 1, 1, 1, 1, Decimal("20.00"), Decimal("0.00")]
    assert row(by_name["agency"]["宝应技术转移中心"]) == [
        1,
        1,
        1,
        1,
        0,
        1,
        1,
        2,
        Decimal("70.00"),
        Decimal("1.40"),
    ]
    assert row(by_name["agency"]["扬州科技服务有限公司"]) == [
        1,
        1,
        0,
        0,
        0,
        0,
        0,
        0,
        Decimal("0.00"),
        Decimal("0.00"),
    ]

    # Every figure equals its drill-down (each list page read, the amounts summed).
    checked = 0
    for rows_of in tables.values():
        for _, cells in rows_of:
            for code, (value, url) in cells.items():
                total, amounts = listed(client, url)
                if code in ("tech_amount", "reward"):
                    summed = sum((Decimal(a) for a in amounts if a != "—"), Decimal(0))
                    if code == "reward":
                        summed = (summed * 2 / 100).quantize(Decimal("0.01"))
                    assert summed == Decimal(value), (url, value, amounts)
                else:
                    assert total == int(value), (url, value)
                checked += 1
    assert checked == (6 + 1 + 2) * 10

    # The counted agreements are the dashboard's: agreements/counting.py for the same year.
    with app.app_context():
        span = counting.Span(w.first.year, w.first.year)
        dashboard = {a.id for a in counting.distinct(span)}
        ours = set(
            db.session.scalars(
                select(Agreement.id).where(service.counted_agreements(service.Period(w.first, w.last)))
            )
        )
        assert ours == dashboard
        assert w.ids["g3_again"] not in ours and w.ids["g4"] not in ours and w.ids["g_old"] not in ours

    # The workbook says what the page says.
    response = client.get(f"/specialists/results.xlsx?{period_args(w)}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["个人业绩", "科技镇长团业绩", "技术转移服务机构业绩"]
    for sheet, by in zip(book.worksheets, ("specialist", "team", "agency"), strict=True):
        lines = list(sheet.iter_rows(values_only=True))
        assert lines[0][-1] == "奖励基数（万元）"
        assert len(lines) - 1 == len(tables[by])
        for line, (name, cells) in zip(lines[1:], tables[by], strict=True):
            assert line[0] == name
            values = [cells[f][0] for f in (*figures, "tech_amount", "reward")]
            assert [Decimal(str(v)).quantize(Decimal("0.01")) for v in line[2:]] == [
                Decimal(v).quantize(Decimal("0.01")) for v in values
            ]

    # The API gives the same numbers, and the same records.
    token = make.token(w.emails["staff"])
    headers = {"Authorization": f"Bearer {token}"}
    answer = client.get(f"/api/v1/specialists/results?{period_args(w)}", headers=headers)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["reward_percent"] == 2
    api_rows = {int(r["key"]): r["figures"] for r in body["specialists"]}
    for key, values in by_key.items():
        for code, value in values.items():
            assert Decimal(str(api_rows[key][code])) == Decimal(value), (key, code)
    records = client.get(
        f"/api/v1/specialists/results/records?figure=agreements&by=agency&key={w.agencies['a']}&{period_args(w)}",
        headers=headers,
    ).get_json()
    assert sorted(records["ids"]) == sorted([w.ids["g6"], w.ids["g3"]]) and records["total"] == 2


def test_a_fixed_number_of_statements_whatever_the_data(app: Flask, make: Factory) -> None:
    """The tables cost the same number of statements for one specialist as for a crowd."""
    from sqlalchemy import event

    def statements() -> int:
        seen: list[str] = []

        def count(*args: Any) -> None:
            seen.append(args[2])

        with app.app_context():
            engine = db.engine
            event.listen(engine, "before_cursor_execute", count)
            try:
                service.results(service.default_period())
            finally:
                event.remove(engine, "before_cursor_execute", count)
            db.session.rollback()
        return len(seen)

    app.config["SPECIALIST_REWARD_PERCENT"] = 1
    one = make.user(org_type=OrgType.BUREAU)
    spec = appoint(app, one, SpecialistKind.SERVICE, team="甲团")
    enterprise = make.user()
    visit(app, spec, make.org_of(enterprise), clock.today())
    small = statements()
    agency = make.org(OrgType.AGENCY)
    for n in range(8):
        person = make.user(agency)
        other = appoint(app, person, SpecialistKind.BROKER, team=f"团{n % 3}")
        for _ in range(3):
            visit(app, other, make.org_of(make.user()), clock.today())
    assert statements() == small


def test_the_period_defaults_to_the_plan_in_force_and_bad_dates_are_said_in_chinese(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    staff = make.user(org_type=OrgType.BUREAU)
    auth.login(staff)
    with app.app_context():
        span = counting.default_span()
    text = client.get("/specialists/results").get_data(as_text=True)
    assert f"{span.start:%Y-%m-%d} 至 {span.end:%Y-%m-%d}" in text
    response = client.get("/specialists/results?from=2025-13-01&to=2025-01-01")
    assert response.status_code == 400
    assert "日期应写成 2025-06-30 的形式。" in response.get_data(as_text=True)
    response = client.get("/specialists/results?from=2025-06-01&to=2025-01-01")
    assert response.status_code == 400 and "结束日期不能早于开始日期。" in response.get_data(as_text=True)
    token = make.token(staff)
    answer = client.get(
        "/api/v1/specialists/results?from=2025-06-01&to=2025-01-01",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 400 and answer.get_json()["errors"] == {"to": ["结束日期不能早于开始日期。"]}


def test_a_pairing_takes_its_finder_from_its_need_at_every_door(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    finder = make.user(org_type=OrgType.BUREAU)
    spec = appoint(app, finder, SpecialistKind.SERVICE)
    enterprise, university, other_university = (
        make.user(),
        make.user(org_type=OrgType.UNIVERSITY),
        make.user(org_type=OrgType.UNIVERSITY),
    )
    v = visit(app, spec, make.org_of(enterprise), clock.today())
    need = found_need(app, make, enterprise, v, Confirmation.CONFIRMED, published=True)
    own_need = make.posting(enterprise, PostingKind.RD_NEED)  # the enterprise's own: no finder
    outcome = make.posting(make.user(org_type=OrgType.UNIVERSITY), PostingKind.RESEARCH_OUTCOME)
    with app.app_context():
        finder_id = _user(app, finder).id
    # interest on the web
    by_interest = make.pairing(university, need)
    # interest through the API
    token = make.token(other_university)
    answer = client.post(
        "/api/v1/pairings",
        json={"target_posting_id": need, "message": "我们有热误差补偿的成果。"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201
    by_api = answer.get_json()["id"]
    # 牵线, the need on either side
    with app.app_context():
        from matchmaker.pairings import operations as pairings

        staff = make.reviewer()
        to_need = pairings.introduce(
            db.session.get(Posting, need), db.session.get(Posting, outcome), "请洽谈", actor=staff
        )
        db.session.commit()
        to_need_id = to_need.id
    third = make.user(org_type=OrgType.UNIVERSITY)
    third_outcome = make.posting(third, PostingKind.RESEARCH_OUTCOME)
    with app.app_context():
        from_need = pairings.introduce(
            db.session.get(Posting, third_outcome),
            db.session.get(Posting, need),
            "请洽谈",
            actor=make.reviewer(),
        )
        not_found = pairings.introduce(
            db.session.get(Posting, own_need),
            db.session.get(Posting, third_outcome),
            "请洽谈",
            actor=make.reviewer(),
        )
        db.session.commit()
        from_need_id, not_found_id = from_need.id, not_found.id
    # 揭榜挂帅: the award opens a pairing
    call_need = found_need(app, make, enterprise, v, Confirmation.CONFIRMED, published=True)
    call_id = make.call(make.bureau(), [call_need])
    proposal_id = make.proposal(university, call_id)
    with app.app_context():
        from matchmaker.calls import operations as calls
        from matchmaker.calls.models import CallProposal, ChallengeCall

        call = db.session.get(ChallengeCall, call_id)
        call.deadline = clock.today() - timedelta(days=1)
        awarded = calls.award(
            call, db.session.get(CallProposal, proposal_id), "方案最优", actor=make.reviewer()
        )
        db.session.commit()
        awarded_id = awarded.id
    with app.app_context():
        found = {pid: by for pid, by in db.session.execute(select(Pairing.id, Pairing.found_by_id))}
    for pairing_id in (by_interest, by_api, to_need_id, from_need_id, awarded_id):
        assert found[pairing_id] == finder_id
    assert found[not_found_id] is None


def test_an_agreement_copies_its_pairings_attribution(app: Flask, make: Factory) -> None:
    finder, broker = make.user(org_type=OrgType.BUREAU), make.user(make.org(OrgType.AGENCY))
    spec = appoint(app, finder, SpecialistKind.SERVICE)
    appoint(app, broker, SpecialistKind.BROKER)
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = found_need(
        app,
        make,
        enterprise,
        visit(app, spec, make.org_of(enterprise), clock.today()),
        Confirmation.CONFIRMED,
        published=True,
    )
    make.user(org_type=OrgType.BUREAU, email="staff@example.com")
    pairing = make.pairing(university, need, PairingState.CONTACTED)
    attribute(app, "pairing", pairing, brokered=broker)
    signed = agreement(
        app,
        make,
        enterprise,
        university,
        tech="12",
        signed_on=clock.today(),
        pairing_id=pairing,
        verified=False,
    )
    standalone = agreement(
        app, make, enterprise, university, tech="5", signed_on=clock.today(), verified=False
    )
    with app.app_context():
        record = db.session.get(Agreement, signed)
        assert (record.found_by_id, record.brokered_by_id) == (_user(app, finder).id, _user(app, broker).id)
        alone = db.session.get(Agreement, standalone)
        assert (alone.found_by_id, alone.brokered_by_id) == (None, None)


def test_staff_set_attribution_on_the_pages_and_through_the_api(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    staff = make.user(org_type=OrgType.BUREAU, email="staff@example.com")
    broker = make.user(make.org(OrgType.AGENCY))
    retired = make.user(make.org(OrgType.AGENCY))
    appoint(app, broker, SpecialistKind.BROKER)
    appoint(app, retired, SpecialistKind.BROKER, ended=True)
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, PostingKind.RD_NEED)
    pairing = make.pairing(university, need, PairingState.CONTACTED)
    record = agreement(app, make, enterprise, university, tech="8", signed_on=clock.today())
    with app.app_context():
        broker_id, retired_id = _user(app, broker).id, _user(app, retired).id

    auth.login(staff)
    page = client.get(f"/pairings/{pairing}").get_data(as_text=True)
    assert "发现人与居间人" in page and f'<option value="{broker_id}"' in page
    assert f'<option value="{retired_id}"' not in page  # not serving: not offered
    response = client.post(
        f"/pairings/{pairing}/attribution", data={"brokered_by_id": str(broker_id), "note": ""}
    )
    assert response.status_code == 303
    assert "请说明依据" in client.get(response.location).get_data(as_text=True)
    response = client.post(
        f"/pairings/{pairing}/attribution", data={"brokered_by_id": str(retired_id), "note": "合同居间方"}
    )
    assert "居间人须是在任的服务专员、科技镇长团成员或技术经纪人。" in client.get(response.location).get_data(
        as_text=True
    )
    response = client.post(
        f"/pairings/{pairing}/attribution",
        data={"brokered_by_id": str(broker_id), "note": "电话牵线，有通话记录"},
    )
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert (
        "已记录发现人和居间人。" in page
        and "电话牵线，有通话记录" in page
        and "主管部门认定发现人、居间人" in page
    )
    with app.app_context():
        assert db.session.get(Pairing, pairing).brokered_by_id == broker_id
        entry = db.session.scalars(
            select(JournalEntry).where(JournalEntry.action == "pairing.attributed")
        ).one()
        assert entry.note == "电话牵线，有通话记录" and entry.changes == {"brokered_by_id": [None, broker_id]}

    assert "发现人与居间人" in client.get(f"/agreements/{record}").get_data(as_text=True)
    response = client.post(
        f"/agreements/{record}/attribution", data={"found_by_id": str(broker_id), "note": "走访发现"}
    )
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(Agreement, record)
        assert saved.found_by_id == broker_id and saved.attribution_note == "走访发现"
        assert saved.status.value == "verified"  # attribution is not what the count depends on

    token = make.token(staff)
    headers = {"Authorization": f"Bearer {token}"}
    answer = client.post(
        f"/api/v1/agreements/{record}/attribution",
        json={"found_by_id": None, "note": "更正"},
        headers=headers,
    )
    assert answer.status_code == 200
    assert answer.get_json() == {
        "id": record,
        "found_by_id": None,
        "brokered_by_id": None,
        "attribution_note": "更正",
    }
    answer = client.post(
        f"/api/v1/pairings/{pairing}/attribution",
        json={"found_by_id": retired_id, "note": "x"},
        headers=headers,
    )
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {
        "found_by_id": ["发现人须是在任的服务专员、科技镇长团成员或技术经纪人。"]
    }
    answer = client.post(
        f"/api/v1/pairings/{pairing}/attribution", json={"note": "没有变化"}, headers=headers
    )
    assert answer.status_code == 422

    # the parties see no form and may not post one
    auth.logout()
    auth.login(enterprise)
    assert "发现人与居间人" not in client.get(f"/pairings/{pairing}").get_data(as_text=True)
    response = client.post(
        f"/pairings/{pairing}/attribution", data={"found_by_id": str(broker_id), "note": "x"}
    )
    assert response.status_code == 403 and "发现人和居间人由主管部门工作人员认定。" in response.get_data(
        as_text=True
    )
    answer = client.post(
        f"/api/v1/agreements/{record}/attribution",
        json={"found_by_id": broker_id, "note": "x"},
        headers={"Authorization": f"Bearer {make.token(enterprise)}"},
    )
    assert answer.status_code == 403


def test_a_specialist_sees_only_their_own_results_and_others_none(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    agency = make.org(OrgType.AGENCY, name="宝应技术转移中心")
    mine, theirs = make.user(agency), make.user(agency)
    me = appoint(app, mine, SpecialistKind.BROKER, team=TEAM)
    other = appoint(app, theirs, SpecialistKind.BROKER, team=TEAM)
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    visit(app, me, make.org_of(enterprise), clock.today())
    visit(app, other, make.org_of(enterprise), clock.today())
    visit(app, other, make.org_of(university), clock.today())

    auth.login(mine)
    assert ">我的业绩</a>" in client.get("/").get_data(as_text=True)  # in the header
    text = client.get("/specialists/results").get_data(as_text=True)
    tables = read_page(text)
    assert list(tables) == ["specialist"] and len(tables["specialist"]) == 1
    assert tables["specialist"][0][1]["visits"][0] == "1"
    assert client.get(f"/specialists/results/list?figure=visits&by=specialist&key={me}").status_code == 200
    for url in (
        f"/specialists/results/list?figure=visits&by=specialist&key={other}",
        f"/specialists/results/list?figure=visits&by=team&key={TEAM}",
        f"/specialists/results/list?figure=visits&by=agency&key={agency}",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
    book = openpyxl.load_workbook(io.BytesIO(client.get("/specialists/results.xlsx").data))
    assert book.sheetnames == ["个人业绩"] and book.worksheets[0].max_row == 2
    token = make.token(mine)
    body = client.get("/api/v1/specialists/results", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert (
        [r["key"] for r in body["specialists"]] == [str(me)]
        and body["teams"] == []
        and body["agencies"] == []
    )
    assert body["reward_percent"] is None and "reward" not in body["specialists"][0]["figures"]
    answer = client.get(
        f"/api/v1/specialists/results/records?figure=visits&by=specialist&key={other}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 403

    for email in (enterprise, university):
        auth.logout()
        auth.login(email)
        assert ">我的业绩</a>" not in client.get("/").get_data(as_text=True)
        response = client.get("/specialists/results")
        assert response.status_code == 403
        assert "人员业绩仅主管部门和服务专员、科技镇长团成员、技术经纪人本人可以查看。" in response.get_data(
            as_text=True
        )
        assert client.get("/specialists/results.xlsx").status_code == 403
        assert (
            client.get(f"/specialists/results/list?figure=visits&by=specialist&key={me}").status_code == 403
        )
        answer = client.get(
            "/api/v1/specialists/results", headers={"Authorization": f"Bearer {make.token(email)}"}
        )
        assert answer.status_code == 403
