"""The state machines of postings, pairings, agreements, calls, events and organisations, without
an app: which state may move to which, and the Chinese message of a refused move.

The models are built transient (no session). A refused move is checked before anything is
journaled, so it needs no stand-in; an allowed move writes its journal entry through ``record``,
which needs a session, so ``journal`` replaces it in the model modules by a list that keeps the
entries (action, changes, note) — the decision and the entry are what a user sees."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

import matchmaker.accounts.models as account_models
import matchmaker.agreements.models as agreement_models
import matchmaker.calls.models as call_models
import matchmaker.events.models as event_models
import matchmaker.pairings.models as pairing_models
import matchmaker.postings.models as posting_models
from matchmaker.accounts.models import Organization
from matchmaker.accounts.values import OrgStatus, OrgType
from matchmaker.agreements.models import Agreement
from matchmaker.agreements.values import AgreementStatus, AgreementType
from matchmaker.calls.models import CallProposal, CallStatus, ChallengeCall, ProposalStatus
from matchmaker.core import clock, states
from matchmaker.core.exceptions import InvalidTransition
from matchmaker.events.models import Event, EventKind, EventStatus
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import DeclineReason, PairingState
from matchmaker.postings.models import Posting
from matchmaker.postings.values import CloseReason, PostingKind, PostingStatus

# Days well away from today, whichever zone "today" is taken in (the models ask clock.today()).
PAST = clock.today() - timedelta(days=3)
FUTURE = clock.today() + timedelta(days=3)


@pytest.fixture
def journal(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict | None, str | None]]:
    """The journal entries the moves write, instead of the session's journal table."""
    entries: list[tuple[str, dict | None, str | None]] = []

    def record(action: str, target: Any, *, actor: Any, changes: dict | None = None, note: str | None = None):
        entries.append((action, changes, note))

    for module in (
        account_models,
        agreement_models,
        call_models,
        event_models,
        pairing_models,
        posting_models,
        states,  # the state-machine base writes every step's entry
    ):
        monkeypatch.setattr(module, "record", record, raising=module is states)
    return entries


# --- postings -------------------------------------------------------------------------------

P = PostingStatus
# action -> (verb of the refusal, the call, {from: to} of the allowed moves)
POSTING_MOVES: dict[str, tuple[str, Any, dict[PostingStatus, PostingStatus]]] = {
    "submit": ("提交审核", lambda p: p.submit(None), {P.DRAFT: P.PENDING, P.RETURNED: P.PENDING}),
    "publish_imported": ("导入发布", lambda p: p.publish_imported(None), {P.DRAFT: P.PUBLISHED}),
    "withdraw": ("撤回", lambda p: p.withdraw(None), {P.PENDING: P.DRAFT, P.PUBLISHED: P.DRAFT}),
    "publish": ("发布", lambda p: p.publish(None), {P.PENDING: P.PUBLISHED}),
    "return": ("退回", lambda p: p.return_for_revision(None, "请补充技术指标。"), {P.PENDING: P.RETURNED}),
}
POSTING_CASES = [(action, start) for action in POSTING_MOVES for start in PostingStatus]


def posting(status: PostingStatus, org_status: OrgStatus = OrgStatus.VERIFIED, **values: Any) -> Posting:
    org = Organization(name="宝应县某机械厂", type=OrgType.ENTERPRISE, status=org_status)
    return Posting(
        kind=PostingKind.RD_NEED, title="主轴热变形补偿", status=status, organization=org, **values
    )


@pytest.mark.parametrize(
    ("action", "start"), POSTING_CASES, ids=[f"{a}-from-{s.value}" for a, s in POSTING_CASES]
)
def test_posting_transition_table(journal: list, action: str, start: PostingStatus) -> None:
    verb, move, allowed = POSTING_MOVES[action]
    p = posting(start)
    if start in allowed:
        move(p)
        assert p.status is allowed[start]
        assert [changes["status"] for _, changes, _ in journal] == [[start, allowed[start]]]
    else:
        with pytest.raises(InvalidTransition) as refused:
            move(p)
        assert refused.value.message == f"“{start.label}”状态的信息不能{verb}。"
        assert p.status is start and journal == []


