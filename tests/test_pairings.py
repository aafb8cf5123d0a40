"""The pipeline: expressing interest, answering it, a pairing's life, messages, bureau introductions
and nudges, what each side sees before and after acceptance, and closing a need with its pairing."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import User
from matchmaker.accounts.values import OrgStatus, OrgType
from matchmaker.core import clock
from matchmaker.core.exceptions import FieldError, InvalidTransition, PermissionDenied
from matchmaker.core.extensions import db
from matchmaker.core.journal import JournalEntry
from matchmaker.pairings import operations as pairings
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import DeclineReason, PairingState
from matchmaker.postings.models import Posting
from matchmaker.postings.values import CloseReason, PostingKind, PostingStatus, Visibility
from tests.conftest import PASSWORD, Factory

RD, RO = PostingKind.RD_NEED, PostingKind.RESEARCH_OUTCOME
NEED = {
    "title": "数控机床主轴热变形补偿",
    "description": "加工中心连续运行后主轴热伸长明显，影响加工精度。希望开发基于温度传感的热误差建模与实时补偿。",
    "keywords": ["热变形", "误差补偿", "数控机床"],
    "contact_name": "吴工",
    "contact_phone": "13805250003",
    "confidential_detail": "现有设备为某型号立式加工中心，热伸长约30微米。",
}
OUTCOME = {
    "title": "机床热误差建模与补偿技术",
    "description": "基于关键温度点优化的热误差模型，可嵌入数控系统，实测补偿后主轴热变形误差减少七成。",
    "contact_name": "李教授",
    "contact_phone": "13905140007",
}


@pytest.fixture
def sides(make: Factory) -> dict[str, object]:
    """An enterprise with a need, a university with an outcome for it, bureau staff, an outsider."""
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    return {
        "enterprise": enterprise,
        "university": university,
        "bureau": make.bureau(),
        "outsider": make.user(org_type=OrgType.UNIVERSITY),
        "need": make.posting(enterprise, RD, **NEED),
        "outcome": make.posting(university, RO, **OUTCOME),
    }


def login(client: FlaskClient, email: str) -> None:
    client.post("/auth/logout")
    assert client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def the_pairing(app: Flask, pairing_id: int) -> Pairing:
    with app.app_context():
        pairing = db.session.get(Pairing, pairing_id)
        assert pairing is not None
        db.session.expunge(pairing)
        return pairing


# --- expressing interest and answering it ------------------------------------------------------


def test_a_university_expresses_interest_and_the_enterprise_accepts(
    app: Flask, client: FlaskClient, sides: dict
) -> None:
    login(client, sides["university"])
    need = f"/postings/{sides['need']}"
    shown = page(client, need)
    assert "表达合作意向" in shown and "13805250003" not in shown and "对方接受合作意向后可见" in shown
    form = page(client, f"/pairings/new/{sides['need']}")
    assert OUTCOME["title"] in form  # one's own published outcomes to attach
    response = client.post(
        f"/pairings/new/{sides['need']}",
        data={"message": "我们的热误差补偿技术可以解决贵司的问题。", "own_posting": sides["outcome"]},
    )
    assert response.status_code == 302 and "/pairings/" in response.location
    detail_url = response.location
    waiting = page(client, detail_url)
    assert "等待" in waiting and "13805250003" not in waiting and OUTCOME["title"] in waiting
    assert "共同关键词" in waiting  # the evidence of the match, beside both postings

    login(client, sides["enterprise"])
    received = page(client, detail_url)
    assert "我们的热误差补偿技术" in received and "接受，开始对接" in received
    assert "13905140007" not in received  # not before acceptance, not for either side
    assert client.post(detail_url + "/accept", data={"share_confidential": "y"}).status_code == 302
    accepted = page(client, detail_url)
    assert "13905140007" in accepted and "已对接" in accepted

    login(client, sides["university"])
    after = page(client, detail_url)
    assert "13805250003" in after and NEED["confidential_detail"] in after  # shared on acceptance
    assert "13805250003" in page(client, need)  # the posting page shows the contact now too
    assert "贵单位已就此信息对接" in page(client, need)


def test_interest_is_refused_for_own_postings_unverified_organisations_and_twice(
    app: Flask, client: FlaskClient, make: Factory, sides: dict
) -> None:
    login(client, sides["enterprise"])
    assert client.get(f"/pairings/new/{sides['need']}").status_code == 403  # one's own
    unverified = make.user(org_type=OrgType.UNIVERSITY, status=OrgStatus.PENDING)
    login(client, unverified)
    assert "通过主管部门认证后" in page(client, f"/postings/{sides['need']}")
    assert client.post(f"/pairings/new/{sides['need']}", data={"message": "你好"}).status_code == 403
    login(client, sides["university"])
    empty = client.post(f"/pairings/new/{sides['need']}", data={"message": "  "})
    assert empty.status_code == 422 and "请写几句话" in empty.get_data(as_text=True)
    first = client.post(f"/pairings/new/{sides['need']}", data={"message": "我们很感兴趣。"})
    again = client.get(f"/pairings/new/{sides['need']}")
    assert again.status_code == 302 and again.location == first.location  # the existing pairing
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pairing)) == 1


def test_attaching_someone_elses_posting_is_refused(app: Flask, make: Factory, sides: dict) -> None:
    with app.app_context():
        user = accounts.find_user_by_email(sides["outsider"])
        with pytest.raises(FieldError, match="本单位已发布"):
            pairings.express_interest(
                db.session.get(Posting, sides["need"]),
                "附上别人的成果",
                actor=user,
                own_posting=db.session.get(Posting, sides["outcome"]),
            )


def test_decline_needs_a_reason_and_the_other_side_reads_it(
    client: FlaskClient, make: Factory, sides: dict
) -> None:
    pairing = make.pairing(sides["university"], sides["need"], own_id=sides["outcome"])
    login(client, sides["enterprise"])
    url = f"/pairings/{pairing}"
    assert client.post(url + "/decline", data={"reason": ""}).status_code == 422
    assert client.post(url + "/decline", data={"reason": "nonsense"}).status_code == 422
    done = client.post(url + "/decline", data={"reason": "unclear", "note": "请说明补偿精度"})
    assert done.status_code == 302
    login(client, sides["university"])
    shown = page(client, url)
    assert "已婉拒" in shown and "描述不清" in shown and "请说明补偿精度" in shown
    assert "建议修改所附的" in shown  # the hint for 描述不清
    assert "以“描述不清”婉拒" in page(client, f"/postings/{sides['outcome']}")  # on its owner's page
    assert client.post(url + "/messages", data={"text": "再考虑一下？"}).status_code == 303  # refused
    with client.application.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(JournalEntry).where(JournalEntry.action == "pairing.message")
            )
            == 0
        )


# --- the transition table ----------------------------------------------------------------------


def record_from(pairing: Pairing, user: User) -> None:
    """Record an agreement from ``pairing`` as the web's 登记协议 prefills it."""
    from matchmaker.accounts import creditcode
    from matchmaker.agreements import operations as agreements
    from matchmaker.agreements.values import AgreementType

    parties = agreements.parties_of_pairing(pairing)
    for party in parties:
        if party.organization is not None and party.organization.type is OrgType.ENTERPRISE:
            first17 = f"91321023MA{party.organization.id:07d}"
            party.credit_code = first17 + creditcode.check_digit(first17)
    agreements.record_agreement(
        agreements.AgreementDetails(
            type=AgreementType.TECH_DEV_COMMISSIONED,
            title="对接签约协议",
            signed_on=clock.today(),
            parties=parties,
        ),
        actor=user,
        pairing=pairing,
    )


