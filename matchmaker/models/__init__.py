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
from matchmaker.models.counters import Counter
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
    "CloseReason",
    "ConsumerCursor",
    "CooperationMode",
    "Counter",
    "CountingRule",
    "DeclineReason",
    "EmailMode",
    "EnterpriseTier",
    "IPStatus",
    "ImportBatch",
    "Indicator",
    "JournalEntry",
    "ListKind",
    "LoginFailure",
    "LoginSession",
    "Maturity",
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
    "Posting",
    "PostingKind",
    "PostingStatus",
    "ProposalMark",
    "PublishedList",
    "Registration",
    "Role",
    "Target",
    "TechField",
    "Town",
    "User",
    "Visibility",
]
