"""The rules of what users type — a posting, an event, a call, a proposal, an agreement — checked
without an app: each breach gives the Chinese message the form and the API show, on its field.

Dates that depend on "today" stay days away from it, so the answers hold in any time zone."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from matchmaker.accounts import creditcode
from matchmaker.accounts.models import Organization
from matchmaker.accounts.values import OrgType
from matchmaker.agreements.operations import AgreementDetails, PartyDetails
from matchmaker.agreements.values import AgreementType, PartySide, PartyType, Registration
from matchmaker.calls.operations import DEFAULT_CRITERIA, CallDetails, ProposalDetails
from matchmaker.core import clock, rules
from matchmaker.core.exceptions import FieldError
from matchmaker.events.models import EventKind
from matchmaker.events.operations import EventDetails
from matchmaker.postings.models import Posting
from matchmaker.postings.operations import PostingDetails
from matchmaker.postings.values import PostingKind, PostingStatus

TODAY = clock.today()


def only(problems: dict[str, str], field: str, message: str) -> None:
    """Exactly one field is refused, with ``message`` in what it says."""
    assert list(problems) == [field], problems
    assert message in problems[field]


# --- posting content (core/rules.py, one set for the form, the import and the API) -------

POSTING = PostingDetails(
    title="锂电池隔膜涂覆均匀性提升",
    description="水性陶瓷涂覆隔膜在高速涂布时面密度波动大，需要将波动控制在正负百分之三以内。",
    keywords=["锂电池隔膜", "涂覆"],
    budget=Decimal("100.5"),
    contact_phone="13805250003",
)


def test_a_good_posting_has_no_problems() -> None:
    assert POSTING.problems() == {}
    POSTING.check()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": "   "}, "title", "请填写标题。"),
        ({"title": "锂电"}, "title", "标题应为4到120个字（现有2个字）。"),
        ({"title": "  锂电  "}, "title", "（现有2个字）"),  # blanks around do not count
        ({"title": "锂" * 121}, "title", "标题应为4到120个字（现有121个字）。"),
        ({"description": ""}, "description", "请填写详细描述。"),
        ({"description": "需要隔膜涂覆技术"}, "description", "详细描述应为20到10000个字（现有8个字）"),
        ({"budget": Decimal(-1)}, "budget", "金额应在0到1,000,000万元之间"),
        ({"budget": Decimal("1000000.01")}, "budget", "金额应在0到1,000,000万元之间"),
        ({"budget": Decimal("NaN")}, "budget", "金额应在0到1,000,000万元之间"),
        ({"budget": Decimal("Infinity")}, "budget", "金额应在0到1,000,000万元之间"),
        ({"contact_phone": "1380525000"}, "contact_phone", rules.PHONE_MESSAGE),
        ({"contact_phone": "13805250003\n"}, "contact_phone", rules.PHONE_MESSAGE),  # no trailing newline
        (
            {"contact_phone": "１３８０５２５０００３"},
            "contact_phone",
            rules.PHONE_MESSAGE,
        ),  # ASCII digits only
        ({"contact_phone": "12805250003"}, "contact_phone", rules.PHONE_MESSAGE),
        ({"keywords": [f"词{i}" for i in range(11)]}, "keywords", "关键词最多10个。"),
        ({"industry_chain": "链" * 51}, "industry_chain", "产业链最多50个字（现有51个字）。"),
        ({"ip_detail": "专" * 201}, "ip_detail", "专利号或说明最多200个字"),
        ({"contact_name": "吴" * 51}, "contact_name", "联系人最多50个字"),
        ({"confidential_detail": "密" * 5001}, "confidential_detail", "保密信息最多5000个字"),
    ],
)
def test_posting_rules(change: dict[str, Any], field: str, message: str) -> None:
    details = replace(POSTING, **change)
    only(details.problems(), field, message)
    with pytest.raises(FieldError) as refused:
        details.check()
    assert refused.value.field == field and message in refused.value.message


@pytest.mark.parametrize(
    "change",
    [
        {"budget": None},
        {"budget": Decimal(0)},
        {"budget": Decimal(1_000_000)},
        {"contact_phone": None},
        {"contact_phone": "0514-88888888"},
        {"contact_phone": "051488888888"},
        {"contact_phone": "0514-88888888-123"},
        {"keywords": [f"词{i}" for i in range(10)]},
        {"title": "锂" * 120},
        {"industry_chain": "链" * 50},
    ],
)
def test_posting_limits_themselves_are_allowed(change: dict[str, Any]) -> None:
    assert replace(POSTING, **change).problems() == {}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("锂电池、隔膜, 涂覆", ["锂电池", "隔膜", "涂覆"]),
        ("锂电池，隔膜；涂覆;涂布 锂电池", ["锂电池", "隔膜", "涂覆", "涂布"]),  # each once, in order
        ("  ", []),
        (None, []),
        ("长" * 31 + "、长", ["长" * 30, "长"]),  # each cut to 30 characters
    ],
)
def test_split_keywords(text: str | None, words: list[str]) -> None:
    assert rules.split_keywords(text) == words


def test_the_form_refuses_too_many_keywords_and_an_import_keeps_the_first_ten() -> None:
    text = "、".join(f"词{i}" for i in range(12))
    assert rules.keywords_problem(text) == "关键词最多10个。"
    kept, note = rules.trim_keywords(text)
    assert kept == [f"词{i}" for i in range(10)]
    assert note == "关键词有12个，只保留前10个（舍去：词10、词11）。"
    assert rules.trim_keywords("词0、词1") == (["词0", "词1"], None)
    assert rules.keywords_problem("词0、词1") is None


@pytest.mark.parametrize(
    ("valid_until", "problem"),
    [(TODAY - timedelta(days=3), "有效期不能早于今天。"), (TODAY + timedelta(days=3), None)],
)
def test_valid_until_is_not_in_the_past(valid_until: date, problem: str | None) -> None:
    assert rules.valid_until_problem(valid_until) == problem


# --- events ---------------------------------------------------------------------------------

UNIVERSITY = Organization(id=5, name="扬州大学", type=OrgType.UNIVERSITY)
ENTERPRISE = Organization(id=6, name="宝应某厂", type=OrgType.ENTERPRISE)
BUREAU = Organization(id=1, name="宝应县工业和信息化局", type=OrgType.BUREAU)
EVENT = EventDetails(
    title="产业链配套对接会",
    kind=EventKind.SUPPLY,
    held_on=date(2026, 5, 20),
    registration_deadline=date(2026, 5, 15),
    organisers="宝应县工业和信息化局",
    place="宝应县会议中心",
)


def test_a_good_event_has_no_problems() -> None:
    assert EVENT.problems() == {}
    online = replace(EVENT, kind=EventKind.ONLINE, place=None, link="https://meeting.example.cn/123")
    assert online.problems() == {}  # an online session needs a link, not a place
    visit = replace(EVENT, kind=EventKind.VISIT, host=UNIVERSITY)
    assert visit.problems() == {}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": " 对接 "}, "title", "活动名称应为4到120个字（现有2个字）。"),
        ({"title": "会" * 121}, "title", "活动名称应为4到120个字（现有121个字）。"),
        (
            {"registration_deadline": date(2026, 5, 21)},
            "registration_deadline",
            "报名截止日期不能晚于活动日期。",
        ),
        ({"organisers": "  "}, "organisers", "请填写主办单位（最多200个字）。"),
        ({"organisers": "局" * 201}, "organisers", "请填写主办单位（最多200个字）。"),
        ({"place": None}, "place", "请填写活动地点（最多200个字）。"),
        ({"place": "地" * 201}, "place", "请填写活动地点（最多200个字）。"),
        (
            {"kind": EventKind.ONLINE, "link": "zoom"},
            "link",
            "线上对接请填写以 http:// 或 https:// 开头的会议链接。",
        ),
        ({"kind": EventKind.ONLINE, "link": "ftp://x.cn"}, "link", "会议链接"),
        ({"kind": EventKind.ONLINE, "link": "https://x.cn/ a"}, "link", "会议链接"),
        ({"kind": EventKind.ONLINE, "link": "https://x.cn/" + "a" * 300}, "link", "会议链接"),
        ({"description": "介" * 5001}, "description", "活动介绍最多5000个字。"),
        ({"capacity": 0}, "capacity", "名额应在1到2000之间；不限名额请留空。"),
        ({"capacity": 2001}, "capacity", "名额应在1到2000之间"),
        ({"kind": EventKind.VISIT}, "host", "高校院所专题拜访请选择拜访的高校或科研院所。"),
        ({"kind": EventKind.VISIT, "host": ENTERPRISE}, "host", "请选择拜访的高校或科研院所"),
        ({"host": BUREAU}, "host", "承办单位应为企业或高校院所。"),
        ({"first_slot": "9:00"}, "first_slot", "开始时间请写成 09:00 的形式。"),
        ({"first_slot": "24:00"}, "first_slot", "09:00 的形式"),
        ({"first_slot": "09:60"}, "first_slot", "09:00 的形式"),
        ({"slot_minutes": 4}, "slot_minutes", "每场洽谈应为5到120分钟。"),
        ({"slot_minutes": 121}, "slot_minutes", "每场洽谈应为5到120分钟。"),
        ({"slot_count": 0}, "slot_count", "洽谈时段应为1到48个。"),
        ({"slot_count": 49}, "slot_count", "洽谈时段应为1到48个。"),
        ({"tables": 0}, "tables", "洽谈桌应为1到200张。"),
        ({"tables": 201}, "tables", "洽谈桌应为1到200张。"),
        (
            {"held_on": date(2019, 12, 31), "registration_deadline": date(2019, 12, 1)},
            "held_on",
            "活动日期有误。",
        ),
        ({"held_on": date(2101, 1, 1)}, "held_on", "活动日期有误。"),
        ({"registration_deadline": date(2019, 12, 31)}, "registration_deadline", "报名截止日期有误。"),
        (
            {"first_slot": "23:40", "slot_count": 4, "slot_minutes": 20},
            "slot_count",
            "洽谈时段超过了当天24点：请减少时段数或每场时长，或提早开始时间。",
        ),
    ],
)
def test_event_rules(change: dict[str, Any], field: str, message: str) -> None:
    details = replace(EVENT, **change)
    only(details.problems(), field, message)
    with pytest.raises(FieldError) as refused:
        details.check()
    assert refused.value.field == field


@pytest.mark.parametrize(
    "change",
    [{"first_slot": "09:00\n"}, {"kind": EventKind.ONLINE, "place": None, "link": "https://x.cn/1 23"}],
    ids=["first_slot", "link"],
)
def test_a_trailing_newline_is_refused(change: dict[str, Any]) -> None:
    assert replace(EVENT, **change).problems() != {}


@pytest.mark.parametrize(
    ("first_slot", "count", "minutes", "fits"),
    [
        ("08:00", 48, 20, True),  # 08:00 + 16 h = 24:00 exactly
        ("08:00", 48, 21, False),
        ("23:00", 1, 60, True),
        ("23:01", 1, 60, False),
        ("00:00", 12, 120, True),
    ],
)
def test_the_meeting_grid_ends_by_midnight(first_slot: str, count: int, minutes: int, fits: bool) -> None:
    details = replace(EVENT, first_slot=first_slot, slot_count=count, slot_minutes=minutes)
    assert ("slot_count" not in details.problems()) is fits


def test_every_broken_rule_of_an_event_is_reported_at_once() -> None:
    details = replace(EVENT, title="", place="", tables=0, slot_minutes=0)
    assert set(details.problems()) == {"title", "place", "tables", "slot_minutes"}


# --- challenge calls and proposals ----------------------------------------------------------


def need(
    org: int = 6, kind: PostingKind = PostingKind.RD_NEED, status: PostingStatus = PostingStatus.PUBLISHED
):
    return Posting(kind=kind, status=status, organization_id=org, title="主轴热误差补偿")


CALL = CallDetails(
    title="主轴热误差补偿揭榜",
    problem="加工中心连续运行后主轴热伸长明显，影响加工精度。",
    deliverables="热误差补偿系统一套",
    budget=Decimal(50),
    deadline=TODAY + timedelta(days=30),
    eligibility="江苏省内高校院所",
    needs=[need()],
    criteria=list(DEFAULT_CRITERIA),
)


def test_a_good_call_has_no_problems() -> None:
    assert sum(weight for _, weight in DEFAULT_CRITERIA) == 100
    assert CALL.problems() == {}
    assert replace(CALL, needs=[need(), need()]).problems() == {}  # two needs of one enterprise


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": "揭榜"}, "title", "应为4到120个字（现有2个字）。"),
        ({"problem": "热伸长"}, "problem", "应为10到5000个字（现有3个字）。"),
        ({"deliverables": None}, "deliverables", "应为4到5000个字（现有0个字）。"),
        ({"eligibility": "省"}, "eligibility", "应为2到1000个字（现有1个字）。"),
        ({"budget": None}, "budget", "请填写榜额（万元）。"),
        ({"budget": Decimal(0)}, "budget", "榜额应大于0、不超过1,000,000万元（单位为万元）。"),
        ({"budget": Decimal(-5)}, "budget", "榜额应大于0"),
        ({"budget": Decimal("NaN")}, "budget", "榜额应大于0"),
        ({"budget": Decimal(1_000_001)}, "budget", "榜额应大于0"),
        ({"deadline": None}, "deadline", "请填写截止日期（格式 2025-06-30）。"),
        ({"deadline": TODAY - timedelta(days=3)}, "deadline", "截止日期应在今天到一年之内。"),
        ({"deadline": TODAY + timedelta(days=400)}, "deadline", "截止日期应在今天到一年之内。"),
        ({"needs": []}, "needs", "请选择至少一条研发需求。"),
        ({"needs": [need(kind=PostingKind.SUPPLY_NEED)]}, "needs", "只能选择已发布的研发需求。"),
        ({"needs": [need(status=PostingStatus.PENDING)]}, "needs", "只能选择已发布的研发需求。"),
        ({"needs": [need(6), need(7)]}, "needs", "一个榜单的研发需求须来自同一家企业。"),
        ({"criteria": []}, "criteria", "请填写评审标准及权重。"),
        ({"criteria": [(" ", 50), ("报价", 50)]}, "criteria", "每项评审标准都要有名称（最多60个字）。"),
        ({"criteria": [("标" * 61, 50), ("报价", 50)]}, "criteria", "每项评审标准都要有名称"),
        ({"criteria": [(f"标准{i}", 10) for i in range(7)]}, "criteria", "评审标准最多6项。"),
        ({"criteria": [("技术", 50), (" 技术 ", 50)]}, "criteria", "评审标准不能重名。"),
        ({"criteria": [("技术", 0), ("报价", 100)]}, "criteria", "每项权重应为1到100之间的整数。"),
        ({"criteria": [("技术", 101), ("报价", -1)]}, "criteria", "每项权重应为1到100之间的整数。"),
        ({"criteria": [("技术", 60), ("报价", 30)]}, "criteria", "各项权重之和应为100（现为90）。"),
        ({"criteria": [("技术", 60), ("报价", 50)]}, "criteria", "各项权重之和应为100（现为110）。"),
    ],
)
def test_call_rules(change: dict[str, Any], field: str, message: str) -> None:
    details = replace(CALL, **change)
    only(details.problems(), field, message)
    with pytest.raises(FieldError) as refused:
        details.check()
    assert refused.value.field == field and message in refused.value.message


PROPOSAL = ProposalDetails(
    approach="基于温度测点的热误差建模与实时补偿，结合数控系统外部零点偏移实现。",
    team="机械学院数控团队",
    schedule="六个月完成",
    price=Decimal(45),
)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"approach": "热误差建模"}, "approach", "应为20到5000个字（现有5个字）。"),
        ({"team": "团队"}, "team", "应为4到5000个字（现有2个字）。"),
        ({"schedule": "方" * 5001}, "schedule", "应为4到5000个字（现有5001个字）。"),
        ({"price": None}, "price", "请填写报价（万元）。"),
        ({"price": Decimal(-1)}, "price", "报价应在0到1,000,000万元之间（单位为万元）。"),
        ({"price": Decimal("Infinity")}, "price", "报价应在0到1,000,000万元之间"),
    ],
)
def test_proposal_rules(change: dict[str, Any], field: str, message: str) -> None:
    assert PROPOSAL.problems() == {}
    assert replace(PROPOSAL, price=Decimal(0)).problems() == {}  # a free proposal is allowed
    details = replace(PROPOSAL, **change)
    only(details.problems(), field, message)
    with pytest.raises(FieldError) as refused:
        details.check()
    assert refused.value.field == field


# --- agreements (what tests/test_agreements.py does not already check without an app) -------


def code(serial: int) -> str:
    first17 = f"91321023MA{serial:07d}"
    return first17 + creditcode.check_digit(first17)


BUYER = PartyDetails(PartySide.BUYER, "宝应某厂", PartyType.ENTERPRISE, code(1))
SELLER = PartyDetails(PartySide.SELLER, "扬州大学", PartyType.UNIVERSITY)
AGREEMENT = AgreementDetails(
    type=AgreementType.TECH_DEV_COMMISSIONED,
    title="主轴热误差补偿技术开发合同",
    signed_on=date(2025, 3, 1),
    parties=[BUYER, SELLER],
    contract_amount=Decimal(50),
    tech_amount=Decimal(40),
)


def test_a_good_agreement_has_no_problems() -> None:
    assert AGREEMENT.problems() == {}
    registered = replace(
        AGREEMENT, registration=Registration.REGISTERED, registration_number="2025320100000123"
    )
    assert registered.problems() == {}
    assert replace(AGREEMENT, type=AgreementType.TECH_TRANSFER, equity=True).problems() == {}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"signed_on": date(1999, 12, 31)}, "signed_on", "签订日期有误。"),
        ({"signed_on": TODAY + timedelta(days=3)}, "signed_on", "签订日期不能晚于今天：请在签订后再登记。"),
        (
            {"valid_from": date(2025, 3, 1), "valid_until": date(2025, 2, 28)},
            "valid_until",
            "有效期结束日不能早于开始日。",
        ),
        ({"contract_amount": None}, "tech_amount", "技术交易额不能大于合同成交额"),
        ({"tech_amount": Decimal(-1)}, "tech_amount", "金额应在0到1,000,000万元之间（单位为万元）。"),
        ({"contract_amount": Decimal(1_000_001)}, "contract_amount", "金额应在0到1,000,000万元之间"),
        ({"registration": Registration.REGISTERED}, "registration_number", "已登记的合同请填写登记编号。"),
        (
            {"registration": Registration.REGISTERED, "registration_number": "   "},
            "registration_number",
            "已登记的合同请填写登记编号。",
        ),
        (
            {"registration": Registration.APPLIED, "registration_number": "2025320100000123"},
            "registration_number",
            "只有“已登记”的合同才有登记编号。",
        ),
        (
            {"registration": Registration.REGISTERED, "registration_number": "9" * 41},
            "registration_number",
            "登记编号最多40个字符。",
        ),
        ({"ip_involved": "专" * 1001}, "ip_involved", "最多1000个字。"),
        ({"notes": "注" * 2001}, "notes", "最多2000个字。"),
        ({"parties": []}, "parties", "请填写协议各方。"),
        (
            {"parties": [BUYER, replace(SELLER, name="  ")]},
            "parties",
            "每一方都要填写单位名称（最多100个字）。",
        ),
        ({"parties": [BUYER, replace(SELLER, name="大" * 101)]}, "parties", "每一方都要填写单位名称"),
        (
            {"parties": [BUYER, replace(SELLER, credit_code="91321023MA0000001")]},
            "parties",
            "扬州大学：统一社会信用代码应为18位，当前为17位。",
        ),
        (
            {"parties": [replace(BUYER, credit_code=code(1)[:-1] + "0"), SELLER]},
            "parties",
            "宝应某厂：统一社会信用代码校验位不正确",
        ),
    ],
)
def test_agreement_rules(change: dict[str, Any], field: str, message: str) -> None:
    details = replace(AGREEMENT, **change)
    only(details.problems(), field, message)
    with pytest.raises(FieldError) as refused:
        details.check()
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("contract", "tech", "refused"),
    [
        (Decimal(50), Decimal(50), False),  # all of it technology
        (Decimal(50), Decimal(0), False),
        (Decimal(50), None, False),
        (None, None, False),
        (Decimal(50), Decimal("50.01"), True),
        (None, Decimal(1), True),
    ],
)
def test_the_technology_share_is_not_more_than_the_contract(
    contract: Decimal | None, tech: Decimal | None, refused: bool
) -> None:
    details = replace(AGREEMENT, contract_amount=contract, tech_amount=tech)
    assert ("tech_amount" in details.problems()) is refused


def test_a_credit_code_typed_with_blanks_and_lower_case_is_accepted() -> None:
    spaced = " ".join(code(1).lower())
    assert replace(AGREEMENT, parties=[replace(BUYER, credit_code=spaced), SELLER]).problems() == {}