ACTIONS = {
    "accept": lambda p, u: pairings.accept(p, actor=u),
    "decline": lambda p, u: pairings.decline(p, DeclineReason.COST, actor=u),
    "negotiating": lambda p, u: pairings.advance(p, PairingState.NEGOTIATING, actor=u),
    "signed": lambda p, u: record_from(p, u),  # 已签约 only by recording the agreement
    "failed": lambda p, u: pairings.advance(p, PairingState.FAILED, "预算不足", actor=u),
    "message": lambda p, u: pairings.post_message(p, "你好", actor=u),
    "nudge": lambda p, u: pairings.nudge(p, actor=u),
}
INT, C, N, S, F, D = (
    PairingState.INTERESTED,
    PairingState.CONTACTED,
    PairingState.NEGOTIATING,
    PairingState.SIGNED,
    PairingState.FAILED,
    PairingState.DECLINED,
)
# Who may take each step (the policy), and from which states (the model).
MAY = {
    "accept": {"receiver"},
    "decline": {"receiver"},
    "negotiating": {"initiator", "receiver", "bureau"},
    "signed": {"initiator", "receiver", "bureau"},
    "failed": {"initiator", "receiver", "bureau"},
    "message": {"initiator", "receiver"},
    "nudge": {"bureau"},
}
FROM = {
    "accept": {INT},
    "decline": {INT},
    "negotiating": {C},
    "signed": {C, N, S},  # from 已签约: a further agreement of the same pairing
    "failed": {C, N},
    "message": {INT, C, N, S, F},
    "nudge": {INT, C, N},
}
ACTORS = ("initiator", "receiver", "bureau", "outsider", "colleague")


