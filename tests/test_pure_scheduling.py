"""The scheduler's refusals in the words staff read, and the wanted meetings it merges or drops —
what tests/test_scheduling.py (generated events, priorities, repair, moves) does not already ask."""

from __future__ import annotations

import pytest

from matchmaker.events.scheduling import Conflict, Schedule, Wanted, build, first_fit


def busy_schedule() -> Schedule:
    """Three slots, one table each; b rests in slot 2 (0-based 1); a–c meet in slot 1."""
    schedule = Schedule(slots=3, tables=1, breaks={"b": {1}})
    schedule.place("a", "c", 0)
    return schedule


@pytest.mark.parametrize(
    ("a", "b", "slot", "why"),
    [
        ("a", "a", 1, "不能安排与自己洽谈。"),
        ("d", "e", -1, "时段 0 不存在（共 3 个时段）。"),
        ("d", "e", 3, "时段 4 不存在（共 3 个时段）。"),
        ("c", "a", 2, "这两位已经安排了洽谈。"),  # either way round
        ("b", "d", 1, "b 在 时段 2 休息。"),
        ("d", "b", 1, "b 在 时段 2 休息。"),
        ("c", "d", 0, "c 在 时段 1 已有洽谈。"),
        ("d", "e", 0, "时段 1 的 1 张桌子已满。"),
        ("d", "e", 1, None),
    ],
)
def test_why_a_meeting_cannot_go_into_a_slot(a: str, b: str, slot: int, why: str | None) -> None:
    schedule = busy_schedule()
    assert schedule.why_not(a, b, slot) == why
    if why is not None:
        with pytest.raises(Conflict) as refused:
            schedule.place(a, b, slot)
        assert str(refused.value) == why
        assert len(schedule.meetings) == 1  # nothing changed


def test_a_refusal_names_the_slot_by_its_time_when_the_schedule_knows_it() -> None:
    schedule = Schedule(slots=2, tables=1, breaks={"b": {1}}, slot_names=["09:00–09:20", "09:20–09:40"])
    schedule.place("a", "c", 0)
    assert schedule.why_not("a", "d", 0) == "a 在 09:00–09:20 已有洽谈。"
    assert schedule.why_not("b", "d", 1) == "b 在 09:20–09:40 休息。"
    assert schedule.why_not("d", "e", 0) == "09:00–09:20 的 1 张桌子已满。"


@pytest.mark.parametrize("table", [0, 2, -1])
def test_a_meeting_fixed_at_a_taken_or_missing_table_is_refused(table: int) -> None:
    schedule = Schedule(slots=2, tables=2)
    schedule.place("a", "b", 0, table=0)
    with pytest.raises(Conflict, match=f"时段 1 的第 {table + 1} 张桌子已有安排。"):
        schedule.place("c", "d", 0, table=table)
    assert schedule.place("c", "d", 0, table=1).table == 1


def test_removing_a_meeting_frees_both_people_and_the_table() -> None:
    schedule = Schedule(slots=1, tables=1)
    meeting = schedule.place("a", "b", 0)
    assert not schedule.fits("a", "c", 0)
    assert schedule.remove(meeting.pair) == meeting
    assert schedule.fits("a", "c", 0) and schedule.of("a") == [] and schedule.at_table(0) == []


def test_a_pair_wanted_twice_meets_once_and_counts_as_asked_for() -> None:
    wanted = [Wanted("a", "b", requested=False, strength=90), Wanted("b", "a", requested=True, strength=10)]
    schedule, unplaced = build(wanted, slots=3, tables=2)
    assert list(schedule.meetings) == [frozenset({"a", "b"})] and unplaced == []
    assert schedule.meetings[frozenset({"a", "b"})].requested


def test_a_meeting_with_oneself_is_never_placed() -> None:
    schedule, unplaced = build([Wanted("a", "a", True), Wanted("a", "b", True)], slots=2, tables=2)
    assert list(schedule.meetings) == [frozenset({"a", "b"})] and unplaced == []
    baseline = first_fit(
        [Wanted("a", "a", True), Wanted("a", "b", True), Wanted("b", "a")], slots=2, tables=2
    )
    assert list(baseline.meetings) == [frozenset({"a", "b"})]


@pytest.mark.parametrize(("slots", "tables"), [(0, 1), (1, 0), (-1, 5)])
def test_a_grid_without_slots_or_tables_is_refused(slots: int, tables: int) -> None:
    with pytest.raises(Conflict, match="至少需要一个时段和一张桌子。"):
        build([Wanted("a", "b", True)], slots=slots, tables=tables)


def test_nobody_meets_during_a_break_even_when_it_leaves_them_unmet() -> None:
    schedule, unplaced = build([Wanted("a", "b", True)], slots=2, tables=1, breaks={"a": {0}, "b": {1}})
    assert schedule.meetings == {} and unplaced == [Wanted("a", "b", True)]