@pytest.mark.parametrize("start", [s for s in PostingStatus if s is not PostingStatus.CLOSED])
def test_any_open_posting_may_be_closed_with_its_reason(journal: list, start: PostingStatus) -> None:
    p = posting(start)
    p.close(None, CloseReason.SOLVED_ELSEWHERE, "  已与外地单位签约 ")
    assert p.status is PostingStatus.CLOSED and p.close_note == "已与外地单位签约"
    assert journal == [
        ("posting.closed", {"status": [start, PostingStatus.CLOSED]}, "平台外解决：已与外地单位签约")
    ]


@pytest.mark.parametrize(
    ("status", "reason", "solved_by", "message"),
    [
        (P.CLOSED, CloseReason.ABANDONED, None, "该信息已关闭。"),
        (P.PUBLISHED, CloseReason.SOLVED_ELSEWHERE, Pairing(id=7), "只有“通过平台解决”才能关联对接。"),
        (P.PUBLISHED, CloseReason.ABANDONED, Pairing(id=7), "只有“通过平台解决”才能关联对接。"),
    ],
)
def test_closing_refusals(
    journal: list, status: PostingStatus, reason: CloseReason, solved_by: Any, message: str
) -> None:
    p = posting(status)
    with pytest.raises(InvalidTransition, match=message):
        p.close(None, reason, solved_by=solved_by)
    assert p.status is status and journal == []


def test_a_need_solved_on_the_platform_names_its_pairing(journal: list) -> None:
    p = posting(P.PUBLISHED)
    p.close(None, CloseReason.SOLVED_ON_PLATFORM, solved_by=Pairing(id=7))
    assert p.solved_by_id == 7 and journal[0][1]["solved_by"] == [None, 7]


def test_an_unverified_organisation_cannot_submit(journal: list) -> None:
    p = posting(P.DRAFT, OrgStatus.PENDING)
    with pytest.raises(InvalidTransition, match="尚未通过主管部门认证"):
        p.submit(None)
    assert p.status is P.DRAFT and journal == []


@pytest.mark.parametrize("reason", ["", "   "])
def test_returning_a_posting_needs_a_reason(journal: list, reason: str) -> None:
    p = posting(P.PENDING)
    with pytest.raises(InvalidTransition, match="退回修改必须写明理由"):
        p.return_for_revision(None, reason)
    assert p.status is P.PENDING and journal == []


def test_publishing_clears_the_earlier_return_reason(journal: list) -> None:
    p = posting(P.PENDING, return_reason="请补充技术指标。")
    p.publish(None)
    assert p.return_reason is None and p.published_at is not None


def test_renewing_extends_from_the_current_end_when_it_is_later_than_today(journal: list) -> None:
    end = clock.today() + timedelta(days=10)
    p = posting(P.PUBLISHED, valid_until=end)
    p.renew(None, 30)
    assert p.valid_until == end + timedelta(days=30)
    assert journal == [("posting.renewed", {"valid_until": [end, end + timedelta(days=30)]}, None)]


def test_renewing_an_expired_posting_extends_from_today(journal: list) -> None:
    p = posting(P.PUBLISHED, valid_until=PAST)
    p.renew(None, 30)
    # Today where the server runs, or in the site's zone once the models ask matchmaker.core.clock.
    assert p.valid_until - timedelta(days=30) in {date.today(), clock.today()}


@pytest.mark.parametrize(
    ("status", "valid_until", "message"),
    [
        (P.DRAFT, FUTURE, "“草稿”状态的信息不能延长有效期。"),
        (P.CLOSED, FUTURE, "“已关闭”状态的信息不能延长有效期。"),
        (P.PUBLISHED, None, "该信息长期有效，无需延长。"),
    ],
)
def test_renewing_refusals(
    journal: list, status: PostingStatus, valid_until: date | None, message: str
) -> None:
    p = posting(status, valid_until=valid_until)
    with pytest.raises(InvalidTransition) as refused:
        p.renew(None, 30)
    assert refused.value.message == message and p.valid_until == valid_until and journal == []


@pytest.mark.parametrize(
    ("status", "valid_until", "label", "editable"),
    [
        (P.DRAFT, None, "草稿", True),
        (P.RETURNED, PAST, "退回修改", True),
        (P.PENDING, None, "待审核", False),
        (P.PUBLISHED, FUTURE, "已发布", False),
        (P.PUBLISHED, PAST, "已过期", False),  # expired postings keep their status
        (P.CLOSED, PAST, "已关闭", False),
    ],
)
def test_what_a_posting_shows_and_whether_it_may_be_edited(
    status: PostingStatus, valid_until: date | None, label: str, editable: bool
) -> None:
    p = posting(status, valid_until=valid_until)
    assert (p.status_label, p.is_editable) == (label, editable)


