"""Where a pairing stands and why an interest was declined: the pairings capability's value types."""

from __future__ import annotations

from matchmaker.core.models import ChoiceEnum


class PairingState(ChoiceEnum):
    """Where a pairing stands; codes are part of the public API."""

    INTERESTED = "interested", "有意向"
    CONTACTED = "contacted", "已对接"
    NEGOTIATING = "negotiating", "洽谈中"
    SIGNED = "signed", "已签约"
    FAILED = "failed", "未成功"
    DECLINED = "declined", "已婉拒"

    @property
    def is_open(self) -> bool:
        return self in (PairingState.INTERESTED, PairingState.CONTACTED, PairingState.NEGOTIATING)

    @property
    def is_accepted(self) -> bool:
        """The answering side said yes: contacts are shared from here on."""
        return self in (
            PairingState.CONTACTED,
            PairingState.NEGOTIATING,
            PairingState.SIGNED,
            PairingState.FAILED,
        )


class DeclineReason(ChoiceEnum):
    """Why an interest was declined (DOMAIN.md §4); codes are part of the public API."""

    TOO_EARLY = "too_early", "阶段太早"
    COST = "cost", "成本不合适"
    APPROACH = "approach", "技术路线不符"
    UNCLEAR = "unclear", "描述不清"
    HAS_PARTNER = "has_partner", "已有合作方"
    OTHER = "other", "其他"
