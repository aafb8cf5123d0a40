"""What a side answers when asked how its pairing is going: the followups capability's value types."""

from __future__ import annotations

from matchmaker.core.models import ChoiceEnum


class FollowUpAnswer(ChoiceEnum):
    """One side's answer to a follow-up question; codes are part of the public API."""

    NEGOTIATING = "negotiating", "仍在洽谈"
    SIGNED = "signed", "已签约"
    NO_PROGRESS = "no_progress", "暂无进展"
    ENDED = "ended", "已终止"

    @property
    def closes(self) -> bool:
        """After this answer the side is not asked again about the same pairing."""
        return self in (FollowUpAnswer.SIGNED, FollowUpAnswer.ENDED)