def test_a_new_posting_is_a_draft_before_any_flush() -> None:
    assert Posting(kind=PostingKind.SUPPLY_OFFER, title="配套供给").status is P.DRAFT


# --- pairings -------------------------------------------------------------------------------

S = PairingState
# action -> (verb of the refusal, the call, {from: to})
PAIRING_MOVES: dict[str, tuple[str, Any, dict[PairingState, PairingState]]] = {
    "accept": ("接受", lambda p: p.accept(None), {S.INTERESTED: S.CONTACTED}),
    "decline": ("婉拒", lambda p: p.decline(None, DeclineReason.COST), {S.INTERESTED: S.DECLINED}),
    "negotiating": ("改为“洽谈中”", lambda p: p.advance(S.NEGOTIATING, None), {S.CONTACTED: S.NEGOTIATING}),
    "signed": (
        "改为“已签约”",
        lambda p: p.advance(S.SIGNED, None),
        {S.CONTACTED: S.SIGNED, S.NEGOTIATING: S.SIGNED},
    ),
    "failed": (
        "改为“未成功”",
        lambda p: p.advance(S.FAILED, None, "对方预算不足"),
        {S.CONTACTED: S.FAILED, S.NEGOTIATING: S.FAILED},
    ),
}
PAIRING_CASES = [(action, start) for action in PAIRING_MOVES for start in PairingState]


@pytest.mark.parametrize(
    ("action", "start"), PAIRING_CASES, ids=[f"{a}-from-{s.value}" for a, s in PAIRING_CASES]
)
def test_pairing_transition_table(journal: list, action: str, start: PairingState) -> None:
    verb, move, allowed = PAIRING_MOVES[action]
    pairing = Pairing(state=start)
    if start in allowed:
        move(pairing)
        assert pairing.state is allowed[start]
        assert [changes["state"] for _, changes, _ in journal] == [[start, allowed[start]]]
        assert pairing.last_activity_at is not None
    else:
        with pytest.raises(InvalidTransition) as refused:
            move(pairing)
        assert refused.value.message == f"“{start.label}”状态的对接不能{verb}。"
        assert pairing.state is start and journal == []


@pytest.mark.parametrize("to", [S.INTERESTED, S.CONTACTED, S.DECLINED])
@pytest.mark.parametrize("start", list(PairingState), ids=lambda s: s.value)
def test_advancing_is_only_towards_negotiating_signed_or_failed(
    journal: list, start: PairingState, to: PairingState
) -> None:
    pairing = Pairing(state=start)
    with pytest.raises(InvalidTransition, match="不能这样改变对接状态。"):
        pairing.advance(to, None)
    assert pairing.state is start and journal == []


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_failed_needs_a_reason(journal: list, reason: str | None) -> None:
    pairing = Pairing(state=S.NEGOTIATING)
    with pytest.raises(InvalidTransition, match="请写明未成功的原因"):
        pairing.advance(S.FAILED, None, reason)
    assert pairing.state is S.NEGOTIATING and journal == []


@pytest.mark.parametrize(("to", "closed"), [(S.NEGOTIATING, False), (S.SIGNED, True), (S.FAILED, True)])
def test_signed_and_failed_close_the_pairing(journal: list, to: PairingState, closed: bool) -> None:
    pairing = Pairing(state=S.CONTACTED)
    pairing.advance(to, None, "对方预算不足")
    assert (pairing.closed_at is not None) is closed


def test_a_decline_carries_its_reason_and_note_to_the_other_side(journal: list) -> None:
    pairing = Pairing(state=S.INTERESTED)
    pairing.decline(None, DeclineReason.TOO_EARLY, "  明年再谈 ")
    assert pairing.decline_note == "明年再谈" and pairing.closed_at is not None
    assert journal[0][0] == "pairing.declined" and journal[0][2] == "阶段太早：明年再谈"


@pytest.mark.parametrize("start", list(PairingState), ids=lambda s: s.value)
def test_only_open_pairings_are_nudged(journal: list, start: PairingState) -> None:
    pairing = Pairing(state=start)
    if start in (S.INTERESTED, S.CONTACTED, S.NEGOTIATING):
        pairing.nudge(None, "请尽快答复")
        assert pairing.nudged_at is not None and journal == [("pairing.nudged", None, "请尽快答复")]
    else:
        with pytest.raises(InvalidTransition, match="该对接已结束，无需提醒。"):
            pairing.nudge(None)
        assert journal == []
    assert pairing.state is start


