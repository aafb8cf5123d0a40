"""The one-to-one meeting schedule of a matchmaking event (对接会 1:1 洽谈排期).

Pure logic, no database: given the time slots, the number of tables, each participant's breaks and
the wanted meetings (those asked for by a participant, then those the matching proposes, each with
its match strength), place as many meetings as possible so that

* nobody is in two places at once, and nobody meets during one of their breaks;
* no slot holds more meetings than there are tables, and each meeting has a table of its own;
* meetings staff have fixed by hand stay where they were put;
* asked-for meetings come before proposed ones, and stronger pairs before weaker ones.

Placing meetings is edge colouring with capacities (NP-hard in general), so the schedule is built
greedily — most constrained meetings first — and then repaired: a meeting that found no slot may
move one meeting of either participant to another free slot to make room (a one-step Kempe swap).
Figures against the plain first-fit baseline: docs/PERFORMANCE.md (``bench/scheduler.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

# Whoever meets: any hashable value (the events capability uses its Party; tests, strings).
Participant = TypeVar("Participant", bound=Hashable)
PACK = 1


@dataclass(frozen=True)
class Wanted(Generic[Participant]):
    """A meeting someone would like: ``requested`` when a participant asked for it, otherwise a
    proposal from the matching; ``strength`` is the pair's 0–100 match strength."""

    a: Participant
    b: Participant
    requested: bool = False
    strength: int = 0

    @property
    def pair(self) -> frozenset[Participant]:
        return frozenset((self.a, self.b))


@dataclass(frozen=True)
class Placed(Generic[Participant]):
    """A meeting in the schedule: slot and table are 0-based indices."""

    a: Participant
    b: Participant
    slot: int
    table: int
    requested: bool = False
    fixed: bool = False

    @property
    def pair(self) -> frozenset[Participant]:
        return frozenset((self.a, self.b))


class Conflict(ValueError):
    """A meeting cannot go where it was asked to; the message says why, in Chinese."""


