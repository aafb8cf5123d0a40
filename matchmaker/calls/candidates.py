"""Whom to invite to a 揭榜挂帅 call: the universities and institutes whose research outcomes the
matching proposes for the call's needs, with the evidence (the web page and the API both show them
to bureau staff; calls/operations.invited says who was invited already)."""

from __future__ import annotations

from typing import Any

from matchmaker.accounts.models import Organization
from matchmaker.calls.models import ChallengeCall
from matchmaker.postings import queries as posting_queries
from matchmaker.postings.values import PostingKind

PER_NEED = 5


def candidates(call: ChallengeCall, viewer: Any) -> list[tuple[Organization, list[Any]]]:
    """(organisation, its proposals for the call's needs), best first. Raises
    search.SearchUnavailable if the index cannot be read."""
    by_org: dict[int, tuple[Organization, list[Any]]] = {}
    for need in call.needs:
        for proposal in posting_queries.proposals(need, viewer, limit=PER_NEED):
            if proposal.posting.kind is not PostingKind.RESEARCH_OUTCOME:
                continue
            org = proposal.posting.organization
            by_org.setdefault(org.id, (org, []))[1].append(proposal)
    return sorted(by_org.values(), key=lambda item: -max(p.strength for p in item[1]))