@pytest.mark.parametrize(
    ("state", "is_open", "is_accepted"),
    [
        (S.INTERESTED, True, False),
        (S.CONTACTED, True, True),
        (S.NEGOTIATING, True, True),
        (S.SIGNED, False, True),
        (S.FAILED, False, True),  # contacts stay shared after a failure
        (S.DECLINED, False, False),
    ],
)
def test_which_pairings_are_open_and_which_share_contacts(
    state: PairingState, is_open: bool, is_accepted: bool
) -> None:
    assert (state.is_open, state.is_accepted) == (is_open, is_accepted)


def test_the_two_sides_of_a_pairing() -> None:
    initiator, target = Organization(id=1, name="扬州大学"), Organization(id=2, name="宝应某厂")
    pairing = Pairing(
        state=S.INTERESTED,
        initiator_org_id=1,
        target_org_id=2,
        initiator_org=initiator,
        target_org=target,
    )
    assert pairing.is_party(1) and pairing.is_party(2) and not pairing.is_party(3)
    assert not pairing.is_party(None)
    assert pairing.other_org(1) is target and pairing.other_org(2) is initiator


# --- agreements -----------------------------------------------------------------------------

A = AgreementStatus
AGREEMENT_MOVES: dict[str, tuple[str, Any, dict[AgreementStatus, AgreementStatus]]] = {
    "confirm": ("确认", lambda a: a.confirm(None), {A.RECORDED: A.CONFIRMED}),
    "verify": ("核验", lambda a: a.verify(None), {A.RECORDED: A.VERIFIED, A.CONFIRMED: A.VERIFIED}),
    "return": (
        "退回",
        lambda a: a.return_for_revision(None, "请上传合同扫描件"),
        {A.RECORDED: A.RETURNED, A.CONFIRMED: A.RETURNED, A.VERIFIED: A.RETURNED},
    ),
}
AGREEMENT_CASES = [(action, start) for action in AGREEMENT_MOVES for start in AgreementStatus]


def agreement(status: AgreementStatus, **values: Any) -> Agreement:
    return Agreement(type=AgreementType.TECH_SERVICE, title="技术服务合同", status=status, **values)


@pytest.mark.parametrize(
    ("action", "start"), AGREEMENT_CASES, ids=[f"{a}-from-{s.value}" for a, s in AGREEMENT_CASES]
)
def test_agreement_transition_table(journal: list, action: str, start: AgreementStatus) -> None:
    verb, move, allowed = AGREEMENT_MOVES[action]
    a = agreement(start)
    if start in allowed:
        move(a)
        assert a.status is allowed[start]
        assert [changes["status"] for _, changes, _ in journal] == [[start, allowed[start]]]
    else:
        with pytest.raises(InvalidTransition) as refused:
            move(a)
        assert refused.value.message == f"“{start.label}”的协议不能{verb}。"
        assert a.status is start and journal == []


@pytest.mark.parametrize("action", list(AGREEMENT_MOVES))
def test_a_deleted_agreement_moves_no_more(journal: list, action: str) -> None:
    a = agreement(A.RECORDED, deleted_at=date(2025, 1, 1))
    with pytest.raises(InvalidTransition, match="该协议已删除。"):
        AGREEMENT_MOVES[action][1](a)
    assert a.status is A.RECORDED and journal == []


def test_returning_an_agreement_needs_a_reason_and_unverifies_it(journal: list) -> None:
    a = agreement(A.VERIFIED, verified_at=date(2025, 1, 1))
    with pytest.raises(InvalidTransition, match="退回必须写明理由"):
        a.return_for_revision(None, " ")
    assert a.status is A.VERIFIED and a.verified_at is not None
    a.return_for_revision(None, " 金额与合同不符 ")
    assert a.status is A.RETURNED and a.verified_at is None and a.return_reason == "金额与合同不符"


