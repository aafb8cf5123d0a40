"""What the matching says about an event: whom to invite (organisations whose published postings
best match the host's, with the evidence) and which participants should meet (requested meetings
first, then pairs whose brought postings match), each with the pair's 0–100 strength.

Reads only: the index through matchmaker.search (via postings/queries.proposals, so visibility is
the viewer's) and the database."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from matchmaker import search
from matchmaker.accounts.models import Organization
from matchmaker.accounts.values import OrgStatus, Role
from matchmaker.core.extensions import db
from matchmaker.events import scheduling
from matchmaker.events.models import Event, Meeting
from matchmaker.events.operations import (
    Party,
    all_requests,
    earlier_pairing,
    invitations,
    postings_for_pairing,
)
from matchmaker.postings.models import Posting
from matchmaker.postings.queries import SHOWN_MIN_STRENGTH, proposals
from matchmaker.postings.values import PostingStatus, Visibility

INVITE_LIMIT = 30
PER_POSTING = 20
BROUGHT_WHEN_NONE = 5  # a participant that chose no posting is matched on its newest ones


@dataclass
class InviteCandidate:
    """An organisation worth inviting and why: its best-matching posting against the host's."""

    organization: Organization
    strength: int | None  # None: chosen by 技术领域 / 镇区 (no host to match against)
    words: list[str] = field(default_factory=list)
    theirs: Posting | None = None
    ours: Posting | None = None
    postings: int = 0  # how many of its postings matched
    invited: bool = False
    registered: bool = False

    @property
    def reason(self) -> str:
        if self.theirs is not None and self.ours is not None:
            shared = "、".join(self.words[:5])
            return f"“{self.theirs.title}”与“{self.ours.title}”匹配度{self.strength}（共同词：{shared}）"
        return f"在本次活动的领域发布了{self.postings}条信息"


def _fits(event: Event, posting: Posting) -> bool:
    fields = {t.id for t in event.tech_fields}
    towns = {t.id for t in event.towns}
    if fields and posting.tech_field_id not in fields:
        return False
    org = posting.organization
    return not (towns and org.role is Role.ENTERPRISE and org.town_id not in towns)


def invitation_candidates(event: Event, viewer: Any) -> list[InviteCandidate]:
    """Organisations to invite, best first. With a host (the university visited, the enterprise
    presenting) they are the owners of the postings the matching proposes for the host's published
    postings; without one, organisations with published postings in the event's fields and towns.
    Raises search.SearchUnavailable if the index cannot be read."""
    invited = {i.organization_id for i in invitations(event)}
    registered = {r.organization_id for r in event.active_registrations}
    found: dict[int, InviteCandidate] = {}
    if event.host_org_id is not None:
        own = db.session.scalars(
            select(Posting).where(
                Posting.organization_id == event.host_org_id, Posting.status == PostingStatus.PUBLISHED
            )
        )
        for ours in own:
            for proposal in proposals(ours, viewer, limit=PER_POSTING, min_strength=SHOWN_MIN_STRENGTH):
                theirs = proposal.posting
                if not _fits(event, theirs) or not theirs.organization.is_verified:
                    continue
                known = found.get(theirs.organization_id)
                if known is None:
                    known = found[theirs.organization_id] = InviteCandidate(theirs.organization, 0)
                known.postings += 1
                if proposal.strength > (known.strength or 0):
                    known.strength, known.words = proposal.strength, proposal.matched_terms
                    known.theirs, known.ours = theirs, ours
        ranked = sorted(found.values(), key=lambda c: (-(c.strength or 0), -c.postings, c.organization.id))
    else:
        stmt = (
            select(Posting)
            .join(Organization, Posting.organization_id == Organization.id)
            .where(Posting.status == PostingStatus.PUBLISHED, Organization.status == OrgStatus.VERIFIED)
        )
        for posting in db.session.scalars(stmt):
            if _fits(event, posting):
                known = found.setdefault(posting.organization_id, InviteCandidate(posting.organization, None))
                known.postings += 1
        ranked = sorted(found.values(), key=lambda c: (-c.postings, c.organization.id))
    for candidate in ranked:
        candidate.invited = candidate.organization.id in invited
        candidate.registered = candidate.organization.id in registered
    return ranked[:INVITE_LIMIT]


