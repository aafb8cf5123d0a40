"""The state-machine base of every model with a lifecycle (postings, pairings, agreements, events,
calls): its state changes only through the model's own methods, each step refused with a Chinese
message naming the state it is in when that state may not take it, and journalled with the old and
new state in the same transaction as the change (core/journal.py)."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any, ClassVar

from matchmaker.core.exceptions import InvalidTransition
from matchmaker.core.journal import record
from matchmaker.core.models import ChoiceEnum

if TYPE_CHECKING:
    from matchmaker.accounts.models import User


class StateMachine:
    """Mixed into a model: ``STATE`` names its state column, ``REFUSAL`` the sentence for a step
    its state does not allow ({state} is the state's label, {verb} what was asked)."""

    STATE: ClassVar[str] = "status"
    REFUSAL: ClassVar[str] = "“{state}”状态不能{verb}。"

    def _require(self, allowed: Collection[ChoiceEnum], verb: str) -> None:
        state = getattr(self, self.STATE)
        if state not in allowed:
            raise InvalidTransition(self.REFUSAL.format(state=state.label, verb=verb))

    def _move(
        self, to: ChoiceEnum, action: str, by: User | None, note: str | None = None, **changes: Any
    ) -> None:
        """The one writer of the state: the step and its journal entry, together."""
        before = getattr(self, self.STATE)
        record(action, self, actor=by, changes={self.STATE: [before, to], **changes}, note=note)
        setattr(self, self.STATE, to)
        self._moved()

    def _moved(self) -> None:
        """After each step: a model keeping the time of its last change sets it here."""