@pytest.mark.parametrize(
    ("start", "confirmed", "after"),
    [
        (A.VERIFIED, True, A.CONFIRMED),  # needs verifying again
        (A.VERIFIED, False, A.RECORDED),  # never confirmed: confirming and verifying again
        (A.RETURNED, True, A.CONFIRMED),
        (A.RETURNED, False, A.RECORDED),
        (A.RECORDED, False, A.RECORDED),  # nothing was checked yet
        (A.CONFIRMED, True, A.CONFIRMED),
    ],
)
def test_an_edit_sends_a_checked_record_back(
    journal: list, start: AgreementStatus, confirmed: bool, after: AgreementStatus
) -> None:
    a = agreement(start, confirmed_at=date(2025, 1, 1) if confirmed else None)
    a.edited(None, {"title": ["旧名称", "新名称"]})
    assert a.status is after
    assert [action for action, _, _ in journal] == ["agreement.edited"] + (
        ["agreement.reopened"] if after is not start else []
    )


@pytest.mark.parametrize(
    ("deleted", "reason", "message"),
    [
        (True, "重复录入", "该协议已删除。"),
        (False, "", "删除协议必须写明理由。"),
        (False, "  ", "删除协议必须写明理由。"),
    ],
)
def test_deleting_refusals(journal: list, deleted: bool, reason: str, message: str) -> None:
    a = agreement(A.VERIFIED, deleted_at=date(2025, 1, 1) if deleted else None)
    with pytest.raises(InvalidTransition) as refused:
        a.delete(None, reason)
    assert refused.value.message == message and journal == []


def test_deleting_keeps_the_reason(journal: list) -> None:
    a = agreement(A.VERIFIED)
    a.delete(None, " 重复录入 ")
    assert a.is_deleted and a.delete_reason == "重复录入" and a.status is A.VERIFIED


# --- challenge calls ------------------------------------------------------------------------


def call(status: CallStatus, deadline: date = PAST, **values: Any) -> ChallengeCall:
    return ChallengeCall(id=1, title="主轴热误差补偿揭榜", status=status, deadline=deadline, **values)


def proposal(
    call_id: int = 1, status: ProposalStatus = ProposalStatus.SUBMITTED, name: str = "扬州大学"
) -> Any:
    return CallProposal(call_id=call_id, status=status, organization=Organization(name=name))


@pytest.mark.parametrize("start", list(CallStatus), ids=lambda s: s.value)
def test_only_a_pending_call_is_approved(journal: list, start: CallStatus) -> None:
    c = call(start, FUTURE)
    if start is CallStatus.PENDING:
        c.approve(None)
        assert c.status is CallStatus.OPEN and journal[0][0] == "call.approved"
    else:
        with pytest.raises(InvalidTransition, match="只有待审批的榜单可以批准。"):
            c.approve(None)
        assert c.status is start and journal == []


@pytest.mark.parametrize("start", list(CallStatus), ids=lambda s: s.value)
def test_pending_and_open_calls_are_cancelled_with_a_reason(journal: list, start: CallStatus) -> None:
    c = call(start, FUTURE)
    if start in (CallStatus.PENDING, CallStatus.OPEN):
        with pytest.raises(InvalidTransition, match="撤销榜单必须写明原因"):
            c.cancel(None, "  ")
        c.cancel(None, " 企业已自行解决 ")
        assert c.status is CallStatus.CANCELLED and c.cancel_reason == "企业已自行解决"
    else:
        with pytest.raises(InvalidTransition) as refused:
            c.cancel(None, "企业已自行解决")
        assert refused.value.message == f"“{start.label}”的榜单不能撤销。"
        assert c.status is start and journal == []


@pytest.mark.parametrize(
    ("status", "deadline", "chosen", "reason", "message"),
    [
        (CallStatus.PENDING, PAST, proposal, "方案最优", "“待主管部门审批”的榜单不能揭榜。"),
        (CallStatus.AWARDED, PAST, proposal, "方案最优", "“已揭榜”的榜单不能揭榜。"),
        (CallStatus.CANCELLED, PAST, proposal, "方案最优", "“已撤销”的榜单不能揭榜。"),
        (CallStatus.OPEN, FUTURE, proposal, "方案最优", "揭榜截止后才能评选。"),
        (CallStatus.OPEN, PAST, lambda: proposal(call_id=2), "方案最优", "只能从本榜单已提交的方案中评选。"),
        (
            CallStatus.OPEN,
            PAST,
            lambda: proposal(status=ProposalStatus.WITHDRAWN),
            "方案最优",
            "只能从本榜单已提交的方案中评选。",
        ),
        (CallStatus.OPEN, PAST, proposal, " ", "评选结果必须写明理由，所有揭榜单位都会看到。"),
    ],
)
def test_award_refusals(
    journal: list, status: CallStatus, deadline: date, chosen: Any, reason: str, message: str
) -> None:
    c = call(status, deadline)
    with pytest.raises(InvalidTransition) as refused:
        c.award(None, chosen(), reason)
    assert refused.value.message == message and c.status is status and journal == []


