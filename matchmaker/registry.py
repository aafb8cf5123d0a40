"""Every model of every capability, imported in one place so that all tables and mappers exist
before the first query and before Alembic compares the schema. Code imports a model from its
capability (``matchmaker.postings.models``), never from here."""

from matchmaker.accounts.models import ApiToken, LoginFailure, LoginSession, Organization, PasswordReset, User
from matchmaker.accounts.values import OrgStatus, OrgType, Role
from matchmaker.agreements.models import (
    Agreement,
    AgreementFile,
    AgreementParty,
    CountingRule,
    Indicator,
    Plan,
    Target,
)
from matchmaker.agreements.values import (
    AgreementStatus,
    AgreementType,
    PartySide,
    PartyType,
    PlanStatus,
    Registration,
)
from matchmaker.calls.models import (
    CallCriterion,
    CallProposal,
    CallProposalFile,
    CallStatus,
    ChallengeCall,
    ProposalScore,
    ProposalStatus,
)
from matchmaker.core.counters import Counter
from matchmaker.core.journal import JournalEntry
from matchmaker.events.models import (
    Event,
    EventInvitation,
    EventKind,
    EventRegistration,
    EventStatus,
    Meeting,
    MeetingOutcome,
    MeetingRequest,
)
from matchmaker.followups.models import FollowUp
from matchmaker.followups.values import FollowUpAnswer
from matchmaker.notifications.models import ConsumerCursor, Notification
from matchmaker.notifications.values import EmailMode
from matchmaker.pairings.models import Pairing, PairingMessage, PairingRead, ProposalMark
from matchmaker.pairings.values import DeclineReason, PairingState
from matchmaker.postings.models import ImportBatch, Posting, PublishedList
from matchmaker.postings.values import (
    CloseReason,
    Confirmation,
    CooperationMode,
    IPStatus,
    ListKind,
    Maturity,
    PostingKind,
    PostingStatus,
    Visibility,
)
from matchmaker.profiles.models import Measure, MeasureKind, TierChange, TierTarget
from matchmaker.specialists.models import Assignment, Diagnosis, Specialist, Visit
from matchmaker.specialists.values import Grade, SpecialistKind
from matchmaker.subscriptions.models import Subscription, SubscriptionItem
from matchmaker.subscriptions.values import Basis, Frequency
from matchmaker.taxonomy.models import TAXONOMIES, EnterpriseTier, TechField, Town

__all__ = [
    "TAXONOMIES",
    "Agreement",
    "AgreementFile",
    "AgreementParty",
    "AgreementStatus",
    "AgreementType",
    "ApiToken",
    "Assignment",
    "Basis",
    "CallCriterion",
    "CallProposal",
    "CallProposalFile",
    "CallStatus",
    "ChallengeCall",
    "CloseReason",
    "Confirmation",
    "ConsumerCursor",
    "CooperationMode",
    "Counter",
    "CountingRule",
    "DeclineReason",
    "Diagnosis",
    "EmailMode",
    "EnterpriseTier",
    "Event",
    "EventInvitation",
    "EventKind",
    "EventRegistration",
    "EventStatus",
    "FollowUp",
    "FollowUpAnswer",
    "Frequency",
    "Grade",
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
    "Specialist",
    "SpecialistKind",
    "Subscription",
    "SubscriptionItem",
    "Target",
    "TechField",
    "TierChange",
    "TierTarget",
    "Town",
    "User",
    "Visibility",
    "Visit",
]
