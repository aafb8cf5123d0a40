"""What the pipeline's answers do to the proposals (pairings/feedback.py) and how the funnel reads
its filters (pairings/funnel.py), without an app: the places a repeatedly declined posting moves
down, the order that results, which pairs are no longer proposed, and the funnel's filters."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from matchmaker.pairings import feedback, funnel
from matchmaker.pairings.feedback import Demotion, Feedback
from matchmaker.pairings.values import DeclineReason
from matchmaker.postings.models import Posting

# --- lowering a repeatedly declined posting --------------------------------------------------


@pytest.mark.parametrize(("count", "places"), [(2, 3), (3, 6), (4, 9), (10, 27)])
def test_a_posting_moves_three_places_down_per_decline_from_the_second_on(count: int, places: int) -> None:
    assert Demotion(DeclineReason.COST, count).places == places


@pytest.mark.parametrize(
    ("reason", "count", "shown"),
    [
        (DeclineReason.COST, 2, "已有2条相似信息以“成本不合适”婉拒过它，排序已下调"),
        (DeclineReason.TOO_EARLY, 3, "已有3条相似信息以“阶段太早”婉拒过它，排序已下调"),
    ],
)
def test_the_page_says_why_a_posting_is_lower(reason: DeclineReason, count: int, shown: str) -> None:
    assert str(Demotion(reason, count)) == shown


def test_only_reasons_about_the_posting_itself_lower_it() -> None:
    assert set(feedback.DEMOTING) == set(DeclineReason) - {DeclineReason.HAS_PARTNER, DeclineReason.OTHER}


TWICE, THRICE = Demotion(DeclineReason.COST, 2), Demotion(DeclineReason.APPROACH, 3)


@pytest.mark.parametrize(
    ("ids", "lowered", "order"),
    [
        ([1, 2, 3, 4, 5, 6], {}, [1, 2, 3, 4, 5, 6]),
        ([1, 2, 3, 4, 5, 6], {1: TWICE}, [2, 3, 4, 1, 5, 6]),  # after the one it lands beside
        ([1, 2, 3, 4, 5, 6], {1: THRICE}, [2, 3, 4, 5, 6, 1]),
        ([1, 2, 3, 4, 5, 6], {5: TWICE}, [1, 2, 3, 4, 6, 5]),  # past the end: last
        ([1, 2, 3, 4, 5, 6], {6: TWICE}, [1, 2, 3, 4, 5, 6]),  # already last
        ([1, 2, 3, 4, 5, 6], {1: TWICE, 2: TWICE}, [3, 4, 1, 5, 2, 6]),
        ([9, 4, 7], {4: TWICE}, [9, 7, 4]),  # ids are not positions
        ([], {}, []),
    ],
)
def test_reorder_moves_only_the_lowered(
    ids: list[int], lowered: dict[int, Demotion], order: list[int]
) -> None:
    assert feedback.reorder(ids, lowered) == order


def test_reorder_ignores_demotions_of_candidates_not_in_the_list() -> None:
    assert feedback.reorder([1, 2, 3], {8: THRICE}) == [1, 2, 3]


# --- pairs no longer proposed ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("posting_id", "org_id", "suppressed"),
    [
        (7, 1, True),  # this posting was declined
        (8, 2, True),  # its organisation was declined (an interest without a posting attached)
        (7, 2, True),
        (8, 1, False),
    ],
)
def test_declined_postings_and_organisations_are_not_proposed(
    posting_id: int, org_id: int, suppressed: bool
) -> None:
    answers = Feedback(suppressed_postings={7}, suppressed_orgs={2})
    assert answers.suppresses(Posting(id=posting_id, organization_id=org_id)) is suppressed


def test_no_answers_suppress_nothing() -> None:
    assert not Feedback().suppresses(Posting(id=7, organization_id=1))


# --- the funnel's filters -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "filters"),
    [
        ({}, funnel.Filters()),
        (
            {"town": "3", "field": "12", "university": "40", "since": "2025-01-01", "until": "2025-06-30"},
            funnel.Filters(3, 12, 40, date(2025, 1, 1), date(2025, 6, 30)),
        ),
        ({"town": "abc", "field": "-1", "university": "1.5"}, funnel.Filters()),
        ({"town": "３"}, funnel.Filters()),  # full-width digits are not an id
        ({"town": "9" * 18}, funnel.Filters(town_id=int("9" * 18))),
        ({"town": "9" * 19}, funnel.Filters()),  # past a database integer
        ({"since": "2025-02-30", "until": "昨天"}, funnel.Filters()),
    ],
)
def test_filters_from_the_query(args: dict[str, str], filters: funnel.Filters) -> None:
    assert funnel.Filters.from_args(MultiDict(args)) == filters


@pytest.mark.parametrize(
    "filters",
    [
        funnel.Filters(),
        funnel.Filters(town_id=3),
        funnel.Filters(3, 12, 40, date(2025, 1, 1), date(2025, 6, 30)),
    ],
)
def test_the_links_behind_each_number_keep_the_filters(filters: funnel.Filters) -> None:
    args = {k: str(v) for k, v in filters.args().items()}
    assert funnel.Filters.from_args(MultiDict(args)) == filters


def test_empty_filters_leave_no_arguments() -> None:
    assert funnel.Filters().args() == {}
    assert funnel.Filters(town_id=3, since=date(2025, 1, 1)).args() == {"town": 3, "since": date(2025, 1, 1)}


def test_every_stage_and_count_of_the_funnel_has_a_chinese_label() -> None:
    assert set(funnel.STAGE_LABELS) == {
        *funnel.STAGES,
        "declined",
        "failed",
        "unanswered",
        "stalled",
        "brokered",
    }