def test_award_selects_one_and_tells_the_rest_they_were_not(journal: list) -> None:
    chosen, other = proposal(name="扬州大学"), proposal(name="江苏大学")
    withdrawn = proposal(status=ProposalStatus.WITHDRAWN, name="南京大学")
    c = call(CallStatus.OPEN, PAST, proposals=[chosen, other, withdrawn])
    c.award(None, chosen, " 技术路线成熟 ")
    assert c.status is CallStatus.AWARDED and c.selection_reason == "技术路线成熟"
    assert [p.status for p in (chosen, other, withdrawn)] == [
        ProposalStatus.SELECTED,
        ProposalStatus.NOT_SELECTED,
        ProposalStatus.WITHDRAWN,
    ]
    assert journal == [
        ("call.awarded", {"status": [CallStatus.OPEN, CallStatus.AWARDED]}, "扬州大学：技术路线成熟")
    ]


@pytest.mark.parametrize(
    ("status", "deadline", "accepting", "phase"),
    [
        (CallStatus.OPEN, FUTURE, True, "揭榜中"),
        (CallStatus.OPEN, PAST, False, "评审中"),
        (CallStatus.PENDING, FUTURE, False, "待主管部门审批"),
        (CallStatus.AWARDED, PAST, False, "已揭榜"),
        (CallStatus.CANCELLED, FUTURE, False, "已撤销"),
    ],
)
def test_a_call_accepts_proposals_while_open_until_its_deadline(
    status: CallStatus, deadline: date, accepting: bool, phase: str
) -> None:
    c = call(status, deadline)
    assert (c.accepting, c.phase) == (accepting, phase)


@pytest.mark.parametrize(
    ("status", "deadline", "allowed"),
    [
        (ProposalStatus.SUBMITTED, FUTURE, True),
        (ProposalStatus.SUBMITTED, PAST, False),
        (ProposalStatus.SELECTED, FUTURE, False),
        (ProposalStatus.WITHDRAWN, FUTURE, False),
    ],
)
def test_a_proposal_is_withdrawn_only_before_the_deadline(
    journal: list, status: ProposalStatus, deadline: date, allowed: bool
) -> None:
    p = proposal(status=status)
    p.call = call(CallStatus.OPEN, deadline)
    if allowed:
        p.withdraw(None)
        assert p.status is ProposalStatus.WITHDRAWN and journal[0][0] == "proposal.withdrawn"
    else:
        with pytest.raises(InvalidTransition, match="揭榜截止后不能撤回方案。"):
            p.withdraw(None)
        assert p.status is status and journal == []


# --- events ---------------------------------------------------------------------------------


def event(status: EventStatus, held_on: date = PAST, **values: Any) -> Event:
    return Event(title="产业链配套对接会", kind=EventKind.SUPPLY, status=status, held_on=held_on, **values)


@pytest.mark.parametrize(
    ("status", "held_on", "message"),
    [
        (EventStatus.OPEN, PAST, None),
        (EventStatus.OPEN, clock.today() - timedelta(days=1), None),
        (EventStatus.OPEN, FUTURE, "活动日期未到，不能标记为已举办。"),
        (EventStatus.HELD, PAST, "“已举办”的活动不能标记为已举办。"),
        (EventStatus.CANCELLED, PAST, "“已取消”的活动不能标记为已举办。"),
    ],
)
def test_marking_an_event_held(
    journal: list, status: EventStatus, held_on: date, message: str | None
) -> None:
    e = event(status, held_on)
    if message is None:
        e.mark_held(None)
        assert e.status is EventStatus.HELD and journal[0][0] == "event.held"
    else:
        with pytest.raises(InvalidTransition) as refused:
            e.mark_held(None)
        assert refused.value.message == message and e.status is status and journal == []


