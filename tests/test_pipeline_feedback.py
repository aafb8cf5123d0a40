"""What answers teach the proposals (pairings/feedback.py): a declined pair is not proposed again
to either side; a posting declined repeatedly, for one reason, by similar postings is shown lower
to similar ones, and says why. And the bureau's funnel, on a known set of pairings."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from matchmaker.accounts.values import OrgType
from matchmaker.core.extensions import db
from matchmaker.core.models import utcnow
from matchmaker.pairings import funnel
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import DeclineReason, PairingState
from matchmaker.postings.values import PostingKind
from tests.conftest import Factory
from tests.test_matching import GOOD, NEED, WEAK, proposals
from tests.test_pairings import login, page

RD, RO = PostingKind.RD_NEED, PostingKind.RESEARCH_OUTCOME


def ids(app: Flask, posting_id: int, viewer: str | None = None) -> list[int]:
    return [p.posting.id for p in proposals(app, posting_id, viewer)]


def test_a_declined_pair_is_not_proposed_again_to_either_side(app: Flask, make: Factory) -> None:
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, RD, **NEED)
    good, weak = make.posting(university, RO, **GOOD), make.posting(university, RO, **WEAK)
    assert ids(app, need)[:2] == [good, weak]
    assert need in ids(app, good)
    make.pairing(university, need, PairingState.DECLINED, own_id=good)
    assert ids(app, need) == [weak]  # the pair (need, good) is gone, the university's other stays
    assert need not in ids(app, good)
    assert need in ids(app, weak)


def test_declining_an_organisation_without_a_posting_hides_all_of_it(app: Flask, make: Factory) -> None:
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    other = make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, RD, **NEED)
    good, weak = make.posting(university, RO, **GOOD), make.posting(other, RO, **WEAK)
    make.pairing(university, need, PairingState.DECLINED)  # no posting attached
    assert ids(app, need) == [weak]
    assert need not in ids(app, good)


def test_an_accepted_pair_keeps_being_proposed(app: Flask, make: Factory) -> None:
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, RD, **NEED)
    good = make.posting(university, RO, **GOOD)
    make.pairing(university, need, PairingState.CONTACTED, own_id=good)
    assert good in ids(app, need)


SIMILAR_NEEDS = [
    {
        "title": "加工中心主轴热伸长补偿",
        "description": "我厂立式加工中心开机两小时后主轴热伸长，零件尺寸超差，需要热误差建模和补偿方案。",
    },
    {
        "title": "数控车床热误差补偿",
        "description": "数控车床连续加工后主轴热变形导致精度下降，希望引入温度测点和热误差实时补偿。",
    },
]


def test_repeated_declines_for_one_reason_lower_a_posting_for_similar_needs(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    university = make.user(org_type=OrgType.UNIVERSITY)
    good, weak = make.posting(university, RO, **GOOD), make.posting(university, RO, **WEAK)
    third = make.user()
    need = make.posting(third, RD, **NEED)
    assert ids(app, need)[:2] == [good, weak]
    for text in SIMILAR_NEEDS:  # two similar needs of other enterprises declined ``good`` for cost
        decliner = make.posting(make.user(), RD, **text)
        make.pairing(university, decliner, PairingState.DECLINED, own_id=good, reason=DeclineReason.COST)
    lowered = proposals(app, need)
    assert [p.posting.id for p in lowered][:2] == [weak, good]
    demoted = next(p for p in lowered if p.posting.id == good)
    assert demoted.demotion is not None and demoted.demotion.count == 2
    assert demoted.strength == next(p for p in lowered if p.posting.id == good).strength  # unchanged
    login(client, third)
    assert "以“成本不合适”婉拒过它" in page(client, f"/postings/{need}")


def test_declines_that_say_nothing_about_the_posting_do_not_lower_it(app: Flask, make: Factory) -> None:
    university = make.user(org_type=OrgType.UNIVERSITY)
    good, weak = make.posting(university, RO, **GOOD), make.posting(university, RO, **WEAK)
    need = make.posting(make.user(), RD, **NEED)
    for text in SIMILAR_NEEDS:
        decliner = make.posting(make.user(), RD, **text)
        make.pairing(
            university, decliner, PairingState.DECLINED, own_id=good, reason=DeclineReason.HAS_PARTNER
        )
    assert ids(app, need)[:2] == [good, weak]


def test_one_decline_is_not_a_pattern(app: Flask, make: Factory) -> None:
    university = make.user(org_type=OrgType.UNIVERSITY)
    good, weak = make.posting(university, RO, **GOOD), make.posting(university, RO, **WEAK)
    need = make.posting(make.user(), RD, **NEED)
    decliner = make.posting(make.user(), RD, **SIMILAR_NEEDS[0])
    make.pairing(university, decliner, PairingState.DECLINED, own_id=good, reason=DeclineReason.COST)
    assert ids(app, need)[:2] == [good, weak]


# --- the funnel ---------------------------------------------------------------------------------


def test_funnel_figures_on_a_known_set(app: Flask, client: FlaskClient, make: Factory) -> None:
    """Six pairings, one per state, with known answer times; two stalled."""
    university = make.user(org_type=OrgType.UNIVERSITY)
    other_university = make.user(org_type=OrgType.UNIVERSITY)
    made = {}
    for state in PairingState:
        need = make.posting(make.user(), RD, title=f"需求{state.value}", tech_field="先进制造")
        made[state] = make.pairing(university, need, state)
    extra = make.pairing(other_university, make.posting(make.user(), RD, title="另一高校的需求"))
    hours = {
        PairingState.DECLINED: 1,
        PairingState.CONTACTED: 2,
        PairingState.NEGOTIATING: 3,
        PairingState.SIGNED: 4,
        PairingState.FAILED: 50,
    }
    now = utcnow()
    with app.app_context():
        for state, h in hours.items():
            db.session.execute(
                update(Pairing)
                .where(Pairing.id == made[state])
                .values(answered_at=now, created_at=now - timedelta(hours=h), version=Pairing.version)
            )
        old = now - timedelta(days=20)
        db.session.execute(
            update(Pairing)
            .where(Pairing.id == made[PairingState.INTERESTED])
            .values(last_activity_at=old, created_at=old)
        )
        db.session.execute(
            update(Pairing).where(Pairing.id == made[PairingState.CONTACTED]).values(last_activity_at=old)
        )
        db.session.execute(
            update(Pairing).where(Pairing.id == extra).values(created_at=now - timedelta(hours=1))
        )
        db.session.commit()
        everything = funnel.build(funnel.Filters())
        theirs = funnel.build(funnel.Filters(university_id=make.org_of(university)))
    assert everything.counts["interested"] == 7
    assert theirs.counts == {
        "interested": 6,
        "answered": 5,
        "contacted": 4,  # contacted, negotiating, signed, failed
        "negotiating": 2,  # reached 洽谈: negotiating, and signed (a signature was negotiated)
        "signed": 1,
        "declined": 1,
        "failed": 1,
        "unanswered": 1,
        "stalled": 2,
        "brokered": 0,  # every receiving organisation here has users
    }
    assert [round(share, 2) for _, _, share in theirs.conversions] == [0.83, 0.8, 0.5, 0.5]
    assert theirs.median_answer_hours == 3
    assert theirs.slowest_answer[0].id == made[PairingState.FAILED] and theirs.slowest_answer[1] == 50

    login(client, make.bureau())
    shown = page(client, f"/pairings/funnel?university={make.org_of(university)}")
    assert "3.0 小时" in shown and "50.0 小时" in shown and "停滞超过 14 天" in shown
    listing = page(client, f"/pairings/list?stage=contacted&university={make.org_of(university)}")
    assert listing.count("pairing-card") == 4 and "需求interested" not in listing
    assert page(client, "/pairings/funnel?field=9999999&since=nonsense")  # bad filters: ignored
    assert page(client, "/pairings/list?stage=stalled").count("pairing-card") == 2
