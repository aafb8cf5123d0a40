"""揭榜挂帅 challenge calls: publishing a call from R&D needs (an enterprise's waits for the bureau's
approval), proposals before the deadline, scoring, the selection and the pairing that follows, and
inviting a university. Every function takes the actor, asks the policy, journals, flushes, never
commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from matchmaker import policy
from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import Role
from matchmaker.calls.models import (
    CallCriterion,
    CallProposal,
    CallProposalFile,
    CallStatus,
    ChallengeCall,
    ProposalScore,
    ProposalStatus,
)
from matchmaker.core import clock, rules, uploads
from matchmaker.core.database import flush_once
from matchmaker.core.exceptions import FieldError, InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.core.journal import JournalEntry, record
from matchmaker.core.models import utcnow
from matchmaker.core.rules import MAX_BUDGET
from matchmaker.pairings import operations as pairing_service
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import PairingState
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind, PostingStatus

MAX_FILES = 5
MAX_DEADLINE_DAYS = 366
CLOSED = "揭榜已于{deadline}截止，不能再提交、修改或撤回方案。"
# Scores are given on proposals that can no longer change: the deadline day ends at midnight, site time.
NOT_YET = "揭榜{deadline}截止后才能评分：截止前揭榜单位还可以修改方案。"
MAX_CRITERIA = 6
MAX_NEEDS = 20  # R&D needs one call is published from
# Lengths of a call's and a proposal's texts, (fewest, most) characters once stripped.
CALL_TEXT_LENGTHS = {
    "title": (4, 120),
    "problem": (10, 5000),
    "deliverables": (4, 5000),
    "eligibility": (2, 1000),
}
PROPOSAL_TEXT_LENGTHS = {"approach": (20, 5000), "team": (4, 5000), "schedule": (4, 5000)}
CRITERION_NAME_LENGTH = (1, 60)
WEIGHT_RANGE = (1, 100)
SCORE_RANGE = (0, 100)
SCORE_PROBLEM = "每项得分应为0到100之间的整数。"
BUDGET_PROBLEM = f"榜额应大于0、不超过{MAX_BUDGET:,.0f}万元（单位为万元）。"
PRICE_PROBLEM = f"报价应在0到{MAX_BUDGET:,.0f}万元之间（单位为万元）。"
CANCEL_REASON_LENGTH = (2, 500)
CANCEL_REASON_PROBLEM = "请写明撤销原因（{min}到{max}个字），已提交方案的单位会收到通知。"
AWARD_REASON_LENGTH = 2000  # the API's (the web form keeps 1000)
# The evaluation criteria a new call starts from (weights add up to 100).
DEFAULT_CRITERIA = [
    ("技术方案先进性与可行性", 40),
    ("团队实力与相关成果", 25),
    ("进度安排", 15),
    ("报价合理性", 20),
]


@dataclass
class CallDetails:
    """The content of a call (the form's and the API's)."""

    title: str
    problem: str
    deliverables: str
    budget: Decimal | None
    deadline: date | None
    eligibility: str
    needs: list[Posting] = field(default_factory=list)
    criteria: list[tuple[str, int]] = field(default_factory=list)

    def problems(self) -> dict[str, str]:
        """Field → the Chinese message of the first rule it breaks."""
        found: dict[str, str] = {}
        for name, (low, high) in CALL_TEXT_LENGTHS.items():
            text = (getattr(self, name) or "").strip()
            if not low <= len(text) <= high:
                found[name] = f"应为{low}到{high}个字（现有{len(text)}个字）。"
        if self.budget is None:
            found["budget"] = "请填写榜额（万元）。"
        elif not self.budget.is_finite() or not 0 < self.budget <= MAX_BUDGET:
            found["budget"] = BUDGET_PROBLEM
        today = clock.today()
        if self.deadline is None:
            found["deadline"] = "请填写截止日期（格式 2025-06-30）。"
        elif not today <= self.deadline <= today + timedelta(days=MAX_DEADLINE_DAYS):
            found["deadline"] = "截止日期应在今天到一年之内。"
        if problem := self.need_problem():
            found["needs"] = problem
        if problem := self.criteria_problem():
            found["criteria"] = problem
        return rules.single_line_problems(self, ("title",)) | found

    def need_problem(self) -> str | None:
        if not self.needs:
            return "请选择至少一条研发需求。"
        if any(
            n.kind is not PostingKind.RD_NEED or n.status is not PostingStatus.PUBLISHED for n in self.needs
        ):
            return "只能选择已发布的研发需求。"
        if len({n.organization_id for n in self.needs}) > 1:
            return "一个榜单的研发需求须来自同一家企业。"
        return None

    def criteria_problem(self) -> str | None:
        if not self.criteria:
            return "请填写评审标准及权重。"
        names = [name.strip() for name, _ in self.criteria]
        if any(not CRITERION_NAME_LENGTH[0] <= len(n) <= CRITERION_NAME_LENGTH[1] for n in names):
            return f"每项评审标准都要有名称（最多{CRITERION_NAME_LENGTH[1]}个字）。"
        if len(names) > MAX_CRITERIA:
            return f"评审标准最多{MAX_CRITERIA}项。"
        if len(set(names)) < len(names):
            return "评审标准不能重名。"
        if any(not WEIGHT_RANGE[0] <= w <= WEIGHT_RANGE[1] for _, w in self.criteria):
            return "每项权重应为1到100之间的整数。"
        total = sum(w for _, w in self.criteria)
        if total != 100:
            return f"各项权重之和应为100（现为{total}）。"
        return None

    def check(self) -> None:
        if found := self.problems():
            name, message = next(iter(found.items()))
            raise FieldError(name, message)


@dataclass
class ProposalDetails:
    approach: str
    team: str
    schedule: str
    price: Decimal | None

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for name, (low, high) in PROPOSAL_TEXT_LENGTHS.items():
            text = (getattr(self, name) or "").strip()
            if not low <= len(text) <= high:
                found[name] = f"应为{low}到{high}个字（现有{len(text)}个字）。"
        if self.price is None:
            found["price"] = "请填写报价（万元）。"
        elif not self.price.is_finite() or not 0 <= self.price <= MAX_BUDGET:
            found["price"] = PRICE_PROBLEM
        return found

    def check(self) -> None:
        if found := self.problems():
            name, message = next(iter(found.items()))
            raise FieldError(name, message)


# --- calls -------------------------------------------------------------------------------


def create_call(details: CallDetails, *, actor: User) -> ChallengeCall:
    """Bureau staff publish a call at once; an enterprise's own call waits for their approval."""
    policy.require(actor, "call.create")
    details.check()
    enterprise_id = details.needs[0].organization_id
    if not policy.is_bureau(actor) and enterprise_id != actor.organization_id:
        raise FieldError("needs", "只能用本单位发布的研发需求发榜。")
    call = ChallengeCall(
        title=details.title.strip(),
        problem=details.problem.strip(),
        deliverables=details.deliverables.strip(),
        budget=details.budget,
        deadline=details.deadline,
        eligibility=details.eligibility.strip(),
        enterprise_id=enterprise_id,
        status=CallStatus.OPEN if policy.is_bureau(actor) else CallStatus.PENDING,
        created_by=actor,
        needs=list(dict.fromkeys(details.needs)),  # a need chosen twice is one
        criteria=[
            CallCriterion(position=n, name=name.strip(), weight=weight)
            for n, (name, weight) in enumerate(details.criteria)
        ],
    )
    if policy.is_bureau(actor):
        call.approved_by, call.approved_at = actor, utcnow()
    db.session.add(call)
    record(
        "call.created" if policy.is_bureau(actor) else "call.proposed",
        call,
        actor=actor,
        changes={"status": [None, call.status], "needs": [None, [n.id for n in details.needs]]},
    )
    db.session.flush()
    return call


