"""Who may do what: the one place that answers "may this actor do this to this object?", with the
SQL twin for lists. Web views, the JSON API and services all ask here; nothing else decides.

Deny by default: an action missing from RULES is refused for everyone. The actor is a user or an
anonymous visitor (Flask-Login's AnonymousUserMixin); ``obj`` is what the action is done to.
tests/test_permissions.py walks every route for every kind of actor against these rules.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, has_request_context
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, Select, and_, false, or_, select

from matchmaker.accounts.values import Role
from matchmaker.agreements.models import Agreement, AgreementParty
from matchmaker.agreements.values import AgreementStatus
from matchmaker.calls.models import CallProposal, CallStatus, ChallengeCall
from matchmaker.core import clock
from matchmaker.core.exceptions import PermissionDenied
from matchmaker.core.extensions import db
from matchmaker.followups.models import FollowUp
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import PairingState
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind, PostingStatus, Visibility
from matchmaker.specialists.models import Assignment, Specialist, Visit

Rule = Callable[[Any, Any], bool]


def is_member(actor: Any) -> bool:
    """A logged-in user (of any organisation)."""
    return bool(actor is not None and actor.is_authenticated)


def is_bureau(actor: Any) -> bool:
    return is_member(actor) and actor.role is Role.BUREAU


def is_party(actor: Any) -> bool:
    """An enterprise or a university/institute user: the two sides of the platform."""
    return is_member(actor) and actor.role in (Role.ENTERPRISE, Role.UNIVERSITY)


def owns(actor: Any, obj: Any) -> bool:
    """Every user of an organisation owns what belongs to it."""
    return is_member(actor) and getattr(obj, "organization_id", None) == actor.organization_id


def specialist_of(actor: Any) -> Specialist | None:
    """The actor's current appointment as 服务专员, 科技镇长团成员 or 技术经纪人 (None: not one).
    A plain actor (the policy table's) says it itself as ``appointment``."""
    if not is_member(actor):
        return None
    if hasattr(actor, "appointment"):
        return actor.appointment
    return db.session.scalar(
        select(Specialist).where(Specialist.user_id == actor.id, Specialist.ended_at.is_(None))
    )


def is_specialist(actor: Any) -> bool:
    return specialist_of(actor) is not None


def served_organizations(actor: Any) -> Select[Any]:
    """SELECT of the organisation ids the actor currently serves as a specialist (open
    assignments of a current appointment); empty for everyone else."""
    user_id = actor.id if is_member(actor) else None
    return (
        select(Assignment.organization_id)
        .join(Specialist, Specialist.id == Assignment.specialist_id)
        .where(Specialist.user_id == user_id, Specialist.ended_at.is_(None), Assignment.ended_at.is_(None))
    )


def serves(actor: Any, org_id: int | None) -> bool:
    """The actor is a specialist currently assigned to the organisation ``org_id``. A plain actor
    (the policy table's) lists them itself as ``served_org_ids``."""
    if not is_member(actor) or org_id is None:
        return False
    if hasattr(actor, "served_org_ids"):
        return org_id in actor.served_org_ids
    stmt = served_organizations(actor).where(Assignment.organization_id == org_id).limit(1)
    return db.session.scalar(stmt) is not None


def _view_visit(actor: Any, visit: Any) -> bool:
    """A visit's notes are for the visited enterprise, the specialists serving it and bureau staff."""
    return visit is not None and (
        is_bureau(actor) or owns(actor, visit) or serves(actor, visit.organization_id)
    )


def _view_posting(actor: Any, posting: Posting) -> bool:
    """Owners and bureau staff see every state; the specialists serving the enterprise see the
    needs found on visits before they are published; others only published postings they may read."""
    if owns(actor, posting) or is_bureau(actor):
        return True
    if posting.status is not PostingStatus.PUBLISHED:
        return getattr(posting, "visit_id", None) is not None and serves(actor, posting.organization_id)
    if posting.visibility is Visibility.PUBLIC:
        return True
    return posting.visibility is Visibility.MEMBERS and is_member(actor)


def _accepted_party(actor: Any, posting: Posting) -> bool:
    """The actor's organisation is in an accepted pairing about this posting (either end of it)."""
    if not is_member(actor):
        return False
    org = actor.organization_id
    stmt = (
        db.select(Pairing.id)
        .where(
            Pairing.state.in_([s for s in PairingState if s.is_accepted]),
            or_(Pairing.target_id == posting.id, Pairing.own_posting_id == posting.id),
            or_(Pairing.initiator_org_id == org, Pairing.target_org_id == org),
        )
        .limit(1)
    )
    return db.session.scalar(stmt) is not None


def _may_express(actor: Any, posting: Posting) -> bool:
    """A verified enterprise or university may show interest in a published, current posting it
    may read, of another organisation."""
    return (
        is_party(actor)
        and actor.organization.is_verified
        and not owns(actor, posting)
        and posting.status is PostingStatus.PUBLISHED
        and not posting.is_expired
        and _view_posting(actor, posting)
    )


def _in_agreement(actor: Any, agreement: Any) -> bool:
    """A user of one of the agreement's parties, or of the organisation that recorded it."""
    return is_member(actor) and (
        actor.organization_id in agreement.party_org_ids or actor.organization_id == agreement.recorded_org_id
    )


def _in_pairing(actor: Any, pairing: Pairing) -> bool:
    return is_member(actor) and pairing.is_party(actor.organization_id)


def _calling(actor: Any, call: Any) -> bool:
    """A user of the enterprise that issued the call (揭榜挂帅的发榜企业)."""
    return is_member(actor) and call is not None and actor.organization_id == call.enterprise_id


def _view_call(actor: Any, call: Any) -> bool:
    """Open and awarded calls are public; pending and cancelled ones are for the calling enterprise
    and bureau staff."""
    return call.status in (CallStatus.OPEN, CallStatus.AWARDED) or is_bureau(actor) or _calling(actor, call)


def _view_proposal(actor: Any, proposal: Any) -> bool:
    """A proposal (方案) is for its authors' organisation, the calling enterprise and bureau staff."""
    return is_bureau(actor) or owns(actor, proposal) or _calling(actor, proposal.call)


def _see_scores(actor: Any, proposal: Any) -> bool:
    """A proposal's scores are for the reviewers (the calling enterprise and bureau staff); its
    authors see their own proposal's weighted total and criterion means only once the selection
    is announced — while the call runs, a proposer learns nothing of how it is being judged."""
    if is_bureau(actor) or _calling(actor, proposal.call):
        return True
    return owns(actor, proposal) and proposal.call.status is CallStatus.AWARDED


def _answers(actor: Any, pairing: Pairing) -> bool:
    """The receiving side answers an interest; never the side that expressed it. Bureau staff
    answer for a receiving organisation with no user account (居间对接)."""
    if is_bureau(actor):
        return _brokered(pairing)
    return is_member(actor) and actor.organization_id == pairing.target_org_id != pairing.initiator_org_id


def _brokered(pairing: Pairing) -> bool:
    """居间对接: nobody at the receiving organisation can log in (Pairing.brokered)."""
    return bool(getattr(pairing, "brokered", False))


RULES: dict[str, Rule] = {
    # postings
    "posting.view": _view_posting,
    "posting.create": lambda a, kind: is_party(a) and PostingKind(kind).poster_role is a.role,
    "posting.edit": owns,
    "posting.submit": owns,
    "posting.withdraw": owns,
    "posting.close": lambda a, p: owns(a, p) or is_bureau(a),
    "posting.renew": lambda a, p: owns(a, p) or is_bureau(a),
    "posting.review": lambda a, _: is_bureau(a),
    "posting.see_confidential": lambda a, p: owns(a, p) or is_bureau(a),
    # Contact names and phone numbers of a posting — on its page, in published lists and their
    # downloads, in the API — are for its owner, bureau staff, and the other side of an accepted
    # pairing about it; everyone else expresses interest first (docs/SECURITY.md).
    "posting.see_contacts": lambda a, p: (
        owns(a, p) or is_bureau(a) or (p is not None and _accepted_party(a, p))
    ),
    "posting.express_interest": _may_express,
    # A published list is a snapshot of many postings: its contact columns are for bureau staff.
    "list.see_contacts": lambda a, _: is_bureau(a),
    # pairings (意向 → 对接 → 洽谈 → 签约)
    "pairing.view": lambda a, p: (
        _in_pairing(a, p) or is_bureau(a) or (is_member(a) and getattr(p, "brokered_by_id", None) == a.id)
    ),
    "pairing.answer": _answers,
    "pairing.advance": lambda a, p: _in_pairing(a, p) or is_bureau(a),
    # bureau staff speak in a 居间对接 pairing for the organisation that has no account
    "pairing.message": lambda a, p: _in_pairing(a, p) or (is_bureau(a) and _brokered(p)),
    "pairing.introduce": lambda a, _: is_bureau(a),
    # a specialist introduces pairings for the enterprises it serves (``obj``: one of the two postings)
    "pairing.broker": lambda a, p: p is not None and serves(a, p.organization_id),
    "pairing.nudge": lambda a, _: is_bureau(a),
    "pairing.see_contacts": lambda a, p: (_in_pairing(a, p) and p.state.is_accepted) or is_bureau(a),
    "pairings.own": lambda a, _: is_party(a),
    "pipeline.view": lambda a, _: is_bureau(a),
    "notifications.own": lambda a, _: is_member(a),
    "queues.notify": lambda a, _: is_bureau(a),  # notices of new items in the review queues
    "postings.own": lambda a, _: is_party(a),  # 我的发布, 为我推荐
    # agreements (what the plan counts)
    "agreement.record": lambda a, _: (is_party(a) and a.organization.is_verified) or is_bureau(a),
    "agreement.view": lambda a, g: is_bureau(a) or _in_agreement(a, g),
    "agreement.edit": lambda a, g: is_bureau(a) or (is_member(a) and a.organization_id == g.recorded_org_id),
    # Only a verified organisation's word counts: a self-registered one confirms nothing.
    "agreement.confirm": lambda a, g: is_party(a) and a.organization.is_verified and _in_agreement(a, g),
    "agreement.verify": lambda a, _: is_bureau(a),
    "agreement.delete": lambda a, g: (
        is_bureau(a)
        or (
            is_member(a)
            and a.organization_id == g.recorded_org_id
            and g.status is not AgreementStatus.VERIFIED
        )
    ),
    "agreements.own": lambda a, _: is_party(a),
    "agreements.ledger": lambda a, _: is_bureau(a),
    "indicators.edit": lambda a, _: is_bureau(a),
    "plans.edit": lambda a, _: is_bureau(a),
    "dashboard.view": lambda a, _: is_bureau(a),
    # organisations and accounts
    "organization.edit": lambda a, org: is_member(a) and (a.organization_id == org.id or is_bureau(a)),
    "organization.resubmit": lambda a, org: is_member(a) and a.organization_id == org.id,
    "organization.verify": lambda a, _: is_bureau(a),
    "user.create": lambda a, _: is_bureau(a),
    "user.disable": lambda a, user: is_bureau(a) and (user is None or user.id != a.id),
    "account.own": lambda a, obj: is_member(a) and getattr(obj, "user_id", None) == a.id,  # tokens, logins
    # 我的账号: one's password, e-mail preferences, new tokens and other logins, for oneself only
    "account.manage": lambda a, user: is_member(a) and user is not None and getattr(user, "id", None) == a.id,
    # the bureau's work
    "term.manage": lambda a, _: is_bureau(a),
    "import.run": lambda a, _: is_bureau(a),
    "list.publish": lambda a, _: is_bureau(a),
    "list.withdraw": lambda a, _: is_bureau(a),
    "index.manage": lambda a, _: is_bureau(a),
    "audit.view": lambda a, _: is_bureau(a),
    # events (对接活动): announced to everyone; participants are for members, the running for staff
    "event.view": lambda a, e: True,
    "event.see_participants": lambda a, e: is_member(a),
    "event.create": lambda a, _: is_bureau(a),
    "event.edit": lambda a, _: is_bureau(a),
    "event.manage": lambda a, _: is_bureau(a),  # schedule, hand moves, outcomes, held/cancelled
    "event.invite": lambda a, _: is_bureau(a),
    "event.register": lambda a, e: is_party(a) and a.organization.is_verified,
    "registration.edit": lambda a, r: r is not None and (owns(a, r) or is_bureau(a)),
    "registration.view": lambda a, r: r is not None and (owns(a, r) or is_bureau(a)),  # its timetable
    # 揭榜挂帅 challenge calls: bureau staff publish (an enterprise's own call waits for their
    # approval); verified universities and institutes propose; the calling enterprise and the
    # bureau score (after the deadline day) and select; proposals are seen by their authors, the
    # caller and the bureau; scores by the reviewers, and by a proposal's authors after the award.
    "call.view": _view_call,
    "call.create": lambda a, _: (
        is_bureau(a) or (is_member(a) and a.role is Role.ENTERPRISE and a.organization.is_verified)
    ),
    "call.approve": lambda a, _: is_bureau(a),
    "call.cancel": lambda a, c: is_bureau(a) or _calling(a, c),
    "call.propose": lambda a, _: is_member(a) and a.role is Role.UNIVERSITY and a.organization.is_verified,
    "call.review": lambda a, c: is_bureau(a) or _calling(a, c),  # see every proposal, score, select
    "call.award": lambda a, c: is_bureau(a) or _calling(a, c),
    "call.invite": lambda a, _: is_bureau(a),
    "proposal.view": _view_proposal,
    "proposal.edit": owns,
    "proposal.score": lambda a, p: is_bureau(a) or _calling(a, p.call),
    "proposal.see_scores": _see_scores,
    "proposal.see_reviewers": lambda a, p: is_bureau(a) or _calling(a, p.call),  # never the proposers
    # 一企一册 and the cultivation pool: a verified organisation's profile (basic data, tier and
    # published postings) is open to every member; its indicator readings and its records
    # (pairings, agreements, events, calls) only to its own users and bureau staff, who alone
    # record tiers and readings. Unverified organisations' profiles: own users and the bureau.
    "profile.view": lambda a, org: (
        is_member(a) and (is_bureau(a) or a.organization_id == org.id or org.is_verified)
    ),
    "profile.see_indicators": lambda a, org: is_member(a) and (is_bureau(a) or a.organization_id == org.id),
    "profile.see_records": lambda a, org: is_member(a) and (is_bureau(a) or a.organization_id == org.id),
    "profile.edit": lambda a, _: is_bureau(a),
    "pool.view": lambda a, _: is_bureau(a),
    "pool.targets": lambda a, _: is_bureau(a),
    # specialists (服务专员, 科技镇长团成员, 技术经纪人): bureau staff appoint them and assign
    # enterprises; a specialist records visits to, drafts needs for, grades the needs of and
    # brokers pairings for the enterprises it serves; visit notes and unconfirmed drafts are for
    # the enterprise, the specialists serving it and bureau staff (docs/SECURITY.md).
    "specialist.manage": lambda a, _: is_bureau(a),
    "specialist.workbench": lambda a, _: is_specialist(a),
    "visit.record": lambda a, org: org is not None and serves(a, org.id),
    "visit.view": _view_visit,
    "visits.own": lambda a, _: is_member(a) and a.role is Role.ENTERPRISE,  # 走访记录与待确认需求
    "visits.list": lambda a, _: is_member(a),  # each sees the visits "visit.view" lets it (visits_of)
    "posting.confirm": lambda a, p: (
        is_member(a) and a.role is Role.ENTERPRISE and owns(a, p) and p.confirmation is not None
    ),
    "posting.confirm_for": lambda a, p: is_bureau(a) and p is not None and p.confirmation is not None,
    "diagnosis.record": lambda a, p: p is not None and p.kind.is_need and serves(a, p.organization_id),
    # the grade and what is missing are shown to the enterprise too; the note is not
    "diagnosis.see_note": lambda a, p: is_bureau(a) or (p is not None and serves(a, p.organization_id)),
    # 订阅推送: any logged-in user keeps subscriptions of their own (what a digest tells them is
    # what listed_postings lets them see); only their owner reads, edits or cancels one.
    "subscription.create": lambda a, _: is_member(a) and bool(getattr(a, "active", True)),
    "subscription.view": lambda a, s: is_member(a) and getattr(s, "user_id", None) == a.id,
    "subscription.edit": lambda a, s: (
        is_member(a) and getattr(s, "user_id", None) == a.id and getattr(s, "cancelled_at", None) is None
    ),
    # Specialists' results (specialists/results.py): bureau staff see everyone's, per person, per
    # 科技镇长团 and per 技术转移服务机构; a specialist sees their own (``obj``: the Specialist row).
    # Who found or brokered a pairing or an agreement is set by bureau staff where the records do
    # not say it (it happened off the platform), with a note.
    "results.all": lambda a, _: is_bureau(a),
    "results.view": lambda a, s: is_bureau(a) or (is_member(a) and getattr(s, "user_id", None) == a.id),
    "attribution.set": lambda a, _: is_bureau(a),
    # 回访: each side answers its own question; its assigned specialists and the bureau read it
    "followups.own": lambda a, _: is_party(a),
    "followup.view": lambda a, f: (
        owns(a, f) or is_bureau(a) or serves(a, getattr(f, "organization_id", None))
    ),
    "followup.answer": lambda a, f: is_party(a) and owns(a, f),
    "followups.staff": lambda a, _: is_bureau(a),
}

MESSAGES: dict[str, str | Callable[[Any, Any], str]] = {
    "posting.express_interest": lambda a, p: (
        "贵单位通过主管部门认证后才能表达合作意向。"
        if is_party(a) and not a.organization.is_verified
        else "只能对其他单位已发布、未过期的信息表达合作意向。"
    ),
    "pairing.answer": "只有收到意向的一方可以答复（该单位尚未开通平台账号时，由主管部门居间答复）。",
    "agreement.record": lambda a, _: (
        "贵单位通过主管部门认证后才能登记协议。"
        if is_party(a)
        else "只有企业、高校院所和主管部门可以登记协议。"
    ),
    "agreement.view": "只有协议各方和主管部门可以查看。",
    "agreement.edit": "只有登记协议的单位和主管部门可以修改。",
    "agreement.confirm": lambda a, g: (
        "贵单位通过主管部门认证后才能确认协议。"
        if is_party(a) and not a.organization.is_verified
        else "只有协议的另一方可以确认。"
    ),
    "agreement.delete": "已核验的协议只能由主管部门删除。",
    "pairing.message": "只有对接双方（居间对接时还有主管部门）可以发送消息。",
    "pairing.view": "只有对接双方和主管部门可以查看。",
    "pairing.advance": "只有对接双方和主管部门可以更新对接进展。",
    "posting.create": lambda a, kind: f"{a.role.label}用户不能发布“{PostingKind(kind).label}”。",
    "posting.edit": "只能操作本单位发布的信息。",
    "posting.submit": "只能操作本单位发布的信息。",
    "posting.withdraw": "只能操作本单位发布的信息。",
    "posting.close": "只能操作本单位发布的信息。",
    "posting.renew": "只能操作本单位发布的信息。",
    "pairings.own": "企业和高校院所用户才有“我的对接”。",
    "notifications.own": "请先登录。",
    "user.disable": "不能停用自己的账号。",
    "account.own": "只能管理自己的账号。",
    "organization.resubmit": "只能为本单位重新申请认证。",
    "agreements.own": "企业和高校院所用户才有“我的协议”。",
    "event.register": lambda a, _: (
        "贵单位通过主管部门认证后才能报名参加活动。"
        if is_party(a)
        else "只有企业和高校院所可以报名参加活动。"
    ),
    "registration.edit": lambda a, r: "贵单位尚未报名本次活动。" if r is None else "只能修改本单位的报名。",
    "registration.view": "只能查看本单位的洽谈日程。",
    "call.create": "只有主管部门和通过认证的企业可以发布榜单。",
    "call.cancel": "只有发榜企业和主管部门可以撤销榜单。",
    "call.propose": "只有通过认证的高校院所可以揭榜（提交方案）。",
    "call.review": "只有发榜企业和主管部门可以评审方案。",
    "call.award": "只有发榜企业和主管部门可以评选揭榜单位。",
    "proposal.view": "方案仅提交单位、发榜企业和主管部门可以查看。",
    "proposal.edit": "只能修改本单位提交的方案。",
    "proposal.score": "只有发榜企业和主管部门可以评分。",
    "proposal.see_scores": "评审结果公布（揭榜）后，揭榜单位才能看到本单位方案的得分。",
    "proposal.see_reviewers": "评审人信息仅发榜企业和主管部门可以查看。",
    "profile.view": "该单位尚未通过认证，其档案仅本单位和主管部门可以查看。",
    "profile.see_indicators": "企业的指标数据仅本单位和主管部门可以查看。",
    "profile.see_records": "单位的对接、协议、活动和揭榜记录仅本单位和主管部门可以查看。",
    "profile.edit": "企业梯度和指标由主管部门工作人员录入。",
    "pool.view": "培育库仅限主管部门工作人员查看。",
    "specialist.workbench": "工作台仅限服务专员、科技镇长团成员和技术经纪人使用。",
    "visit.record": "只能为分配给您服务的企业记录走访。",
    "visit.view": "走访记录仅被走访企业、为其服务的专员和主管部门可以查看。",
    "visits.own": "企业用户才有“走访与待确认需求”。",
    "posting.confirm": "只有需求所属企业的用户可以确认或拒绝代填的需求。",
    "posting.confirm_for": "只有主管部门可以代企业确认。",
    "diagnosis.record": "只能为分配给您服务的企业的需求作诊断。",
    "diagnosis.see_note": "诊断备注仅服务专员和主管部门可以查看。",
    "pairing.broker": "只能为分配给您服务的企业牵线。",
    "subscription.create": "请先登录。",
    "subscription.view": "只能查看自己的订阅。",
    "subscription.edit": lambda a, s: (
        "该订阅已取消，不能再修改。"
        if getattr(s, "user_id", None) == getattr(a, "id", None)
        else "只能修改或取消自己的订阅。"
    ),
    "results.all": "全部人员的业绩仅限主管部门工作人员查看。",
    "results.view": "人员业绩仅主管部门和服务专员、科技镇长团成员、技术经纪人本人可以查看。",
    "attribution.set": "发现人和居间人由主管部门工作人员认定。",
    "followups.own": "企业和高校院所用户才有“我的回访”。",
    "followup.view": "回访仅被回访的单位、为其服务的专员和主管部门可以查看。",
    "followup.answer": "只有被回访的单位可以回答本单位的回访。",
    "followups.staff": "回访统计仅限主管部门工作人员查看。",
}
BUREAU_ONLY = "此操作仅限主管部门工作人员。"


def may(actor: Any, action: str, obj: Any = None) -> bool:
    """Whether ``actor`` may do ``action`` to ``obj``; False for any action not listed."""
    if has_request_context():  # what this request asked, for the tests of each endpoint's wiring
        g.setdefault("policy_asked", set()).add(action)
    rule = RULES.get(action)
    return bool(rule is not None and rule(actor, obj))


PUBLIC = "public"  # an endpoint open to everyone: no rule to ask (the login page, the home page…)

V = TypeVar("V", bound=Callable[..., Any])


def enforces(*actions: str) -> Callable[[V], V]:
    """Declares the actions of RULES an endpoint (web or API) asks before it acts, or PUBLIC.
    Every endpoint declares: tests/test_endpoint_actions.py walks the URL map and fails on one
    that does not, and checks that a request to it asks what it declares."""
    unknown = [a for a in actions if a != PUBLIC and a not in RULES]
    if not actions or unknown:
        raise LookupError(f"not actions of policy.RULES: {unknown or 'none given'}")

    def mark(view: V) -> V:
        view.policy_actions = (*getattr(view, "policy_actions", ()), *actions)  # type: ignore[attr-defined]
        return view

    return mark


def actions_of(view: Callable[..., Any]) -> tuple[str, ...]:
    """What ``view`` declares it enforces (empty: nothing declared)."""
    return tuple(getattr(view, "policy_actions", ()))


def require(actor: Any, action: str, obj: Any = None) -> None:
    """Raise PermissionDenied (403, with a Chinese message) unless ``may``."""
    if may(actor, action, obj):
        return
    if not is_member(actor):
        raise PermissionDenied("请先登录。")
    message = MESSAGES.get(action, BUREAU_ONLY)
    raise PermissionDenied(message(actor, obj) if callable(message) else message)


def listed_postings(actor: Any) -> ColumnElement[bool]:
    """The SQL twin of "posting.view" for lists and search: the published, unexpired postings the
    actor may read (bureau staff: all of them; members: public and members-only ones and their
    own; visitors: public ones)."""
    clause = and_(
        Posting.status == PostingStatus.PUBLISHED,
        or_(Posting.valid_until.is_(None), Posting.valid_until >= clock.today()),
    )
    if is_bureau(actor):
        return clause
    if is_member(actor):
        allowed = or_(
            Posting.visibility.in_([Visibility.PUBLIC, Visibility.MEMBERS]),
            Posting.organization_id == actor.organization_id,
        )
    else:
        allowed = Posting.visibility == Visibility.PUBLIC
    return and_(clause, allowed)


def members_only_postings() -> ColumnElement[bool]:
    """Published, unexpired postings a visitor would see once logged in ("另有 N 条登录后可见")."""
    return and_(listed_postings(_Member()), Posting.visibility == Visibility.MEMBERS)


class _Member:
    """Any logged-in member of no particular organisation (for members_only_postings)."""

    is_authenticated = True
    role = None
    organization_id = None


def own_postings(actor: Any) -> ColumnElement[bool]:
    return Posting.organization_id == actor.organization_id if is_member(actor) else false()


def pairings_of(actor: Any) -> ColumnElement[bool]:
    """The SQL twin of "pairing.view": the actor's organisation's pairings and those the actor
    brokered, or all for the bureau."""
    if is_bureau(actor):
        return Pairing.id.isnot(None)
    if not is_member(actor):
        return false()
    return or_(
        Pairing.initiator_org_id == actor.organization_id,
        Pairing.target_org_id == actor.organization_id,
        Pairing.brokered_by_id == actor.id,
    )


def visits_of(actor: Any) -> ColumnElement[bool]:
    """The SQL twin of "visit.view": visits to the actor's organisation and to the enterprises it
    serves as a specialist (all for bureau staff)."""
    if is_bureau(actor):
        return Visit.id.isnot(None)
    if not is_member(actor):
        return false()
    return or_(
        Visit.organization_id == actor.organization_id,
        Visit.organization_id.in_(served_organizations(actor)),
    )


def found_needs_of(actor: Any) -> ColumnElement[bool]:
    """The SQL twin of "posting.view" for needs found on visits, whatever their state: the actor's
    organisation's and those of the enterprises it serves (all for bureau staff)."""
    found = Posting.visit_id.isnot(None)
    if is_bureau(actor):
        return found
    if not is_member(actor):
        return false()
    return and_(
        found,
        or_(
            Posting.organization_id == actor.organization_id,
            Posting.organization_id.in_(served_organizations(actor)),
        ),
    )


def followups_of(actor: Any) -> ColumnElement[bool]:
    """The SQL twin of "followup.view" for lists: the actor's organisation's questions, or all for
    the bureau (a specialist's list comes from followups.queries.overdue_for their enterprises)."""
    if is_bureau(actor):
        return FollowUp.id.isnot(None)
    if not is_member(actor):
        return false()
    return FollowUp.organization_id == actor.organization_id


def agreements_of(actor: Any) -> ColumnElement[bool]:
    """The SQL twin of "agreement.view": agreements the actor's organisation is party to or
    recorded (all for bureau staff); deleted ones are left to the caller."""
    if is_bureau(actor):
        return Agreement.id.isnot(None)
    if not is_member(actor):
        return false()
    org = actor.organization_id
    parties = select(AgreementParty.agreement_id).where(AgreementParty.organization_id == org)
    return or_(Agreement.recorded_org_id == org, Agreement.id.in_(parties))


def listed_calls(actor: Any) -> ColumnElement[bool]:
    """The SQL twin of "call.view": open and awarded calls, plus the actor's own enterprise's
    calls (all of them for bureau staff)."""
    if is_bureau(actor):
        return ChallengeCall.id.isnot(None)
    public = ChallengeCall.status.in_([CallStatus.OPEN, CallStatus.AWARDED])
    if not is_member(actor):
        return public
    return or_(public, ChallengeCall.enterprise_id == actor.organization_id)


def proposals_of(actor: Any) -> ColumnElement[bool]:
    """The SQL twin of "proposal.view": the actor's organisation's proposals and the proposals to
    its enterprise's calls (all for bureau staff)."""
    if is_bureau(actor):
        return CallProposal.id.isnot(None)
    if not is_member(actor):
        return false()
    org = actor.organization_id
    calls = select(ChallengeCall.id).where(ChallengeCall.enterprise_id == org)
    return or_(CallProposal.organization_id == org, CallProposal.call_id.in_(calls))


def requires(action: str) -> Callable[[V], V]:
    """Logged in, and allowed ``action`` by the policy (without an object), else 403; the view
    declares that it enforces ``action`` (policy.enforces)."""

    def decorator(view: V) -> V:
        @enforces(action)
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not may(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
