"""Typed SQLAlchemy 2.0 models, one module per aggregate."""

from matchmaker.models.accounts import (
    Organization,
    OrgStatus,
    OrgType,
    Role,
    User,
)
from matchmaker.models.agreements import (
    Agreement,
    AgreementFile,
    AgreementParty,
    AgreementStatus,
    AgreementType,
    CountingRule,
    Indicator,
    PartySide,
    PartyType,
    Registration,
    Target,
)
from matchmaker.models.calls import (
    CallCriterion,
    CallProposal,
    CallProposalFile,
    CallStatus,
    ChallengeCall,
    ProposalScore,
    ProposalStatus,
)
from matchmaker.models.counters import Counter
from matchmaker.models.events import (
    Event,
    EventInvitation,
    EventKind,
    EventRegistration,
    EventStatus,
    Meeting,
    MeetingOutcome,
    MeetingRequest,
)
from matchmaker.models.imports import ImportBatch
from matchmaker.models.journal import JournalEntry
from matchmaker.models.lists import ListKind, PublishedList
from matchmaker.models.notifications import ConsumerCursor, EmailMode, Notification
from matchmaker.models.pairings import (
    DeclineReason,
    Pairing,
    PairingMessage,
    PairingRead,
    PairingState,
    ProposalMark,
)
from matchmaker.models.plans import Plan, PlanStatus
from matchmaker.models.postings import (
    CloseReason,
    CooperationMode,
    IPStatus,
    Maturity,
    Posting,
    PostingKind,
    PostingStatus,
    Visibility,
)
from matchmaker.models.profiles import Measure, MeasureKind, TierChange, TierTarget
from matchmaker.models.sessions import LoginFailure, LoginSession, PasswordReset
from matchmaker.models.taxonomy import TAXONOMIES, EnterpriseTier, TechField, Town
from matchmaker.models.tokens import ApiToken

__all__ = [
    "TAXONOMIES",
    "Agreement",
    "AgreementFile",
    "AgreementParty",
    "AgreementStatus",
    "AgreementType",
    "ApiToken",
    "CallCriterion",
    "CallProposal",
    "CallProposalFile",
    "CallStatus",
    "ChallengeCall",
    "CloseReason",
    "ConsumerCursor",
    "CooperationMode",
    "Counter",
    "CountingRule",
    "DeclineReason",
    "EmailMode",
    "EnterpriseTier",
    "Event",
    "EventInvitation",
    "EventKind",
    "EventRegistration",
    "EventStatus",
    "IPStatus",
    "ImportBatch",
    "Indicator",
    "JournalEntry",
    "ListKind",
    "LoginFailure",
    "LoginSession",
    "Maturity",
    "Measure",
    "MeasureKind",
    "Meeting",
    "MeetingOutcome",
    "MeetingRequest",
    "Notification",
    "OrgStatus",
    "OrgType",
    "Organization",
    "Pairing",
    "PairingMessage",
    "PairingRead",
    "PairingState",
    "PartySide",
    "PartyType",
    "PasswordReset",
    "Plan",
    "PlanStatus",
    "Posting",
    "PostingKind",
    "PostingStatus",
    "ProposalMark",
    "ProposalScore",
    "ProposalStatus",
    "PublishedList",
    "Registration",
    "Role",
    "Target",
    "TechField",
    "TierChange",
    "TierTarget",
    "Town",
    "User",
    "Visibility",
]