def _brought(event: Event) -> dict[int, list[Posting]]:
    out: dict[int, list[Posting]] = {}
    for reg in event.active_registrations:
        chosen = [p for p in reg.postings if p.status is PostingStatus.PUBLISHED]
        if not chosen:
            chosen = list(
                db.session.scalars(
                    select(Posting)
                    .where(
                        Posting.organization_id == reg.organization_id,
                        Posting.status == PostingStatus.PUBLISHED,
                        Posting.visibility != Visibility.BUREAU,  # other participants see the proposals
                    )
                    .order_by(Posting.id.desc())
                    .limit(BROUGHT_WHEN_NONE)
                )
            )
        out[reg.organization_id] = chosen
    return out


def pair_strengths(event: Event, *, of: int | None = None) -> dict[frozenset[int], int]:
    """The strongest match between what two participants bring, for every pair of participants
    with complementary postings (or only the pairs of participant ``of``); the strength is the
    symmetric one pages show (search.strengths_of, one reading of the index)."""
    brought = _brought(event)
    orgs = sorted(brought)
    pairs: list[tuple[Posting, Posting]] = []
    owners: list[frozenset[int]] = []
    for i, a in enumerate(orgs):
        for b in orgs[i + 1 :]:
            if of is not None and of not in (a, b):
                continue
            for pa in brought[a]:
                for pb in brought[b]:
                    if pb.kind in pa.kind.complements:
                        pairs.append((pa, pb))
                        owners.append(frozenset((a, b)))
    strengths: dict[frozenset[int], int] = defaultdict(int)
    for pair, strength in zip(owners, search.strengths_of(pairs) if pairs else [], strict=True):
        strengths[pair] = max(strengths[pair], strength)
    return dict(strengths)


def wanted_meetings(event: Event) -> list[scheduling.Wanted]:
    """Requested meetings (with their strength), then proposed ones: participant pairs whose
    postings match at least as well as pages show (SHOWN_MIN_STRENGTH), strongest first, as many
    per participant as it has free slots left."""
    parties = {
        r.organization_id: Party(r.organization_id, r.organization.name) for r in event.active_registrations
    }
    strengths = pair_strengths(event)
    wanted = []
    asked: set[frozenset[int]] = set()
    for request in all_requests(event):
        if request.from_org_id in parties and request.to_org_id in parties:
            pair = frozenset((request.from_org_id, request.to_org_id))
            asked.add(pair)
            wanted.append(
                scheduling.Wanted(
                    parties[request.from_org_id], parties[request.to_org_id], True, strengths.get(pair, 0)
                )
            )
    # A participant can meet at most once per slot it is free: proposals beyond that (strongest
    # kept) could never all be placed and only make the schedule slower to build.
    room = {
        r.organization_id: event.slot_count - len(set(r.breaks or []) & set(range(event.slot_count)))
        for r in event.active_registrations
    }
    for pair in asked:
        for org in pair:
            room[org] -= 1
    for pair, strength in sorted(strengths.items(), key=lambda kv: (-kv[1], sorted(kv[0]))):
        a, b = sorted(pair)
        if pair not in asked and strength >= SHOWN_MIN_STRENGTH and room[a] > 0 and room[b] > 0:
            room[a] -= 1
            room[b] -= 1
            wanted.append(scheduling.Wanted(parties[a], parties[b], False, strength))
    return wanted


def proposed_for(event: Event, org_id: int) -> list[tuple[Organization, int]]:
    """Other participants the matching suggests ``org_id`` meets, strongest first."""
    names = {r.organization_id: r.organization for r in event.active_registrations}
    found = [
        (names[next(iter(pair - {org_id}))], strength)
        for pair, strength in pair_strengths(event, of=org_id).items()
        if strength >= SHOWN_MIN_STRENGTH
    ]
    return sorted(found, key=lambda x: -x[1])


def pairing_choices(meeting: Meeting) -> list[tuple[Posting, Posting, int | None]]:
    """What a meeting's outcome can be recorded as a pairing about — (target, other, strength),
    strongest first — leaving out the pairs ``record_outcome`` would refuse (an earlier pairing
    between them about that posting). Strength is None when the index cannot be read."""
    pairs = [(t, o) for t, o in postings_for_pairing(meeting) if earlier_pairing(t, o) is None]
    try:
        strengths: list[int | None] = list(search.strengths_of(pairs)) if pairs else []
    except search.SearchUnavailable:
        strengths = [None] * len(pairs)
    ranked = [(t, o, s) for (t, o), s in zip(pairs, strengths, strict=True)]
    return sorted(ranked, key=lambda choice: -(choice[2] or 0))
