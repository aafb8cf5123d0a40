"""How agreements count against the plan, on transient records (no app, no session): the span a
figure is asked about, the same contract recorded twice counting once, which counting rule matches
which agreement, and the breakdowns, sums and series the dashboard shows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from matchmaker.accounts.models import Organization
from matchmaker.accounts.values import OrgType
from matchmaker.agreements import counting
from matchmaker.agreements.counting import Figure, Span
from matchmaker.agreements.models import Agreement, AgreementParty, CountingRule, Indicator, Plan, Target
from matchmaker.agreements.values import AgreementStatus, AgreementType, PartySide, PartyType
from matchmaker.pairings.models import Pairing
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind
from matchmaker.taxonomy.models import EnterpriseTier, TechField, Town

T = AgreementType

# --- the span of a figure -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("2025", Span(2025, 2025)),
        ("2023-2025", Span(2023, 2025)),
        (" 2024 ", Span(2024, 2024)),
        ("2025-2025", Span(2025, 2025)),
        ("2000", Span(2000, 2000)),
        ("2100", Span(2100, 2100)),
        ("2025-2023", None),  # backwards
        ("1999", None),  # out of range
        ("2101", None),
        ("20x3", None),
        ("25", None),
        ("02025", None),
        ("２０２５", None),  # full-width digits are digits to Python, not to the API
        ("2023-2024-2025", None),
        ("2023-", None),
        ("-2025", None),
        ("", None),
        (None, None),
    ],
)
def test_span_parse(text: str | None, span: Span | None) -> None:
    assert Span.parse(text) == span


@pytest.mark.parametrize(
    ("span", "key", "label", "start", "end"),
    [
        (Span(2025, 2025), "2025", "2025年", date(2025, 1, 1), date(2025, 12, 31)),
        (Span(2023, 2025), "2023-2025", "2023—2025年", date(2023, 1, 1), date(2025, 12, 31)),
    ],
)
def test_span_key_label_and_days(span: Span, key: str, label: str, start: date, end: date) -> None:
    assert (span.key, span.label, span.start, span.end) == (key, label, start, end)
    assert Span.parse(span.key) == span  # the key reads back as the same span


def test_span_months_and_a_plans_period() -> None:
    months = Span(2024, 2025).months()
    assert len(months) == 24 and months[0] == (2024, 1) and months[-1] == (2025, 12)
    plan = Plan(name="培育计划", start_year=2023, end_year=2025)
    assert Span.parse(plan.period) == Span(2023, 2025)
    assert plan.covers(2025) and not plan.covers(2026)


# --- the same contract recorded twice -------------------------------------------------------


def party(name: str, kind: PartyType = PartyType.ENTERPRISE, code: str | None = None, **values: Any):
    side = values.pop("side", PartySide.BUYER if kind is PartyType.ENTERPRISE else PartySide.SELLER)
    return AgreementParty(side=side, name=name, party_type=kind, credit_code=code, **values)


def agreement(
    id: int | None = None,
    kind: AgreementType = T.TECH_DEV_COMMISSIONED,
    signed_on: date = date(2024, 3, 1),
    amount: str | None = "80.00",
    parties: list[AgreementParty] | None = None,
    **values: Any,
) -> Agreement:
    a = Agreement(
        id=id,
        type=kind,
        title="技术开发合同",
        signed_on=signed_on,
        contract_amount=Decimal(amount) if amount is not None else None,
        status=AgreementStatus.VERIFIED,
        parties=parties
        if parties is not None
        else [party("宝应某厂"), party("扬州大学", PartyType.UNIVERSITY)],
        **values,
    )
    a.dedupe_key = a.compute_dedupe_key()
    return a


def test_the_same_contract_has_the_same_key_however_it_was_typed() -> None:
    by_gxj = agreement(
        parties=[party("宝应某厂", code="91321023MA0000001X"), party("扬州大学", PartyType.UNIVERSITY)]
    )
    by_kjj = agreement(
        amount="80",  # the same amount written without decimals
        parties=[
            party(" 扬州大学 ", PartyType.UNIVERSITY),
            party("宝应某厂有限公司", code="91321023ma0000001x"),
        ],
    )  # parties in the other order, a longer name but the same credit code, lower-case
    assert by_gxj.compute_dedupe_key() == by_kjj.compute_dedupe_key()


@pytest.mark.parametrize(
    "change",
    [
        {"kind": T.TECH_SERVICE},
        {"signed_on": date(2024, 3, 2)},
        {"amount": "80.01"},
        {"amount": None},
        {"parties": [party("宝应另一厂"), party("扬州大学", PartyType.UNIVERSITY)]},
        {"parties": [party("宝应某厂")]},
    ],
)
def test_a_different_contract_has_a_different_key(change: dict) -> None:
    assert agreement(**change).compute_dedupe_key() != agreement().compute_dedupe_key()


def group_ids(agreements: list[Agreement]) -> list[list[int]]:
    return sorted([a.id for a in group] for group in counting.groups(agreements))


def test_records_of_one_contract_count_once_by_their_earliest_record() -> None:
    same = [agreement(5), agreement(2), agreement(9)]  # same parties, type, date and amount
    other = agreement(3, signed_on=date(2024, 6, 1))
    groups = counting.groups([*same, other])
    assert sorted([a.id for a in g] for g in groups) == [[2, 5, 9], [3]]
    assert sorted(g[0].id for g in groups) == [2, 3]  # each group is represented by its earliest


def test_the_same_registration_number_is_one_contract_even_when_the_details_differ() -> None:
    a = agreement(1, registration_number="2024320100000123")
    b = agreement(2, amount="81.00", registration_number="2024320100000123")  # a typo in the amount
    c = agreement(3, amount="82.00", registration_number="2024320100000999")
    assert group_ids([a, b, c]) == [[1, 2], [3]]


def test_one_contract_is_found_through_either_key_in_turn() -> None:
    # 1 and 2 share a registration number; 2 and 3 share parties, type, date and amount.
    one = agreement(1, amount="79.00", registration_number="2024320100000123")
    two = agreement(2, registration_number="2024320100000123")
    three = agreement(3)
    assert group_ids([three, two, one]) == [[1, 2, 3]]


def test_no_records_no_groups() -> None:
    assert counting.groups([]) == []


# --- which rule matches which agreement -----------------------------------------------------

IUR = [party("宝应某厂"), party("扬州大学", PartyType.UNIVERSITY)]
TWO_ENTERPRISES = [party("宝应某厂"), party("高邮某厂", side=PartySide.SELLER)]
WITH_INSTITUTE = [party("宝应某厂"), party("某研究所", PartyType.INSTITUTE)]
TWO_ACADEMICS = [
    party("扬州大学", PartyType.UNIVERSITY, side=PartySide.BUYER),
    party("某研究所", PartyType.INSTITUTE),
]


@pytest.mark.parametrize(
    ("rule", "kind", "parties", "matches"),
    [
        (
            CountingRule(agreement_type=T.TECH_TRANSFER, iur_only=False),
            T.TECH_TRANSFER,
            TWO_ENTERPRISES,
            True,
        ),
        (
            CountingRule(agreement_type=T.TECH_TRANSFER, iur_only=False),
            T.TECH_LICENSE,
            TWO_ENTERPRISES,
            False,
        ),
        (
            CountingRule(agreement_type=T.TECH_DEV_COMMISSIONED, iur_only=True),
            T.TECH_DEV_COMMISSIONED,
            IUR,
            True,
        ),
        (
            CountingRule(agreement_type=T.TECH_DEV_COMMISSIONED, iur_only=True),
            T.TECH_DEV_COMMISSIONED,
            WITH_INSTITUTE,
            True,
        ),
        (
            CountingRule(agreement_type=T.TECH_DEV_COMMISSIONED, iur_only=True),
            T.TECH_DEV_COMMISSIONED,
            TWO_ENTERPRISES,
            False,
        ),
        (
            CountingRule(agreement_type=T.TECH_DEV_COMMISSIONED, iur_only=True),
            T.TECH_DEV_COMMISSIONED,
            TWO_ACADEMICS,
            False,  # 产学研 needs an enterprise too
        ),
        (CountingRule(agreement_type=T.IUR, iur_only=True), T.TECH_SERVICE, IUR, False),
    ],
)
def test_counting_rule_matches(rule: CountingRule, kind: AgreementType, parties: list, matches: bool) -> None:
    assert rule.matches(agreement(kind=kind, parties=parties)) is matches


@pytest.mark.parametrize(
    ("rule", "shown"),
    [
        (CountingRule(agreement_type=T.TECH_TRANSFER, iur_only=False), "技术转让"),
        (
            CountingRule(agreement_type=T.TECH_DEV_COOPERATIVE, iur_only=True),
            "技术开发（合作）（企业与高校院所之间）",
        ),
    ],
)
def test_how_a_rule_reads(rule: CountingRule, shown: str) -> None:
    assert str(rule) == shown


def test_an_agreement_counts_toward_an_indicator_when_any_rule_matches() -> None:
    plan = Plan(
        name="培育计划",
        start_year=2023,
        end_year=2025,
        rules=[
            CountingRule(indicator_code="iur_agreements", agreement_type=T.IUR, iur_only=False),
            CountingRule(
                indicator_code="iur_agreements", agreement_type=T.TECH_DEV_COMMISSIONED, iur_only=True
            ),
        ],
    )
    rules = plan.rules_for("iur_agreements")
    assert counting.counts_toward(rules, agreement(kind=T.IUR, parties=TWO_ENTERPRISES))
    assert counting.counts_toward(rules, agreement(kind=T.TECH_DEV_COMMISSIONED, parties=IUR))
    assert not counting.counts_toward(rules, agreement(kind=T.TECH_DEV_COMMISSIONED, parties=TWO_ENTERPRISES))
    assert not counting.counts_toward(plan.rules_for("new_products"), agreement())


@pytest.mark.parametrize(
    ("org_type", "party_type"),
    [
        (OrgType.ENTERPRISE, PartyType.ENTERPRISE),
        (OrgType.UNIVERSITY, PartyType.UNIVERSITY),
        (OrgType.INSTITUTE, PartyType.INSTITUTE),
        (OrgType.NEW_RD, PartyType.INSTITUTE),  # a new R&D institution counts as an institute
        (OrgType.BUREAU, PartyType.OTHER),
    ],
)
def test_the_party_type_of_an_organisation(org_type: OrgType, party_type: PartyType) -> None:
    assert PartyType.of(org_type) is party_type


@pytest.mark.parametrize(
    ("kind", "equity", "label"),
    [
        (T.TECH_TRANSFER, False, "技术转让"),
        (T.TECH_TRANSFER, True, "技术转让（作价入股）"),
        (T.IUR, False, "产学研合作协议"),
    ],
)
def test_the_type_as_shown(kind: AgreementType, equity: bool, label: str) -> None:
    assert agreement(kind=kind, equity=equity).type_label == label


# --- targets and shares ---------------------------------------------------------------------


def test_a_plans_target_for_a_year_or_its_period() -> None:
    plan = Plan(
        name="培育计划",
        start_year=2023,
        end_year=2025,
        targets=[
            Target(indicator_code="tech_transfer", period="2023-2025", value=30),
            Target(indicator_code="tech_transfer", period="2025", value=10),
        ],
    )
    assert plan.target_for("tech_transfer", "2025") == 10
    assert plan.target_for("tech_transfer", "2023-2025") == 30
    assert plan.target_for("tech_transfer", "2024") is None
    assert plan.target_for("new_products", "2025") is None


@pytest.mark.parametrize(
    ("count", "target", "share"),
    [(0, 10, 0.0), (3, 10, 0.3), (10, 10, 1.0), (15, 10, 1.0), (3, None, None), (3, 0, None)],
)
def test_the_share_of_a_target_is_capped_at_full(count: int, target: int | None, share: float | None) -> None:
    figure = Figure(Indicator(code="x", name="x"), Span(2025, 2025), target, count)
    assert figure.count == count and figure.share == share


# --- breakdowns, sums and series ------------------------------------------------------------


def enterprise(name: str, town: str | None = None, tier: str | None = None) -> Organization:
    return Organization(
        name=name,
        type=OrgType.ENTERPRISE,
        town=Town(name=town) if town else None,
        tier=EnterpriseTier(name=tier) if tier else None,
    )


def test_breakdowns_count_each_agreement_under_each_of_its_values_most_first() -> None:
    tower = enterprise("安宜某厂", "安宜镇", "专精特新")
    fanshui = enterprise("氾水某厂", "氾水镇")
    records = [
        agreement(
            1, parties=[party("安宜某厂", organization=tower), party("扬州大学", PartyType.UNIVERSITY)]
        ),
        agreement(
            2, parties=[party("安宜某厂", organization=tower), party("氾水某厂", organization=fanshui)]
        ),
        agreement(3, parties=[party("外地某厂"), party("某研究所", PartyType.INSTITUTE)]),
        agreement(
            4, parties=[party("氾水某厂", organization=fanshui), party("扬州大学", PartyType.UNIVERSITY)]
        ),
    ]
    records[0].tech_field = TechField(name="先进制造")
    assert counting.breakdown(records, "town") == [("安宜镇", 2), ("氾水镇", 2), ("未注明", 1)]
    assert counting.breakdown(records, "academic") == [
        ("扬州大学", 2),
        ("某研究所", 1),
        ("（无高校院所参与）", 1),
    ]
    assert counting.breakdown(records, "field") == [("未注明", 3), ("先进制造", 1)]
    assert counting.breakdown(records, "tier") == [("专精特新", 2), ("未注明", 2)]
    assert [a.id for a in counting.having(records, "town", "安宜镇")] == [1, 2]
    assert [a.id for a in counting.having(records, "academic", "（无高校院所参与）")] == [2]
    assert counting.breakdown([], "town") == []


def test_amounts_add_up_with_missing_amounts_as_nothing() -> None:
    records = [
        agreement(1, amount="80.50", tech_amount=Decimal("60")),
        agreement(2, amount=None, tech_amount=None),
        agreement(3, amount="19.50", tech_amount=Decimal("0.25")),
    ]
    assert counting.amounts(records) == (Decimal("100.00"), Decimal("60.25"))
    assert counting.amounts([]) == (Decimal(0), Decimal(0))


def test_the_monthly_series_is_cumulative_over_the_span() -> None:
    records = [
        agreement(i, signed_on=d)
        for i, d in enumerate([date(2025, 1, 31), date(2025, 3, 1), date(2025, 3, 9)])
    ]
    assert counting.monthly(records, Span(2025, 2025)) == [1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]
    assert counting.monthly([], Span(2024, 2025)) == [0] * 24


def test_the_charts_stop_at_the_current_month_and_pace_towards_the_target() -> None:
    from matchmaker.agreements import charts

    records = [agreement(i, signed_on=d) for i, d in enumerate([date(2025, 1, 31), date(2025, 3, 9)])]
    figure = Figure(
        Indicator(code="iur_agreements", name="产学研合作协议"),
        Span(2025, 2025),
        12,
        len(records),
        months=counting.per_month(records),
    )
    progress = charts.progress([figure], Span(2025, 2025), today=date(2025, 4, 15))
    assert progress.series[0].cumulative == [1, 1, 2, 2] + [None] * 8  # no flat line into the future
    assert progress.series[0].pace == [float(m) for m in range(1, 13)]
    assert progress.rows[2] == ("2025年3月", [2]) and progress.short_labels[:2] == ["1月", "2月"]
    assert charts.progress([figure], Span(2024, 2025), today=date(2026, 1, 1)).short_labels[12] == "25年1月"
    data = progress.as_json()
    assert data["series"][0]["target"] == 12 and data["longMonths"][0] == "2025年1月"


# --- from a need to its agreement -----------------------------------------------------------


def posted(kind: PostingKind, published: date | None) -> Posting:
    at = datetime(published.year, published.month, published.day, 2, tzinfo=UTC) if published else None
    return Posting(kind=kind, title="信息", published_at=at)


def from_pairing(signed_on: date, target: Posting, own: Posting | None = None) -> Agreement:
    return agreement(signed_on=signed_on, pairing=Pairing(target=target, own_posting=own))


def test_the_need_an_agreement_answers_and_the_days_it_took() -> None:
    need = posted(PostingKind.RD_NEED, date(2025, 1, 1))
    outcome = posted(PostingKind.RESEARCH_OUTCOME, date(2024, 6, 1))
    on_need = from_pairing(date(2025, 1, 31), need)
    on_outcome = from_pairing(date(2025, 3, 1), outcome, need)  # the need came attached
    only_outcome = from_pairing(date(2025, 3, 1), outcome)
    before = from_pairing(date(2024, 12, 1), posted(PostingKind.SUPPLY_NEED, date(2025, 1, 1)))
    unpublished = from_pairing(date(2025, 3, 1), posted(PostingKind.RD_NEED, None))
    standalone = agreement()
    assert counting.need_of(on_need) is need and counting.need_of(on_outcome) is need
    assert counting.need_of(only_outcome) is None and counting.need_of(standalone) is None
    found = counting.days_to_agreement([on_need, on_outcome, only_outcome, before, unpublished, standalone])
    assert [(a, days) for a, days in found] == [
        (on_need, 30),
        (on_outcome, 59),
        (before, 0),
    ]  # never negative
    assert counting.median_days([on_need, on_outcome, before]) == 30
    assert counting.median_days([on_need, on_outcome]) == 44.5
    assert counting.median_days([standalone]) is None