@pytest.mark.parametrize("state", [INT, C, N, S, F, D], ids=lambda s: s.value)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_transition_table(app: Flask, make: Factory, sides: dict, state: PairingState, action: str) -> None:
    """Every step from every state by every kind of actor: allowed ones move the pairing and leave
    a journal entry; the rest are refused with a reason and change nothing."""
    pairing_id = make.pairing(sides["university"], sides["need"], state)
    colleague = make.user(make.org_of(sides["university"]))  # the initiator's colleague
    emails = {
        "initiator": colleague,
        "receiver": sides["enterprise"],
        "bureau": sides["bureau"],
        "outsider": sides["outsider"],
        "colleague": sides["university"],
    }
    for who in ACTORS:
        role = "initiator" if who == "colleague" else who
        with app.app_context():
            pairing = db.session.get(Pairing, pairing_id)
            user = accounts.find_user_by_email(emails[who])
            before = db.session.scalar(select(func.count()).select_from(JournalEntry))
            allowed = role in MAY[action] and state in FROM[action]
            if allowed:
                ACTIONS[action](pairing, user)
                db.session.flush()
                assert db.session.scalar(select(func.count()).select_from(JournalEntry)) > before
                db.session.rollback()  # try the next actor on the same state
            else:
                expected = PermissionDenied if role not in MAY[action] else InvalidTransition
                with pytest.raises(expected) as refused:
                    ACTIONS[action](pairing, user)
                assert refused.value.message  # a reason, in Chinese
                db.session.rollback()
                assert db.session.get(Pairing, pairing_id).state is state


@pytest.mark.parametrize("state", [INT, C, N, S, F, D], ids=lambda s: s.value)
def test_signed_by_hand_is_refused(app: Flask, make: Factory, sides: dict, state: PairingState) -> None:
    """已签约 means an agreement: moving a pairing there by hand is refused for everyone, from every
    state, with a Chinese reason that says how (record the agreement)."""
    pairing_id = make.pairing(sides["university"], sides["need"], state)
    for who in ("university", "enterprise", "bureau"):
        with app.app_context():
            user = accounts.find_user_by_email(sides[who])
            with pytest.raises(InvalidTransition, match="登记"):
                pairings.advance(db.session.get(Pairing, pairing_id), PairingState.SIGNED, actor=user)
            db.session.rollback()
            assert db.session.get(Pairing, pairing_id).state is state