def approve_call(call: ChallengeCall, *, actor: User) -> None:
    policy.require(actor, "call.approve", call)
    if call.deadline < clock.today():
        raise InvalidTransition("截止日期已过，请让发榜企业重新提出榜单。")
    call.approve(actor)
    db.session.flush()


def cancel_call(call: ChallengeCall, reason: str, *, actor: User) -> None:
    policy.require(actor, "call.cancel", call)
    call.cancel(actor, reason)
    db.session.flush()


def invite(call: ChallengeCall, org: Organization, *, actor: User) -> bool:
    """Bureau staff invite a university to propose (its users are notified, once: False when it
    was invited already)."""
    policy.require(actor, "call.invite", call)
    if not call.accepting:
        raise InvalidTransition("只能邀请高校院所揭榜尚在征集方案的榜单。")
    if org.role is not Role.UNIVERSITY or not org.is_verified:
        raise FieldError("organization", "只能邀请通过认证的高校院所。")
    if org.id in invited(call):
        return False
    record("call.invited", call, actor=actor, changes={"organization": [None, org.id]}, note=org.name)
    db.session.flush()
    return True


def invited(call: ChallengeCall) -> set[int]:
    """The organisations invited to the call, from the journal."""
    entries = db.session.scalars(
        select(JournalEntry).where(
            JournalEntry.object_type == "call",
            JournalEntry.object_id == call.id,
            JournalEntry.action == "call.invited",
        )
    )
    return {(e.changes or {}).get("organization", [None, None])[1] for e in entries}


