"""What the pipeline teaches the proposals (docs/SEARCH.md, "Answers teach the ranking").

- **A declined pair is not proposed again**, to either side. The pair is the two postings when the
  interest came with one of the initiator's postings attached, otherwise the target posting and the
  initiator's organisation (the owner said no to that organisation about that posting).
- **Repeated declines for the same reason lower a posting** for counterparts like the ones that
  declined it: when postings of the same kind as the one we propose for, and similar to it (pair
  strength ≥ SIMILAR), declined a candidate at least REPEATS times for the same reason about the
  candidate itself (阶段太早, 成本不合适, 技术路线不符, 描述不清 — not 已有合作方 or 其他, which say
  nothing about the candidate), it moves PLACES places down the list for each such decline from
  the REPEATS-th on. Places, not a score factor: the effect is the same whatever the scale of the
  scores, and easy to state. Unrelated needs are unaffected; the page says why it is lower.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from matchmaker import search
from matchmaker.core.extensions import db
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import DeclineReason, PairingState
from matchmaker.postings.models import Posting

DEMOTING = (DeclineReason.TOO_EARLY, DeclineReason.COST, DeclineReason.APPROACH, DeclineReason.UNCLEAR)
SIMILAR = 50  # pair strength from which another posting counts as "like" this one (bench.decline_feedback)
REPEATS = 2  # declines for one reason before a candidate is shown lower
PLACES = 3  # places down the list per decline from the REPEATS-th on


@dataclass(frozen=True)
class Demotion:
    """Why a candidate is shown lower: ``count`` similar postings declined it for ``reason``."""

    reason: DeclineReason
    count: int

    @property
    def places(self) -> int:
        return PLACES * (self.count - REPEATS + 1)

    def __str__(self) -> str:
        return f"已有{self.count}条相似信息以“{self.reason.label}”婉拒过它，排序已下调"


@dataclass
class Feedback:
    """The pipeline's answers as they bear on proposals for one posting."""

    suppressed_postings: set[int] = field(default_factory=set)
    suppressed_orgs: set[int] = field(default_factory=set)
    demotions: dict[int, Demotion] = field(default_factory=dict)

    def suppresses(self, posting: Posting) -> bool:
        return posting.id in self.suppressed_postings or posting.organization_id in self.suppressed_orgs


def declined_pairs(posting: Posting) -> Feedback:
    """The pairs involving ``posting`` that one side declined."""
    feedback = Feedback()
    rows = db.session.execute(
        select(Pairing.target_id, Pairing.own_posting_id, Pairing.initiator_org_id).where(
            Pairing.state == PairingState.DECLINED,
            or_(
                Pairing.target_id == posting.id,
                Pairing.own_posting_id == posting.id,
                (Pairing.initiator_org_id == posting.organization_id) & Pairing.own_posting_id.is_(None),
            ),
        )
    )
    for target_id, own_id, initiator_org in rows:
        if target_id == posting.id:
            if own_id is not None:
                feedback.suppressed_postings.add(own_id)
            else:
                feedback.suppressed_orgs.add(initiator_org)
        else:  # the posting was attached, or its organisation was declined on target_id
            feedback.suppressed_postings.add(target_id)
    return feedback


def demotions(posting: Posting, candidate_ids: Iterable[int]) -> dict[int, Demotion]:
    """Candidates repeatedly declined, for one reason, by postings like ``posting``."""
    ids = list(candidate_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Pairing.own_posting_id, Pairing.decline_reason, Posting)
        .join(Posting, Posting.id == Pairing.target_id)
        .where(
            Pairing.state == PairingState.DECLINED,
            Pairing.own_posting_id.in_(ids),
            Pairing.decline_reason.in_(DEMOTING),
            Pairing.target_id != posting.id,
            Posting.kind == posting.kind,
        )
    ).all()
    by_candidate: dict[int, list[tuple[DeclineReason, Posting]]] = defaultdict(list)
    for candidate_id, reason, decliner in rows:
        by_candidate[candidate_id].append((reason, decliner))
    found: dict[int, Demotion] = {}
    similar: dict[int, bool] = {}
    for candidate_id, declines in by_candidate.items():
        if len(declines) < REPEATS:
            continue
        counts: Counter[DeclineReason] = Counter()
        for reason, decliner in declines:
            if decliner.id not in similar:
                similar[decliner.id] = search.evidence_between(posting, decliner).strength >= SIMILAR
            if similar[decliner.id]:
                counts[reason] += 1
        if counts:
            reason, count = counts.most_common(1)[0]
            if count >= REPEATS:
                found[candidate_id] = Demotion(reason, count)
    return found


def reorder(ids: list[int], lowered: dict[int, Demotion]) -> list[int]:
    """``ids`` (best first) with each lowered one moved down its places (after the ones it lands
    among); the others keep their order."""
    key = {pid: (i + lowered[pid].places, 1) if pid in lowered else (i, 0) for i, pid in enumerate(ids)}
    return sorted(ids, key=key.__getitem__)


def declines_of(posting: Posting) -> Counter[DeclineReason]:
    """How often interests carrying ``posting`` were declined, by reason (for its owner's hint)."""
    return Counter(
        db.session.scalars(
            select(Pairing.decline_reason).where(
                Pairing.state == PairingState.DECLINED, Pairing.own_posting_id == posting.id
            )
        )
    )