def test_the_web_signed_choice_leads_to_recording_the_agreement(
    app: Flask, client: FlaskClient, make: Factory, sides: dict
) -> None:
    pairing_id = make.pairing(sides["university"], sides["need"], PairingState.NEGOTIATING)
    login(client, sides["enterprise"])
    answer = client.post(f"/pairings/{pairing_id}/advance", data={"to": "signed"})
    assert answer.status_code == 302 and answer.location.endswith(f"/agreements/new?pairing={pairing_id}")
    assert "请登记签订的协议" in page(client, answer.location)
    with app.app_context():
        assert db.session.get(Pairing, pairing_id).state is PairingState.NEGOTIATING


def test_nobody_answers_their_own_interest_even_with_both_hats(app: Flask, make: Factory) -> None:
    """An organisation that is both sides (it attached its own posting to its own need) cannot exist,
    and the initiator can never accept."""
    enterprise = make.user()
    need = make.posting(enterprise, RD, **NEED)
    with app.app_context():
        user = accounts.find_user_by_email(enterprise)
        with pytest.raises(PermissionDenied):
            pairings.express_interest(db.session.get(Posting, need), "自己对自己", actor=user)


def test_failed_needs_a_reason(app: Flask, make: Factory, sides: dict) -> None:
    pairing_id = make.pairing(sides["university"], sides["need"], PairingState.CONTACTED)
    with app.app_context():
        pairing = db.session.get(Pairing, pairing_id)
        with pytest.raises(InvalidTransition, match="原因"):
            pairings.advance(
                pairing, PairingState.FAILED, "  ", actor=accounts.find_user_by_email(sides["enterprise"])
            )


def test_web_steps_are_post_only(client: FlaskClient, make: Factory, sides: dict) -> None:
    pairing = make.pairing(sides["university"], sides["need"])
    login(client, sides["enterprise"])
    for step in ("accept", "decline", "advance", "messages", "nudge"):
        assert client.get(f"/pairings/{pairing}/{step}").status_code == 405


def test_two_people_accepting_at_the_same_moment_end_in_one_state(
    app: Flask, make: Factory, sides: dict
) -> None:
    """Both load the pairing, both accept: the second write finds the row changed and is refused."""
    colleague = make.user(make.org_of(sides["enterprise"]))
    pairing_id = make.pairing(sides["university"], sides["need"])
    with app.app_context():  # the first person's request
        mine = db.session.get(Pairing, pairing_id)
        with app.app_context():  # the colleague's, at the same moment: declines and commits first
            theirs = db.session.get(Pairing, pairing_id)
            theirs.decline(accounts.find_user_by_email(colleague), DeclineReason.COST)
            db.session.commit()
        mine.accept(accounts.find_user_by_email(sides["enterprise"]))
        with pytest.raises(StaleDataError):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(Pairing, pairing_id).state is PairingState.DECLINED
        entries = select(func.count()).select_from(JournalEntry).where(JournalEntry.object_type == "pairing")
        assert db.session.scalar(entries) == 2  # created, declined: the refused accept left nothing