# --- proposals ---------------------------------------------------------------------------


def _still_open(call: ChallengeCall) -> None:
    if call.status is not CallStatus.OPEN:
        raise InvalidTransition(f"“{call.status.label}”的榜单不接受方案。")
    if not call.accepting:
        raise InvalidTransition(CLOSED.format(deadline=call.deadline.isoformat()))


def own_proposal(call: ChallengeCall, org_id: int | None) -> CallProposal | None:
    if org_id is None:
        return None
    return db.session.scalar(
        select(CallProposal).where(CallProposal.call_id == call.id, CallProposal.organization_id == org_id)
    )


def submit_proposal(call: ChallengeCall, details: ProposalDetails, *, actor: User) -> CallProposal:
    """A university's or institute's 方案, one per organisation, until the end of the deadline day."""
    policy.require(actor, "call.propose", call)
    _still_open(call)
    details.check()
    proposal = own_proposal(call, actor.organization_id)
    if proposal is not None and proposal.status is not ProposalStatus.WITHDRAWN:
        raise FieldError("approach", "贵单位已对本榜单提交过方案（每个单位一份），可在截止前修改。")
    if proposal is None:
        proposal = CallProposal(call=call, organization_id=actor.organization_id)
        db.session.add(proposal)
    # A withdrawn proposal is submitted again in its own row (one per organisation), rewritten.
    proposal.author = actor
    proposal.approach, proposal.team = details.approach.strip(), details.team.strip()
    assert details.price is not None  # check() refuses a missing price
    proposal.schedule, proposal.price = details.schedule.strip(), details.price
    proposal.status, proposal.submitted_at, proposal.updated_at = ProposalStatus.SUBMITTED, utcnow(), utcnow()
    record(
        "proposal.submitted",
        proposal,
        actor=actor,
        changes={"status": [None, ProposalStatus.SUBMITTED], "call": [None, call.id]},
    )
    flush_once("贵单位刚刚已对本榜单提交过方案（可能是同事同时提交；每个单位一份），可在截止前修改。")
    return proposal


def ensure_editable(proposal: CallProposal, actor: User) -> None:
    """Raise unless ``actor`` may still change ``proposal`` (its author, before the deadline)."""
    policy.require(actor, "proposal.edit", proposal)
    _still_open(proposal.call)
    if proposal.status is not ProposalStatus.SUBMITTED:
        raise InvalidTransition(f"“{proposal.status.label}”的方案不能修改。")


def update_proposal(proposal: CallProposal, details: ProposalDetails, *, actor: User) -> None:
    ensure_editable(proposal, actor)
    details.check()
    before = {k: getattr(proposal, k) for k in ("approach", "team", "schedule", "price")}
    proposal.approach, proposal.team = details.approach.strip(), details.team.strip()
    assert details.price is not None  # check() refuses a missing price
    proposal.schedule, proposal.price = details.schedule.strip(), details.price
    changes = {k: [v, getattr(proposal, k)] for k, v in before.items() if getattr(proposal, k) != v}
    if changes:
        proposal.updated_at = utcnow()
        record("proposal.updated", proposal, actor=actor, changes=changes)
    db.session.flush()


def withdraw_proposal(proposal: CallProposal, *, actor: User) -> None:
    ensure_editable(proposal, actor)
    proposal.withdraw(actor)
    db.session.flush()


def add_file(proposal: CallProposal, data: bytes, filename: str, *, actor: User) -> CallProposalFile:
    """An attachment, checked like an agreement's evidence file, kept under instance/uploads/calls/."""
    ensure_editable(proposal, actor)
    if len(proposal.files) >= MAX_FILES:
        raise FieldError("file", f"每份方案最多{MAX_FILES}个附件。")
    kept = uploads.store(data, filename, files_dir())
    attachment = CallProposalFile(proposal=proposal, uploaded_by_id=actor.id, **kept.columns())
    db.session.add(attachment)
    record("proposal.file_added", proposal, actor=actor, note=kept.original_name)
    db.session.flush()
    return attachment