@dataclass
class Schedule(Generic[Participant]):
    """Slots × tables and who meets whom there. Every change goes through ``place``/``remove``,
    which keep the invariants; ``move`` is the staff's hand edit and refuses conflicts."""

    slots: int
    tables: int
    breaks: dict[Participant, set[int]] = field(default_factory=dict)
    meetings: dict[frozenset[Participant], Placed[Participant]] = field(default_factory=dict)
    # What staff see for each slot (its time, "09:20–09:40"), so a refusal names it as the grid does.
    slot_names: Sequence[str] = ()
    _busy: defaultdict[Participant, dict[int, frozenset[Participant]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    _at: defaultdict[int, dict[int, frozenset[Participant]]] = field(
        default_factory=lambda: defaultdict(dict)
    )

    # --- questions -----------------------------------------------------------------------------

    def name(self, slot: int) -> str:
        """A slot as staff see it: its time when known, else its number."""
        return self.slot_names[slot] if 0 <= slot < len(self.slot_names) else f"时段 {slot + 1}"

    def free(self, who: Participant, slot: int) -> bool:
        return slot not in self._busy[who] and slot not in self.breaks.get(who, ())

    def has_table(self, slot: int) -> bool:
        return len(self._at[slot]) < self.tables

    def fits(self, a: Participant, b: Participant, slot: int) -> bool:
        return 0 <= slot < self.slots and self.free(a, slot) and self.free(b, slot) and self.has_table(slot)

    def of(self, who: Participant) -> list[Placed[Participant]]:
        """One participant's meetings, in time order (their printed timetable)."""
        return sorted((self.meetings[p] for p in self._busy[who].values()), key=lambda m: m.slot)

    def at_table(self, table: int) -> list[Placed[Participant]]:
        """One table's meetings, in time order (the sheet left on the table)."""
        return sorted((m for m in self.meetings.values() if m.table == table), key=lambda m: m.slot)

    # --- changes -------------------------------------------------------------------------------

    def place(
        self,
        a: Participant,
        b: Participant,
        slot: int,
        *,
        requested: bool = False,
        fixed: bool = False,
        table: int | None = None,
    ) -> Placed[Participant]:
        """Put a meeting into ``slot`` — at ``table`` if given (a meeting fixed by hand keeps its
        table), else at a free one."""
        why = self.why_not(a, b, slot)
        if why:
            raise Conflict(why)
        if table is None:
            table = self._table_for(a, b, slot)
        elif not 0 <= table < self.tables or table in self._at[slot]:
            raise Conflict(f"{self.name(slot)} 的第 {table + 1} 张桌子已有安排。")
        meeting = Placed(a, b, slot, table, requested=requested, fixed=fixed)
        self.meetings[meeting.pair] = meeting
        self._busy[a][slot] = self._busy[b][slot] = meeting.pair
        self._at[slot][table] = meeting.pair
        return meeting

    def remove(self, pair: frozenset[Participant]) -> Placed[Participant]:
        meeting = self.meetings.pop(pair)
        del self._busy[meeting.a][meeting.slot], self._busy[meeting.b][meeting.slot]
        del self._at[meeting.slot][meeting.table]
        return meeting

    def move(self, pair: frozenset[Participant], slot: int) -> Placed[Participant]:
        """Staff move a meeting to another slot by hand; it is then fixed there. A conflict is
        refused and the meeting stays where it was."""
        old = self.remove(pair)
        try:
            return self.place(old.a, old.b, slot, requested=old.requested, fixed=True)
        except Conflict:
            self.place(old.a, old.b, old.slot, requested=old.requested, fixed=old.fixed)
            raise

    def why_not(self, a: Participant, b: Participant, slot: int) -> str | None:
        """Why a meeting of a and b cannot go into ``slot``, in words for staff (None: it can)."""
        if a == b:
            return "不能安排与自己洽谈。"
        if not 0 <= slot < self.slots:
            return f"时段 {slot + 1} 不存在（共 {self.slots} 个时段）。"
        if frozenset((a, b)) in self.meetings:
            return "这两位已经安排了洽谈。"
        for who in (a, b):
            if slot in self.breaks.get(who, ()):
                return f"{who} 在 {self.name(slot)} 休息。"
            if slot in self._busy[who]:
                return f"{who} 在 {self.name(slot)} 已有洽谈。"
        if not self.has_table(slot):
            return f"{self.name(slot)} 的 {self.tables} 张桌子已满。"
        return None

    def _table_for(self, a: Participant, b: Participant, slot: int) -> int:
        """A free table in the slot, preferring one either participant already sits at (less
        walking between meetings)."""
        taken = self._at[slot]
        for who in (a, b):
            for other_slot in sorted(self._busy[who], key=lambda s: abs(s - slot)):
                table = self.meetings[self._busy[who][other_slot]].table
                if table not in taken:
                    return table
        return next(t for t in range(self.tables) if t not in taken)


def _order(wanted: Iterable[Wanted[Participant]]) -> list[Wanted[Participant]]:
    """Asked-for first, then stronger, and among equals the most constrained (participants with
    the most wanted meetings) first; one entry per pair (asked-for and strongest wins)."""
    best: dict[frozenset[Participant], Wanted[Participant]] = {}
    for w in wanted:
        if w.a == w.b:
            continue
        old = best.get(w.pair)
        if old is None or (w.requested, w.strength) > (old.requested, old.strength):
            best[w.pair] = Wanted(w.a, w.b, w.requested or bool(old and old.requested), w.strength)
    degree: defaultdict[Participant, int] = defaultdict(int)
    for w in best.values():
        degree[w.a] += 1
        degree[w.b] += 1
    return sorted(best.values(), key=lambda w: (not w.requested, -w.strength, -(degree[w.a] + degree[w.b])))


def _slots_by_load(
    schedule: Schedule[Participant], a: Participant, b: Participant, *, spread: bool = False
) -> Sequence[int]:
    """Free slots for a and b: the earliest first, or with ``spread`` the emptiest first."""
    free = [s for s in range(schedule.slots) if schedule.fits(a, b, s)]
    return sorted(free, key=lambda s: (len(schedule._at[s]), s)) if spread else free


def _make_room(schedule: Schedule[Participant], w: Wanted[Participant]) -> bool:
    """Place ``w`` by moving one non-fixed meeting of one of its participants (or one meeting
    holding the last table) to another slot that fits it. True when placed."""
    free = _slots_by_load(schedule, w.a, w.b)  # earlier repairs may have made room already
    if free:
        schedule.place(w.a, w.b, free[0], requested=w.requested)
        return True
    if not any(schedule.has_table(s) for s in range(schedule.slots)):
        return False  # every table of every slot is taken: moving a meeting frees none
    for slot in range(schedule.slots):
        if any(slot in schedule.breaks.get(who, ()) for who in (w.a, w.b)):
            continue
        blockers = {schedule._busy[who][slot] for who in (w.a, w.b) if slot in schedule._busy[who]}
        if len(blockers) > 1:
            continue  # both busy with different meetings: moving one is not enough
        if not blockers:
            if schedule.has_table(slot):
                continue  # would have fitted already
            blockers = set(schedule._at[slot].values())  # full: free a table
        for pair in blockers:
            meeting = schedule.meetings[pair]
            if meeting.fixed:
                continue
            schedule.remove(pair)
            target = next((s for s in _slots_by_load(schedule, meeting.a, meeting.b) if s != slot), None)
            if target is not None and schedule.fits(w.a, w.b, slot):
                schedule.place(meeting.a, meeting.b, target, requested=meeting.requested)
                if schedule.fits(w.a, w.b, slot):
                    schedule.place(w.a, w.b, slot, requested=w.requested)
                    return True
                schedule.remove(meeting.pair)
            schedule.place(meeting.a, meeting.b, meeting.slot, requested=meeting.requested)
    return False


def build(
    wanted: Iterable[Wanted[Participant]],
    *,
    slots: int,
    tables: int,
    breaks: dict[Participant, set[int]] | None = None,
    fixed: Iterable[Placed[Participant]] = (),
    slot_names: Sequence[str] = (),
) -> tuple[Schedule[Participant], list[Wanted[Participant]]]:
    """The schedule and the wanted meetings it could not place (asked-for first).

    Greedy orders are a gamble on any one event, so a few are tried — priority (asked-for, then
    strength, then most constrained) with meetings packed early or spread out, most constrained
    first, and the order given (first fit) — each followed by the repair; the schedule with the
    most asked-for meetings wins, then the most meetings, then the greatest total strength. The
    order given is among them, so the result never places fewer asked-for meetings than first fit."""
    if slots < 1 or tables < 1:
        raise Conflict("至少需要一个时段和一张桌子。")
    wanted, fixed = list(wanted), list(fixed)
    ordered = _order(wanted)
    degree: defaultdict[Participant, int] = defaultdict(int)
    for w in ordered:
        degree[w.a] += 1
        degree[w.b] += 1
    by_constraint = sorted(
        ordered, key=lambda w: (not w.requested, -(degree[w.a] + degree[w.b]), -w.strength)
    )
    given = _order_kept(wanted, ordered)
    tries = [(ordered, True), (ordered, False), (by_constraint, False), (given, False)]
    results = [_run(order, spread, slots, tables, breaks or {}, fixed, slot_names) for order, spread in tries]

    def merit(result: tuple[Schedule[Participant], list[Wanted[Participant]]]) -> tuple[int, int, int]:
        placed = result[0].meetings.values()
        strength = {w.pair: w.strength for w in ordered}
        return sum(m.requested for m in placed), len(placed), sum(strength.get(m.pair, 0) for m in placed)

    return max(results, key=merit)  # the first of equals: the priority order


def _order_kept(
    wanted: list[Wanted[Participant]], ordered: list[Wanted[Participant]]
) -> list[Wanted[Participant]]:
    """The deduplicated meetings in the order given, asked-for first."""
    chosen = {w.pair: w for w in ordered}
    seen: set[frozenset[Participant]] = set()
    kept = []
    for w in wanted:
        if w.pair in chosen and w.pair not in seen:
            seen.add(w.pair)
            kept.append(chosen[w.pair])
    return sorted(kept, key=lambda w: not w.requested)


def _run(
    ordered: list[Wanted[Participant]],
    spread: bool,
    slots: int,
    tables: int,
    breaks: dict[Participant, set[int]],
    fixed: list[Placed[Participant]],
    slot_names: Sequence[str] = (),
) -> tuple[Schedule[Participant], list[Wanted[Participant]]]:
    schedule = Schedule(slots, tables, {k: set(v) for k, v in breaks.items()}, slot_names=slot_names)
    for m in fixed:
        schedule.place(m.a, m.b, m.slot, requested=m.requested, fixed=True, table=m.table)
    unplaced: list[Wanted[Participant]] = []
    for phase in (True, False):  # asked-for meetings are placed and repaired before any proposal
        left: list[Wanted[Participant]] = []
        for w in (w for w in ordered if w.requested is phase and w.pair not in schedule.meetings):
            free = _slots_by_load(schedule, w.a, w.b, spread=spread)
            if free:
                schedule.place(w.a, w.b, free[0], requested=w.requested)
            else:
                left.append(w)
        unplaced += [w for w in left if not _make_room(schedule, w)]
    return schedule, unplaced


def first_fit(
    wanted: Iterable[Wanted[Participant]],
    *,
    slots: int,
    tables: int,
    breaks: dict[Participant, set[int]] | None = None,
) -> Schedule[Participant]:
    """The baseline: meetings in the order given, each in the first slot that fits."""
    schedule = Schedule(slots, tables, {k: set(v) for k, v in (breaks or {}).items()})
    for w in wanted:
        if w.a == w.b or w.pair in schedule.meetings:
            continue
        slot = next((s for s in range(slots) if schedule.fits(w.a, w.b, s)), None)
        if slot is not None:
            schedule.place(w.a, w.b, slot, requested=w.requested)
    return schedule