def test_concurrent_accepts_over_the_web(app: Flask, make: Factory, sides: dict) -> None:
    """Two browsers of the receiving organisation press 接受 together: one accepts, the other is
    told someone was quicker; no error page, one journal entry."""
    colleague = make.user(make.org_of(sides["enterprise"]))
    pairing_id = make.pairing(sides["university"], sides["need"])
    clients = [app.test_client(), app.test_client()]
    for c, email in zip(clients, (sides["enterprise"], colleague), strict=True):
        login(c, email)
    barrier, statuses = threading.Barrier(2), []

    def press(c: FlaskClient) -> None:
        barrier.wait()
        statuses.append(c.post(f"/pairings/{pairing_id}/accept").status_code)

    threads = [threading.Thread(target=press, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) in ([302, 302], [302, 303])
    with app.app_context():
        assert db.session.get(Pairing, pairing_id).state is PairingState.CONTACTED
        accepted = (
            select(func.count()).select_from(JournalEntry).where(JournalEntry.action == "pairing.accepted")
        )
        assert db.session.scalar(accepted) == 1


# --- who sees what ------------------------------------------------------------------------------


def test_only_the_two_organisations_and_bureau_see_a_pairing(
    client: FlaskClient, make: Factory, sides: dict
) -> None:
    pairing = make.pairing(sides["university"], sides["need"], PairingState.CONTACTED)
    url = f"/pairings/{pairing}"
    assert client.get(url).status_code == 302  # to the login page
    for email, code in (
        (sides["outsider"], 404),
        (sides["university"], 200),
        (sides["enterprise"], 200),
        (sides["bureau"], 200),
    ):
        login(client, email)
        assert client.get(url).status_code == code
        assert client.post(url + "/messages", data={"text": "你好"}).status_code in (
            (404,) if code == 404 else (302, 403)
        )
    login(client, sides["outsider"])
    assert "13805250003" not in page(client, f"/postings/{sides['need']}")
    assert "pairing-card" not in page(client, "/pairings/")  # nothing of others in one's list


def test_messages_are_plain_text_with_read_markers(client: FlaskClient, make: Factory, sides: dict) -> None:
    pairing = make.pairing(sides["university"], sides["need"], PairingState.CONTACTED)
    url = f"/pairings/{pairing}"
    login(client, sides["university"])
    client.post(url + "/messages", data={"text": "<script>alert(1)</script>下周三来厂里看设备？"})
    shown = page(client, url)
    assert "<script>alert(1)" not in shown and "&lt;script&gt;" in shown and "对方未读" in shown
    login(client, sides["enterprise"])
    assert "下周三来厂里看设备" in page(client, url)
    login(client, sides["university"])
    assert "对方已读" in page(client, url)
    too_long = client.post(url + "/messages", data={"text": "长" * 2001})
    assert too_long.status_code == 422


def test_bureau_introduces_a_bureau_only_posting_and_nudges(
    app: Flask, client: FlaskClient, make: Factory, sides: dict
) -> None:
    hidden = make.posting(
        sides["enterprise"], RD, visibility=Visibility.BUREAU, **{**NEED, "title": "保密的需求"}
    )
    login(client, sides["university"])
    assert client.get(f"/pairings/new/{hidden}").status_code == 404  # not visible to them
    login(client, sides["bureau"])
    form = page(client, f"/pairings/introduce?target={hidden}&other={sides['outcome']}")
    assert "保密的需求" in form
    response = client.post(
        "/pairings/introduce",
        data={"target": hidden, "other": sides["outcome"], "message": "两家单位方向一致，建议对接。"},
    )
    assert response.status_code == 302
    url = response.location
    assert "主管部门牵线" in page(client, url)
    assert client.post(url + "/nudge", data={"note": "请尽快答复。"}).status_code == 302
    with app.app_context():
        pairing = db.session.scalars(select(Pairing).where(Pairing.target_id == hidden)).one()
        assert pairing.by_bureau and pairing.nudged_at is not None
        assert pairing.initiator_org_id == make.org_of(sides["university"])
    login(client, sides["enterprise"])
    assert "接受，开始对接" in page(client, url)  # the owner answers
    login(client, sides["university"])
    assert "主管部门牵线" in page(client, url)
    bad = client.post("/pairings/introduce", data={"target": hidden, "other": 99999, "message": "x"})
    login(client, sides["bureau"])
    bad = client.post("/pairings/introduce", data={"target": hidden, "other": 99999, "message": "x"})
    assert bad.status_code == 422 and "没有这条信息" in bad.get_data(as_text=True)


def test_introducing_from_the_funnel_picks_both_postings_by_title(
    app: Flask, client: FlaskClient, make: Factory, sides: dict
) -> None:
    """Staff open 主管部门牵线 from the funnel, where no posting number is shown."""
    make.posting(sides["outsider"], RO, PostingStatus.PENDING, title="尚在审核的成果")
    login(client, sides["bureau"])
    funnel = page(client, "/pairings/funnel")
    assert 'href="/pairings/introduce"' in funnel
    form = page(client, "/pairings/introduce")

    def offered(name: str, html: str) -> dict[str, str]:
        select = html[html.index(f'name="{name}"') :]
        select = select[: select.index("</select>")]
        return {
            label: value
            for value, label in re.findall(r'<option[^>]*value="(\d*)"[^>]*>([^<]*)</option>', select)
        }

    need_label = f"研发需求｜{NEED['title']}（{make.get_org(make.org_of(sides['enterprise']))['name']}）"
    targets = offered("target", form)
    assert targets[need_label] == str(sides["need"])  # chosen by its title and organisation
    assert not any("尚在审核的成果" in label for label in targets)  # only published postings
    others = offered("other", page(client, f"/pairings/introduce?target={sides['need']}"))
    assert any(OUTCOME["title"] in label for label in others)
    assert not any(NEED["title"] in label for label in others)  # only what can answer the need
    response = client.post(
        "/pairings/introduce",
        data={
            "target": targets[need_label],
            "other": str(sides["outcome"]),
            "message": "方向一致，建议对接。",
        },
    )
    assert response.status_code == 302
    assert OUTCOME["title"] in page(client, response.location)


def test_my_pairings_lists_sent_and_received_by_state(
    client: FlaskClient, make: Factory, sides: dict
) -> None:
    make.pairing(sides["university"], sides["need"], PairingState.NEGOTIATING)
    login(client, sides["enterprise"])
    assert NEED["title"] in page(client, "/pairings/")
    assert NEED["title"] in page(client, "/pairings/?state=negotiating")
    assert NEED["title"] not in page(client, "/pairings/?state=signed")
    assert client.get("/pairings/?state=nonsense").status_code == 200


# --- closing, renewing --------------------------------------------------------------------------


def test_closing_a_solved_need_names_its_pairing(
    app: Flask, client: FlaskClient, make: Factory, sides: dict
) -> None:
    pairing = make.pairing(sides["university"], sides["need"], PairingState.SIGNED)
    other_need = make.posting(
        sides["enterprise"],
        RD,
        title="另一条需求",
        description="与上面无关的另一条研发需求，写得足够长一些。",
    )
    login(client, sides["enterprise"])
    shown = page(client, f"/postings/{sides['need']}")
    assert "通过哪次对接解决" in shown
    wrong = make.pairing(sides["outsider"], other_need, PairingState.CONTACTED)
    refused = client.post(
        f"/postings/{sides['need']}/close", data={"reason": "solved_on_platform", "pairing": wrong}
    )
    assert refused.status_code == 302
    assert make.get_posting(sides["need"])["status"] is PostingStatus.PUBLISHED
    mismatch = client.post(
        f"/postings/{sides['need']}/close", data={"reason": "abandoned", "pairing": pairing}
    )
    assert (
        mismatch.status_code == 302 and make.get_posting(sides["need"])["status"] is PostingStatus.PUBLISHED
    )
    client.post(f"/postings/{sides['need']}/close", data={"reason": "solved_on_platform", "pairing": pairing})
    with app.app_context():
        need = db.session.get(Posting, sides["need"])
        assert need.status is PostingStatus.CLOSED and need.solved_by_id == pairing
        assert need.close_reason is CloseReason.SOLVED_ON_PLATFORM
        entry = need.history[0]
        assert entry.action == "posting.closed" and entry.changes["solved_by"] == [None, pairing]
    assert "解决问题的对接" in page(client, f"/postings/{sides['need']}")
    assert NEED["title"] not in page(client, "/postings/rd-need/")


def test_renewing_extends_validity_by_half_a_year(app: Flask, client: FlaskClient, make: Factory) -> None:
    owner = make.user()
    soon = clock.today() + timedelta(days=10)
    posting = make.posting(owner, RD, valid_until=soon, **{k: NEED[k] for k in ("title", "description")})
    login(client, owner)
    shown = page(client, f"/postings/{posting}")
    assert "有效期延长半年" in shown and "将于" in shown
    assert client.post(f"/postings/{posting}/renew").status_code == 302
    with app.app_context():
        renewed = db.session.get(Posting, posting)
        assert renewed.valid_until == soon + timedelta(days=180)
        assert renewed.history[0].action == "posting.renewed"
    login(client, make.user())
    assert client.post(f"/postings/{posting}/renew").status_code == 403