def remove_file(attachment: CallProposalFile, *, actor: User) -> None:
    """Until the deadline, like every change to a proposal (the stored file stays for backups)."""
    proposal = attachment.proposal
    ensure_editable(proposal, actor)
    record("proposal.file_removed", proposal, actor=actor, note=attachment.original_name)
    db.session.delete(attachment)
    db.session.flush()


def files_dir() -> Path:
    """Under instance/uploads/, which `flask backup` copies."""
    return uploads.folder("calls")


# --- review and selection ------------------------------------------------------------------


def ensure_scorable(proposal: CallProposal, actor: User) -> None:
    """Raise unless ``actor`` may score ``proposal`` now: a reviewer, after the deadline day (when
    its authors can no longer change it) and before the selection."""
    policy.require(actor, "proposal.score", proposal)
    call = proposal.call
    if call.status is CallStatus.OPEN and not call.reviewing:
        raise InvalidTransition(NOT_YET.format(deadline=call.deadline.isoformat()))
    if not call.reviewing or proposal.status is not ProposalStatus.SUBMITTED:
        raise InvalidTransition("只能为评审中的榜单上已提交的方案评分。")


def score(proposal: CallProposal, scores: dict[int, int], *, actor: User) -> None:
    """The reviewer's 0–100 score on each of the call's criteria (a second scoring replaces the
    first), only once the deadline day has ended."""
    ensure_scorable(proposal, actor)
    call = proposal.call
    criteria = {c.id: c for c in call.criteria}
    if set(scores) != set(criteria):
        raise FieldError("scores", "请为每一项评审标准打分。")
    if any(not isinstance(v, int) or not SCORE_RANGE[0] <= v <= SCORE_RANGE[1] for v in scores.values()):
        raise FieldError("scores", SCORE_PROBLEM)
    mine = {s.criterion_id: s for s in proposal.scores if s.reviewer_id == actor.id}
    for criterion_id, value in scores.items():
        if criterion_id in mine:
            mine[criterion_id].score, mine[criterion_id].scored_at = value, utcnow()
        else:
            db.session.add(
                ProposalScore(proposal=proposal, criterion_id=criterion_id, reviewer_id=actor.id, score=value)
            )
    record(
        "proposal.scored",
        proposal,
        actor=actor,
        changes={"scores": [None, {criteria[k].name: v for k, v in scores.items()}]},
    )
    db.session.flush()


@dataclass
class Tally:
    """A proposal's scores as the review table shows them: each criterion's mean over reviewers,
    and the weighted total (Σ mean × weight / 100), None until someone scored it."""

    proposal: CallProposal
    means: dict[int, float]
    total: float | None
    reviewers: int


def tally(proposal: CallProposal) -> Tally:
    by_criterion: dict[int, list[int]] = {}
    for s in proposal.scores:
        by_criterion.setdefault(s.criterion_id, []).append(s.score)
    means = {cid: sum(v) / len(v) for cid, v in by_criterion.items()}
    criteria = proposal.call.criteria
    total = (
        round(sum(means.get(c.id, 0) * c.weight for c in criteria) / 100, 1)
        if all(c.id in means for c in criteria) and criteria
        else None
    )
    return Tally(proposal, means, total, len({s.reviewer_id for s in proposal.scores}))


def award(call: ChallengeCall, proposal: CallProposal, reason: str, *, actor: User) -> Pairing:
    """揭榜 after the deadline: the selected proposal with the reason (every proposer is told), and
    an accepted pairing (已对接) from the selected organisation to the call's first need — reused
    if the two already talk about it — from which the agreement is then recorded."""
    policy.require(actor, "call.award", call)
    call.award(actor, proposal, reason)
    need = call.needs[0]
    pairing = pairing_service.existing(need, proposal.organization_id)
    if pairing is None:
        pairing = Pairing(
            target=need,
            target_org_id=need.organization_id,
            initiator_org_id=proposal.organization_id,
            initiator=proposal.author,
            state=PairingState.INTERESTED,
            message=f"揭榜挂帅「{call.title}」入选方案：{call.selection_reason}"[:1000],
            found_by_id=pairing_service.found_by(need),
        )
        db.session.add(pairing)
        record(
            "pairing.from_call",
            pairing,
            actor=actor,
            changes={
                "state": [None, PairingState.INTERESTED.value],
                "target": [None, need.id],
                "call": [None, call.id],
            },
        )
    if pairing.state is PairingState.INTERESTED:
        pairing.accept(actor)
    proposal.pairing = pairing
    db.session.flush()
    return pairing
