"""已签约 means an agreement, and the two funnels say the same: the bureau's 对接漏斗 (/pairings/funnel)
and the 计划进展 dashboard's (/agreements/dashboard) name the pairings' stages alike and count them
alike, on random pairings and agreements made through the services and on the demo data."""

from __future__ import annotations

import random
import re
from datetime import date

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import User
from matchmaker.accounts.values import OrgType
from matchmaker.agreements import counting
from matchmaker.agreements import operations as agreement_service
from matchmaker.agreements.models import Agreement
from matchmaker.core.extensions import db
from matchmaker.pairings import funnel
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import PairingState
from matchmaker.postings.values import PostingKind
from tests.conftest import Factory
from tests.test_pairings import login, page

SHARED = ("interested", "contacted", "signed")


def test_one_vocabulary() -> None:
    for stage in SHARED:
        assert counting.FUNNEL_LABELS[stage] == funnel.STAGE_LABELS[stage]
    assert "接受对接" not in counting.FUNNEL_LABELS.values()


def agree(app: Flask, client: FlaskClient, span: counting.Span) -> dict[str, int]:
    """The shared stages' numbers, asserted equal in both computations and on both pages."""
    with app.app_context():
        report = funnel.build(funnel.Filters(since=span.start, until=span.end))
        ids = counting.funnel_ids(span)
        numbers = {stage: len(ids[stage]) for stage in SHARED}
        assert numbers == {stage: report.counts[stage] for stage in SHARED}, span.key
        # 已签约 means an agreement: every signed pairing has one that is not deleted, and every
        # pairing with such an agreement is signed.
        live = set(
            db.session.scalars(
                select(Agreement.pairing_id).where(
                    Agreement.pairing_id.isnot(None), Agreement.deleted_at.is_(None)
                )
            )
        )
        signed = set(db.session.scalars(select(Pairing.id).where(Pairing.state == PairingState.SIGNED)))
        assert signed == live
    board = page(client, f"/agreements/dashboard?year={span.key}")
    pipeline = page(client, f"/pairings/funnel?since={span.start}&until={span.end}")
    for stage in SHARED:
        label = funnel.STAGE_LABELS[stage]
        assert f"<strong>{numbers[stage]}</strong>{label}" in board, (stage, span.key)
        assert re.search(rf"<strong>{numbers[stage]}</strong>{label}</a>", pipeline), (stage, span.key)
    return numbers


def test_the_funnels_agree_on_generated_data(app: Flask, client: FlaskClient, make: Factory) -> None:
    rng = random.Random(21)
    bureau = make.bureau()
    enterprises = [make.user() for _ in range(3)]
    universities = [make.user(org_type=OrgType.UNIVERSITY) for _ in range(3)]
    needs = [
        make.posting(e, PostingKind.RD_NEED, title=f"研发需求第{n}号") for n, e in enumerate(enterprises * 2)
    ]
    states = [
        PairingState.INTERESTED,
        PairingState.CONTACTED,
        PairingState.NEGOTIATING,
        PairingState.SIGNED,
        PairingState.FAILED,
        PairingState.DECLINED,
    ]
    made = []
    for need in needs:
        for university in rng.sample(universities, 2):
            made.append(make.pairing(university, need, rng.choice(states)))
    with app.app_context():  # some agreements deleted (their pairing is 洽谈中 again), some added
        staff = accounts.find_user_by_email(bureau)
        signed = db.session.scalars(select(Pairing).where(Pairing.state == PairingState.SIGNED)).all()
        assert signed, "the seed makes some"
        for pairing in signed[::2]:
            (agreement,) = db.session.scalars(select(Agreement).where(Agreement.pairing_id == pairing.id))
            agreement_service.delete_agreement(agreement, "登记错了", actor=staff)
            assert pairing.state is PairingState.NEGOTIATING and pairing.closed_at is None
        db.session.commit()
    negotiating = [p for p in made if make_state(app, p) is PairingState.NEGOTIATING]
    for pairing_id in negotiating[:2]:  # recorded from a pairing: signed in the same transaction
        with app.app_context():
            pairing = db.session.get(Pairing, pairing_id)
            recorder = db.session.scalars(
                select(User).where(User.organization_id == pairing.target_org_id)
            ).first()
            make._sign(pairing, recorder)
            db.session.commit()
        assert make_state(app, pairing_id) is PairingState.SIGNED
    login(client, bureau)
    this_year = date.today().year
    numbers = agree(app, client, counting.Span(this_year, this_year))
    assert numbers["interested"] == len(made) and numbers["signed"] >= 2
    agree(app, client, counting.Span(this_year - 1, this_year + 1))
    agree(app, client, counting.Span(2000, 2000))  # nothing: zero on both


def make_state(app: Flask, pairing_id: int) -> PairingState:
    with app.app_context():
        return db.session.get(Pairing, pairing_id).state


def test_the_funnels_agree_on_the_demo_data(app: Flask, client: FlaskClient, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    login_demo = client.post("/auth/login", data={"email": "gxj@demo-baoying.cn", "password": "demo12345"})
    assert login_demo.status_code == 302
    this_year = date.today().year
    numbers = agree(app, client, counting.Span(this_year, this_year))
    assert numbers["signed"] >= 1  # the demo's signed pairing has its agreement
    for year in range(2023, this_year):
        agree(app, client, counting.Span(year, year))
    agree(app, client, counting.Span(2023, this_year))