@pytest.mark.parametrize(
    ("status", "reason", "message"),
    [
        (EventStatus.OPEN, "场地维修", None),
        (EventStatus.OPEN, "  ", "取消活动必须写明原因，报名单位会收到通知。"),
        (EventStatus.HELD, "场地维修", "“已举办”的活动不能取消。"),
        (EventStatus.CANCELLED, "场地维修", "“已取消”的活动不能取消。"),
    ],
)
def test_cancelling_an_event(journal: list, status: EventStatus, reason: str, message: str | None) -> None:
    e = event(status, FUTURE)
    if message is None:
        e.cancel(None, reason)
        assert e.status is EventStatus.CANCELLED and e.cancel_reason == reason
        assert journal == [("event.cancelled", {"status": [status, EventStatus.CANCELLED]}, reason)]
    else:
        with pytest.raises(InvalidTransition) as refused:
            e.cancel(None, reason)
        assert refused.value.message == message and e.status is status and journal == []


@pytest.mark.parametrize(
    ("first_slot", "minutes", "slot", "label"),
    [
        ("09:00", 20, 0, "09:00–09:20"),
        ("09:00", 20, 1, "09:20–09:40"),
        ("09:50", 15, 2, "10:20–10:35"),  # across the hour
        ("13:30", 30, 3, "15:00–15:30"),
    ],
)
def test_slot_labels_of_the_meeting_grid(first_slot: str, minutes: int, slot: int, label: str) -> None:
    assert event(EventStatus.OPEN, first_slot=first_slot, slot_minutes=minutes).slot_label(slot) == label


@pytest.mark.parametrize(
    ("status", "deadline", "is_open"),
    [
        (EventStatus.OPEN, FUTURE, True),
        (EventStatus.OPEN, PAST, False),
        (EventStatus.HELD, FUTURE, False),
        (EventStatus.CANCELLED, FUTURE, False),
    ],
)
def test_registration_is_open_until_its_deadline(status: EventStatus, deadline: date, is_open: bool) -> None:
    assert event(status, registration_deadline=deadline).registration_open is is_open


# --- organisations --------------------------------------------------------------------------

ORG_MOVES: dict[str, tuple[Any, dict[OrgStatus, OrgStatus], str]] = {
    "verify": (
        lambda o: o.verify(None),
        {OrgStatus.PENDING: OrgStatus.VERIFIED, OrgStatus.REJECTED: OrgStatus.VERIFIED},
        "该单位已通过认证。",
    ),
    "reject": (
        lambda o: o.reject(None, "信用代码与名称不符"),
        {OrgStatus.PENDING: OrgStatus.REJECTED},
        "只有待认证的单位可以驳回。",
    ),
    "resubmit": (
        lambda o: o.request_verification(None),
        {OrgStatus.REJECTED: OrgStatus.PENDING},
        "只有未通过认证的单位可以重新申请。",
    ),
}
ORG_CASES = [(action, start) for action in ORG_MOVES for start in OrgStatus]


@pytest.mark.parametrize(("action", "start"), ORG_CASES, ids=[f"{a}-from-{s.value}" for a, s in ORG_CASES])
def test_organisation_verification_table(journal: list, action: str, start: OrgStatus) -> None:
    move, allowed, message = ORG_MOVES[action]
    org = Organization(name="宝应县某机械厂", type=OrgType.ENTERPRISE, status=start)
    if start in allowed:
        move(org)
        assert org.status is allowed[start] and len(journal) == 1
    else:
        with pytest.raises(InvalidTransition) as refused:
            move(org)
        assert refused.value.message == message and org.status is start and journal == []


def test_rejecting_an_organisation_needs_a_reason(journal: list) -> None:
    org = Organization(name="宝应县某机械厂", type=OrgType.ENTERPRISE, status=OrgStatus.PENDING)
    with pytest.raises(InvalidTransition, match="驳回认证必须填写理由。"):
        org.reject(None, "  ")
    assert org.status is OrgStatus.PENDING and journal == []


@pytest.mark.parametrize(
    ("start", "after"),
    [
        (OrgStatus.VERIFIED, OrgStatus.PENDING),
        (OrgStatus.PENDING, OrgStatus.PENDING),
        (OrgStatus.REJECTED, OrgStatus.REJECTED),
    ],
)
def test_a_verified_organisation_changing_its_identity_is_checked_again(
    start: OrgStatus, after: OrgStatus
) -> None:
    org = Organization(name="宝应县某机械厂", type=OrgType.ENTERPRISE, status=start)
    org.identity_changed()
    assert org.status is after
    assert (org.status_reason is not None) is (start is OrgStatus.VERIFIED)
