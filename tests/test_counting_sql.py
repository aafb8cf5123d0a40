"""The counting pages at any size: the 计划进展 dashboard, the 对接漏斗, the 培育库 and the ledger
compute their figures in the database — the same figures as the definition in memory
(counting.groups, counts_toward, breakdown, amounts, monthly, median_days) — in a number of SQL
statements that does not grow with the records, on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select, update

from matchmaker.accounts.models import Organization
from matchmaker.accounts.values import OrgType
from matchmaker.agreements import counting
from matchmaker.agreements.models import Agreement
from matchmaker.core import clock
from matchmaker.core.extensions import db
from matchmaker.pairings import funnel
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import PairingState
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind
from matchmaker.profiles import operations as profiles
from matchmaker.taxonomy.models import EnterpriseTier, TechField, Town
from tests.conftest import Factory
from tests.test_pairings import login, page

STATES = [
    PairingState.INTERESTED,
    PairingState.CONTACTED,
    PairingState.NEGOTIATING,
    PairingState.FAILED,
    PairingState.DECLINED,
]
KINDS = ["tech_dev_commissioned", "tech_transfer", "iur_agreement", "new_product", "innovation_plan"]


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement sent to the database while the block runs."""
    sent: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


def grow(app: Flask, make: Factory, rng: random.Random, n: int) -> None:
    """``n`` more of everything, through the services: enterprises in towns and tiers with needs,
    universities with outcomes, pairings in every state, verified agreements (from pairings, off
    the platform, recorded twice), and some that do not count."""
    with app.app_context():
        towns = list(db.session.scalars(select(Town.name)))
        fields = list(db.session.scalars(select(TechField.name)))
        tiers = list(db.session.scalars(select(EnterpriseTier)))
    firms = [make.user() for _ in range(n)]
    unis = [make.user(org_type=OrgType.UNIVERSITY) for _ in range(max(n // 2, 1))]
    with app.app_context():
        reviewer = make.reviewer()
        for email in firms:
            org = db.session.get(Organization, make.org_of(email))
            org.town = db.session.scalars(select(Town).where(Town.name == rng.choice(towns))).one()
            if rng.random() < 0.6:
                profiles.change_tier(org, rng.choice(tiers), date(2024, 1, 2), None, actor=reviewer)
        db.session.commit()
    needs = [
        make.posting(rng.choice(firms), PostingKind.RD_NEED, tech_field=rng.choice(fields)) for _ in range(n)
    ]
    outcomes = {uni: make.posting(uni, PostingKind.RESEARCH_OUTCOME) for uni in unis}
    for k, need in enumerate(needs):  # every state, however few
        university = rng.choice(unis)
        own = outcomes[university] if k % 2 else None
        pairing = make.pairing(university, need, STATES[k % len(STATES)], own_id=own)
        if make_state(app, pairing) is PairingState.NEGOTIATING and rng.random() < 0.7:
            firm = owner_of(app, need)
            make.agreement(
                firm,
                [(firm, "buyer"), (university, "seller")],
                pairing_id=pairing,
                kind=rng.choice(KINDS),
                amount=rng.choice([None, "12.5", "30", "7.25"]),
                signed_on=clock.today() - timedelta(days=rng.randrange(0, 60)),
            )
    this_year = clock.today().year
    for k in range(n):
        firm = rng.choice(firms)
        other = rng.choice([*unis, rng.choice([f for f in firms if f != firm]), f"校外研究院{k % 3}"])
        signed = date(rng.choice([this_year - 1, this_year]), rng.randrange(1, 13), rng.randrange(1, 28))
        signed = min(signed, clock.today())
        kind, amount = rng.choice(KINDS), rng.choice([None, "10", "0.33", "250"])
        made = make.agreement(
            firm,
            [(firm, "buyer"), (other, "seller")],
            kind=kind,
            amount=amount,
            signed_on=signed,
            status=rng.choice(["verified"] * 4 + ["recorded", "confirmed"]),
        )
        if k % 4 == 0:  # the same contract recorded again (by the bureau): counted once
            make.agreement(
                firm, [(firm, "buyer"), (other, "seller")], kind=kind, amount=amount, signed_on=signed
            )
        if k % 7 == 0:
            with app.app_context():
                db.session.execute(
                    update(Agreement).where(Agreement.id == made).values(deleted_at=clock.now())
                )
                db.session.commit()


def make_state(app: Flask, pairing_id: int) -> PairingState:
    with app.app_context():
        return db.session.get(Pairing, pairing_id).state


def owner_of(app: Flask, posting_id: int) -> str:
    from matchmaker.accounts.models import User

    with app.app_context():
        org_id = db.session.get(Posting, posting_id).organization_id
        return db.session.scalars(select(User.email).where(User.organization_id == org_id)).first()


def reference(span: counting.Span) -> dict[str, Any]:
    """The figures by the definition in memory, on every record loaded."""
    counted = [group[0] for group in counting.groups(counting._verified(span))]
    plan = counting.rules_plan(span)
    result: dict[str, Any] = {
        "total": len(counted),
        "amounts": counting.amounts(counted),
        "from_pairings": sum(1 for a in counted if a.pairing_id),
        "median": counting.median_days(counted),
        "with_need": len(counting.days_to_agreement(counted)),
    }
    for ind in counting.indicators():
        rules = plan.rules_for(ind.code) if plan else []
        mine = [a for a in counted if counting.counts_toward(rules, a)]
        result[ind.code] = (
            sorted(a.id for a in mine),
            counting.monthly(mine, span),
            {dim: counting.breakdown(mine, dim) for dim in counting.DIMENSIONS},
        )
    return result


def in_the_database(span: counting.Span) -> dict[str, Any]:
    tally = counting.tally(span, with_ids=True)
    median, with_need = counting.median_days_of(span)
    result: dict[str, Any] = {
        "total": tally.total,
        "amounts": (tally.contract, tally.tech),
        "from_pairings": tally.from_pairings,
        "median": median,
        "with_need": with_need,
    }
    for f in tally.figures:
        assert f.count == len(f.agreement_ids)
        result[f.indicator.code] = (
            f.agreement_ids,
            counting.cumulative(f.months, span),
            counting.breakdowns_of(f),
        )
    return result


def test_the_database_counts_as_the_definition(app: Flask, client: FlaskClient, make: Factory) -> None:
    grow(app, make, random.Random(25), 12)
    this_year = clock.today().year
    with app.app_context():
        for span in (
            counting.Span(this_year, this_year),
            counting.Span(this_year - 1, this_year),
            counting.Span(2000, 2000),
        ):
            expected, found = reference(span), in_the_database(span)
            assert found == expected, span.key
            ids = counting.funnel_ids(span)
            assert counting.funnel(span) == {stage: len(v) for stage, v in ids.items()}
        assert expected["total"] == 0
        year = counting.Span(this_year - 1, this_year)
        assert in_the_database(year)["total"] > 5  # the data did have something to count
        # the breakdowns' drill-downs select what the breakdowns count
        for f in counting.figures(year):
            for dim in counting.DIMENSIONS:
                for value, n in counting.breakdown_of(f, dim):
                    stmt = select(Agreement.id).where(
                        counting.counted_clause(year), f.clause, counting.dimension_clause(dim, value)
                    )
                    assert len(db.session.scalars(stmt).all()) == n, (f.indicator.code, dim, value)


def test_the_funnel_median_is_the_median_of_the_answers(app: Flask, make: Factory) -> None:
    grow(app, make, random.Random(7), 6)
    with app.app_context():
        answered = db.session.scalars(select(Pairing).where(Pairing.answered_at.isnot(None))).all()
        assert len(answered) >= 2
        for n, pairing in enumerate(answered):  # answers spread over hours, with microseconds
            pairing.answered_at = pairing.created_at + timedelta(hours=3 * n + 1, microseconds=250 * n)
        db.session.commit()
        hours = [(p.answered_at - p.created_at).total_seconds() / 3600 for p in answered]
        report = funnel.build(funnel.Filters())
        assert abs(report.median_answer_hours - statistics.median(hours)) < 1e-9
        assert report.slowest_answer is not None
        assert abs(report.slowest_answer[1] - max(hours)) < 1e-9


PAGES = {
    "dashboard": "/agreements/dashboard?year={year}",
    "plan period": "/agreements/dashboard",
    "drill-down": "/agreements/dashboard/list?year={year}&indicator=iur_agreements",
    "published": "/agreements/dashboard/list?year={year}&what=published",
    "interested": "/agreements/dashboard/list?year={year}&what=interested",
    "funnel": "/pairings/funnel",
    "funnel list": "/pairings/list?stage=interested",
    "pool": "/profiles/pool",
    "pool list": "/profiles/pool/list?tier=none",
    "ledger": "/agreements/",
}


def count_pages(app: Flask, client: FlaskClient) -> dict[str, int]:
    year = clock.today().year
    found = {}
    for name, url in PAGES.items():
        page(client, url.format(year=year))  # warm: the first request of a session loads more
        with statements(app) as sent:
            page(client, url.format(year=year))
        found[name] = len(sent)
    return found


def test_the_counting_pages_send_as_many_statements_whatever_the_data(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    rng = random.Random(3)
    bureau = make.bureau()
    grow(app, make, rng, 6)
    login(client, bureau)
    small = count_pages(app, client)
    grow(app, make, rng, 30)
    login(client, bureau)
    large = count_pages(app, client)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Agreement)) > 30
    assert large == small
    assert max(large.values()) <= 30, large
