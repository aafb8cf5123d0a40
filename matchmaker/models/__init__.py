"""Typed SQLAlchemy 2.0 models, one module per aggregate."""

from matchmaker.models.accounts import (
    Organization,
    OrgStatus,
    OrgType,
    Role,
    User,
)
from matchmaker.models.counters import Counter
from matchmaker.models.imports import ImportBatch
from matchmaker.models.journal import JournalEntry
from matchmaker.models.lists import ListKind, PublishedList
from matchmaker.models.notifications import ConsumerCursor, EmailMode, Notification
from matchmaker.models.pairings import DeclineReason, Pairing, PairingMessage, PairingRead, PairingState
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
    "ApiToken",
    "CloseReason",
    "ConsumerCursor",
    "CooperationMode",
    "Counter",
    "DeclineReason",
    "EmailMode",
    "EnterpriseTier",
    "IPStatus",
    "ImportBatch",
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
    "PasswordReset",
    "Posting",
    "PostingKind",
    "PostingStatus",
    "PublishedList",
    "Role",
    "TechField",
    "Town",
    "User",
    "Visibility",
]
