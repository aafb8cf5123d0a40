"""The 1:1 meeting scheduler on generated events: nobody in two places, tables and breaks
respected, hand-fixed meetings kept, conflicts refused in Chinese, and never fewer asked-for
meetings placed than the plain first-fit baseline."""

from __future__ import annotations

import random

import pytest

from matchmaker.events.scheduling import Conflict, Placed, Schedule, Wanted, build, first_fit


def event(seed: int, *, people: int = 40, requests: int = 150, proposals: int = 60) -> list[Wanted]:
    rng = random.Random(seed)
    wanted = []
    for i in range(requests + proposals):
        a, b = rng.sample(range(people), 2)
        wanted.append(Wanted(f"p{a}", f"p{b}", requested=i < requests, strength=rng.randint(10, 100)))
    return wanted


def assert_valid(schedule: Schedule, breaks: dict[str, set[int]] | None = None) -> None:
    seen: dict[tuple[str, int], frozenset] = {}
    tables: dict[tuple[int, int], frozenset] = {}
    for pair, m in schedule.meetings.items():
        assert pair == m.pair and m.a != m.b
        assert 0 <= m.slot < schedule.slots and 0 <= m.table < schedule.tables
        for who in (m.a, m.b):
            assert (who, m.slot) not in seen, f"{who} is in two places in slot {m.slot}"
            seen[who, m.slot] = pair
            assert m.slot not in (breaks or {}).get(who, set()), f"{who} meets during a break"
        assert (m.slot, m.table) not in tables, "two meetings at one table"
        tables[m.slot, m.table] = pair


@pytest.mark.parametrize("seed", range(12))
def test_generated_events_keep_every_constraint_and_beat_first_fit(seed: int) -> None:
    rng = random.Random(seed)
    wanted = event(seed)
    slots, tables = rng.randint(4, 12), rng.randint(3, 20)
    breaks = {f"p{i}": {rng.randrange(slots)} for i in rng.sample(range(40), 10)}
    schedule, unplaced = build(wanted, slots=slots, tables=tables, breaks=breaks)
    assert_valid(schedule, breaks)
    placed_pairs = set(schedule.meetings)
    assert all(w.pair not in placed_pairs for w in unplaced)
    for w in unplaced:  # what is left could not simply have been added
        assert not any(schedule.fits(w.a, w.b, s) for s in range(slots))
    requested = sum(m.requested for m in schedule.meetings.values())
    baseline = first_fit([w for w in wanted if w.requested], slots=slots, tables=tables, breaks=breaks)
    assert requested >= len(baseline.meetings)


def test_asked_for_meetings_come_before_proposals() -> None:
    # p0 can meet once (one slot): the asked-for meeting wins over a stronger proposal.
    wanted = [
        Wanted("p0", "p1", requested=False, strength=99),
        Wanted("p0", "p2", requested=True, strength=20),
    ]
    schedule, unplaced = build(wanted, slots=1, tables=5)
    assert set(schedule.meetings) == {frozenset({"p0", "p2"})}
    assert unplaced == [wanted[0]]


def test_stronger_pairs_first_among_proposals() -> None:
    wanted = [Wanted("p0", "p1", strength=30), Wanted("p0", "p2", strength=80)]
    schedule, _ = build(wanted, slots=1, tables=5)
    assert set(schedule.meetings) == {frozenset({"p0", "p2"})}


def test_repair_places_what_first_fit_cannot() -> None:
    # First fit puts a–b in slot 0; then a–c must go to slot 1, and b–c has nowhere to go with two slots.
    # Moving one meeting makes room: a–b 0, a–c 1, b–c … no: three meetings of a triangle need 3 slots.
    wanted = [Wanted("a", "b", True), Wanted("c", "d", True), Wanted("a", "c", True), Wanted("b", "d", True)]
    baseline = first_fit(wanted, slots=2, tables=1)
    schedule, unplaced = build(wanted, slots=2, tables=2)
    assert len(baseline.meetings) == 2 and len(schedule.meetings) == 4 and not unplaced
    assert_valid(schedule)


def test_breaks_and_tables_are_respected() -> None:
    wanted = [Wanted(f"e{i}", f"u{i}", True) for i in range(6)]
    schedule, unplaced = build(wanted, slots=2, tables=2, breaks={"e0": {0, 1}})
    assert_valid(schedule, {"e0": {0, 1}})
    assert len(schedule.meetings) == 4 and frozenset({"e0", "u0"}) in {w.pair for w in unplaced}


def test_hand_fixed_meetings_stay_and_conflicting_moves_are_refused() -> None:
    fixed = Placed("a", "b", slot=2, table=0, requested=True, fixed=True)
    schedule, _ = build([Wanted("a", "c", True), Wanted("b", "c", True)], slots=3, tables=2, fixed=[fixed])
    assert schedule.meetings[fixed.pair].slot == 2
    ac = frozenset({"a", "c"})
    before = schedule.meetings[ac]
    with pytest.raises(Conflict, match="a 在 时段 3 已有洽谈"):
        schedule.move(ac, 2)
    assert schedule.meetings[ac].slot == before.slot  # nothing lost
    free = next(s for s in range(3) if schedule.fits("a", "c", s) or s == before.slot)
    moved = schedule.move(ac, free)
    assert moved.fixed and moved.slot == free
    with pytest.raises(Conflict, match="时段 9 不存在"):
        schedule.move(ac, 8)
    with pytest.raises(Conflict, match="至少需要一个时段"):
        build([], slots=0, tables=1)


def test_timetables_per_participant_and_per_table() -> None:
    wanted = [Wanted("a", x, True) for x in "bcd"]
    schedule, _ = build(wanted, slots=3, tables=3)
    assert [m.slot for m in schedule.of("a")] == [0, 1, 2]
    assert len({m.table for m in schedule.of("a")}) == 1  # a keeps one table, the guests come
    assert [m.slot for m in schedule.at_table(schedule.of("a")[0].table)] == [0, 1, 2]
