"""Match proposals: complementary kinds, exclusions, visibility, strength and reasons, live updates."""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from matchmaker.accounts.values import OrgType
from matchmaker.core import clock
from matchmaker.core.extensions import db
from matchmaker.postings import queries
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind, PostingStatus, Visibility
from matchmaker.search import matching
from matchmaker.search.evidence import passage
from tests.conftest import Auth, Factory

RD, SN, SO, RO = (
    PostingKind.RD_NEED,
    PostingKind.SUPPLY_NEED,
    PostingKind.SUPPLY_OFFER,
    PostingKind.RESEARCH_OUTCOME,
)
NEED = {
    "title": "数控机床主轴热变形补偿",
    "description": "加工中心连续运行后主轴热伸长明显，影响加工精度。希望开发基于温度传感的热误差建模与实时补偿。",
    "keywords": ["热变形", "误差补偿", "数控机床"],
}
GOOD = {
    "title": "机床热误差建模与补偿技术",
    "description": "基于关键温度点优化的热误差模型，可嵌入数控系统，实测补偿后主轴热变形误差减少七成。",
}
WEAK = {
    "title": "数控系统远程运维平台",
    "description": "为数控机床提供远程运维和主轴故障诊断服务，覆盖主流数控系统。",
}
OFF = {"title": "荷藕保鲜剂", "description": "植物提取物复配的抗褐变保鲜剂，鲜切藕片冷藏货架期十八天。"}


def proposals(app: Flask, posting_id: int, viewer_email: str | None = None) -> list[queries.Proposal]:
    from matchmaker.accounts.operations import find_user_by_email

    with app.test_request_context():
        viewer = find_user_by_email(viewer_email) if viewer_email else None
        posting = db.session.get(Posting, posting_id)
        result = queries.proposals(posting, viewer)
        for p in result:  # load what the assertions read before the session closes
            _ = p.posting.title, p.posting.organization.name
        return result


def test_need_gets_the_right_outcome_first_with_reasons(app: Flask, make: Factory) -> None:
    enterprise, uni = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, RD, **NEED)
    good = make.posting(uni, RO, **GOOD)
    weak = make.posting(uni, RO, **WEAK)
    make.posting(uni, RO, **OFF)
    result = proposals(app, need)
    assert [p.posting.id for p in result][:2] == [good, weak]
    top = result[0]
    assert 0 < result[1].strength <= top.strength <= 100
    assert {"补偿", "变形"} <= set(top.matched_terms)
    assert "<mark" in passage(top.posting.description, top.matched_terms)
    assert "<mark" in passage(top.ours.description, top.matched_terms)
    assert all("荷藕" not in p.posting.title for p in result)


def test_outcome_gets_needs_and_supply_kinds_pair_up(app: Flask, make: Factory) -> None:
    enterprise, uni = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, RD, **NEED)
    outcome = make.posting(uni, RO, **GOOD)
    supply_need = make.posting(
        enterprise, SN, title="采购主轴热变形补偿模块", description=NEED["description"]
    )
    other = make.user()
    offer = make.posting(other, SO, title="供应主轴热误差补偿模块", description=GOOD["description"])
    assert [p.posting.id for p in proposals(app, outcome)] == [need]  # outcomes answer R&D needs only
    assert [p.posting.id for p in proposals(app, supply_need)] == [offer]  # needs ↔ offers
    assert {p.posting.id for p in proposals(app, offer)} == {supply_need, need}
    assert offer in {p.posting.id for p in proposals(app, need)}  # an offer can solve an R&D need


def test_exclusions(app: Flask, make: Factory) -> None:
    enterprise, uni = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, RD, **NEED)
    make.posting(
        enterprise, SO, title="本单位的主轴热误差补偿服务", description=GOOD["description"]
    )  # own org
    make.posting(
        uni, RO, PostingStatus.CLOSED, title="已关闭的热误差补偿成果", description=GOOD["description"]
    )
    make.posting(
        uni, RO, PostingStatus.PENDING, title="待审核的热误差补偿成果", description=GOOD["description"]
    )
    make.posting(uni, RO, PostingStatus.DRAFT, title="草稿热误差补偿成果", description=GOOD["description"])
    expired = make.posting(uni, RO, title="已过期的热误差补偿成果", description=GOOD["description"])
    with app.app_context():
        db.session.get(Posting, expired).valid_until = clock.today() - timedelta(days=1)
        db.session.commit()
    assert proposals(app, need) == []


def test_visibility_of_proposed_postings(app: Flask, make: Factory) -> None:
    enterprise, uni = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, RD, **NEED)
    members = make.posting(uni, RO, visibility=Visibility.MEMBERS, **GOOD)
    bureau_only = make.posting(uni, RO, visibility=Visibility.BUREAU, **WEAK)
    assert proposals(app, need) == []  # anonymous viewers see neither
    assert [p.posting.id for p in proposals(app, need, enterprise)] == [members]
    assert {p.posting.id for p in proposals(app, need, make.bureau())} == {members, bureau_only}


def test_proposals_follow_changes_without_a_command(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    enterprise, uni = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, RD, **NEED)
    outcome = make.posting(uni, RO, PostingStatus.PENDING, **GOOD)
    assert proposals(app, need) == []
    auth.login(make.bureau())
    client.post(f"/review/postings/{outcome}/publish", data={})
    assert [p.posting.id for p in proposals(app, need)] == [outcome]
    auth.logout()
    auth.login(uni)
    client.post(f"/postings/{outcome}/close", data={"reason": "solved_on_platform"})
    assert proposals(app, need) == []


def test_detail_page_and_for_me_page_show_proposals(client: FlaskClient, auth: Auth, make: Factory) -> None:
    enterprise, uni = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, RD, **NEED)
    make.posting(uni, RO, **GOOD)
    detail = client.get(f"/postings/{need}").get_data(as_text=True)
    assert "推荐匹配" in detail and "机床热误差建模与补偿技术" in detail and "共同关键词" in detail
    auth.login(enterprise)
    mine = client.get("/matches").get_data(as_text=True)
    assert "数控机床主轴热变形补偿" in mine and "机床热误差建模与补偿技术" in mine
    assert 'class="strength' in mine


def test_for_me_page_without_published_postings(client: FlaskClient, auth: Auth, make: Factory) -> None:
    auth.login(make.user())
    assert "还没有已发布的信息" in client.get("/matches").get_data(as_text=True)


def test_proposal_text_is_escaped(client: FlaskClient, make: Factory) -> None:
    enterprise, uni = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(
        enterprise, RD, title=NEED["title"], description="<script>x()</script>" + NEED["description"]
    )
    make.posting(uni, RO, title=GOOD["title"], description="<img src=x onerror=y>" + GOOD["description"])
    page = client.get(f"/postings/{need}").get_data(as_text=True)
    assert "<script>x()" not in page and "<img src=x" not in page and "<mark" in page


def test_the_character_view_ranks_as_a_plain_cosine_over_the_texts(app: Flask, make: Factory) -> None:
    """grams.CharacterView (numpy arrays per segment) must give the cosine a direct computation over
    the published texts gives, deletions included (an edit leaves a deleted document behind)."""
    from matchmaker.search.grams import CharacterView
    from matchmaker.search.segments import grams

    enterprise, uni = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, RD, **NEED)
    ids = [make.posting(uni, RO, **doc) for doc in (GOOD, WEAK, OFF)]
    ids += [
        make.posting(
            uni,
            RO,
            title=f"主轴热误差第{i}种补偿",
            description="数控机床主轴温度传感与热误差实时补偿方法。" * (i + 1),
        )
        for i in range(6)
    ]
    with app.app_context():
        db.session.get(Posting, ids[0]).description += "补充：热变形实时补偿。"
        db.session.commit()
    with app.test_request_context():
        texts = {p.id: matching.posting_text(p) for p in db.session.scalars(select(Posting))}
        counted = {pid: Counter(grams(t)) for pid, t in texts.items()}
        df = Counter(g for c in counted.values() for g in c)
        idf = {g: math.log((1 + len(texts)) / (1 + f)) + 1 for g, f in df.items()}
        vectors = {pid: {g: (1 + math.log(n)) * idf[g] for g, n in c.items()} for pid, c in counted.items()}
        query = vectors[need]

        def cosine(v: dict[str, float]) -> float:
            dot = sum(w * v.get(g, 0.0) for g, w in query.items())
            return dot / math.sqrt(sum(w * w for w in v.values()) * sum(w * w for w in query.values()))

        expected = sorted(((cosine(vectors[i]), i) for i in ids), reverse=True)
        store = app.extensions["search"]
        view = CharacterView(store.searcher(), scope=store.scope())
        ranked = view.rank(
            texts[need], asking=RD.value, answering=[RO.value], besides_org=make.org_of(enterprise), limit=20
        )
        assert [r.posting_id for r in ranked] == [i for _, i in expected]
        for r, (score, _) in zip(ranked, expected, strict=True):
            assert abs(r.score - score) < 1e-5


def test_pages_hide_proposals_below_the_shown_strength(
    app: Flask, client: FlaskClient, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    enterprise, uni = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, RD, **NEED)
    make.posting(uni, RO, **GOOD)
    make.posting(uni, RO, **WEAK)
    strengths = {p.posting.title: p.strength for p in proposals(app, need)}
    assert strengths[GOOD["title"]] > strengths[WEAK["title"]]
    monkeypatch.setattr(queries, "SHOWN_MIN_STRENGTH", strengths[WEAK["title"]] + 1)
    page = client.get(f"/postings/{need}").get_data(as_text=True)
    assert GOOD["title"] in page and WEAK["title"] not in page


SOLID_STATE = {
    "title": "固态电池复合电解质膜中试",
    "description": "我司固态电池复合电解质膜已完成小样，需要中试工艺放大，电导率要求大于1mS/cm，希望合作。",
}
VEGETABLE = {
    "title": "水生蔬菜加工副产物综合利用",
    "description": "荷藕、茭白加工副产物的中试工艺，提取膳食纤维和多酚，减少废弃物排放。",
}
PARTIAL_DISCHARGE = {
    "title": "特高频局部放电在线监测",
    "description": "开关柜局部放电特高频传感与定位，误报率低于3%，可接入变电站综合自动化。",
}
SEPARATOR = {
    "title": "锂电池隔膜涂覆",
    "description": "陶瓷涂覆隔膜，热收缩小于3%，孔隙率稳定，适用于动力电池。",
}


@pytest.mark.parametrize(("need", "outcome"), [(SOLID_STATE, VEGETABLE), (PARTIAL_DISCHARGE, SEPARATOR)])
def test_generic_words_numbers_and_single_characters_are_no_evidence(
    app: Flask, client: FlaskClient, make: Factory, need: dict[str, str], outcome: dict[str, str]
) -> None:
    """中试 and 工艺 alone, or 3% alone, never make a proposal; the page says so and advises."""
    need_id = make.posting(make.user(), RD, **need)
    make.posting(make.user(org_type=OrgType.UNIVERSITY), RO, **outcome)
    assert proposals(app, need_id) == []
    page = client.get(f"/postings/{need_id}").get_data(as_text=True)
    assert outcome["title"] not in page
    assert "暂未找到有说服力的匹配" in page and "主管部门" in page


def test_one_strength_per_pair_whichever_side_looks(app: Flask, make: Factory) -> None:
    enterprise, uni = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, RD, **NEED)
    outcome = make.posting(uni, RO, **GOOD)
    make.posting(uni, RO, **WEAK)
    make.posting(
        make.user(), RD, title="主轴温升监测", description="主轴温升在线监测与热变形预警，数控机床。"
    )
    from_need = {p.posting.id: p.strength for p in proposals(app, need)}[outcome]
    from_outcome = {p.posting.id: p.strength for p in proposals(app, outcome)}[need]
    assert from_need == from_outcome


def test_keyword_chips_show_each_longest_word_once(app: Flask, make: Factory) -> None:
    need = make.posting(
        make.user(),
        RD,
        title="箱式变电站温升预警",
        description="箱式变电站天天满负荷运行，变电站柜内温升快，亚硫酸盐腐蚀严重，需要在线预警。",
    )
    make.posting(
        make.user(org_type=OrgType.UNIVERSITY),
        RO,
        title="变电站柜体温升预警技术",
        description="面向箱式变电站的温升在线预警，天天记录，兼顾亚硫酸盐腐蚀监测。",
    )
    chips = proposals(app, need)[0].matched_terms
    assert "变电站" in chips and "亚硫酸盐" in chips
    for piece in ("变电", "电站", "硫酸", "酸盐", "硫酸盐", "天"):
        assert piece not in chips
    assert all(len(chip) > 1 for chip in chips)


def test_for_me_page_shows_a_few_postings_a_page_newest_first(
    client: FlaskClient, auth: Auth, make: Factory
) -> None:
    """Each posting's proposals are a search of their own: 为我推荐 pages through them."""
    enterprise = make.user()
    titles = [f"数控机床主轴热变形补偿第{n}号需求" for n in range(7)]
    for title in titles:
        make.posting(enterprise, RD, title=title, description=NEED["description"])
    auth.login(enterprise)
    first = client.get("/matches").get_data(as_text=True)
    assert all(t in first for t in titles[2:]) and not any(t in first for t in titles[:2])
    assert "下一页" in first and "共 7 条" in first
    second = client.get("/matches?page=2").get_data(as_text=True)
    assert all(t in second for t in titles[:2]) and "上一页" in second
    assert client.get("/matches?page=99").status_code == 200


def test_the_character_view_follows_edits_and_forgets_retired_segments(app: Flask, make: Factory) -> None:
    """Every commit writes a segment and merges retire small ones: proposals keep up with each
    edit, and the views of retired segments do not pile up in memory."""
    from matchmaker.search import grams

    enterprise, uni = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, RD, **NEED)
    outcome = make.posting(uni, RO, **OFF)
    for i in range(2 * grams.MAX_RETIRED + 4):
        with app.app_context():
            posting = db.session.get(Posting, outcome)
            posting.title = f"第{i}版：{OFF['title']}"
            if i == grams.MAX_RETIRED:  # halfway, the outcome becomes the answer to the need
                posting.title, posting.description = GOOD["title"], GOOD["description"]
            db.session.commit()
        expected = [outcome] if i >= grams.MAX_RETIRED else []
        assert [p.posting.id for p in proposals(app, need)] == expected
    with app.test_request_context():
        store = app.extensions["search"]
        searcher = store.searcher()
        scope = store.scope()
        grams.CharacterView(searcher, scope=scope)
        live = {grams._key(scope, leaf.reader()) for leaf, _ in searcher.leaf_searchers()}
        assert len(set(grams._VIEWS) - live) <= grams.MAX_RETIRED
    assert [p.posting.id for p in proposals(app, need)] == [outcome]


def test_two_indexes_whose_segments_share_an_id_keep_their_own_views(tmp_path) -> None:
    """Whoosh draws segment ids from the global ``random``: seeded alike (as Hypothesis does), two
    indexes repeat an id, and neither may be served the other's view."""
    import random

    from whoosh import index

    from matchmaker.search.engine import with_views
    from matchmaker.search.grams import CharacterView
    from matchmaker.search.schema import make_schema

    searchers = []

    def build(folder: str, ids: list[int]) -> CharacterView:
        random.seed(0)
        (tmp_path / folder).mkdir()
        ix = index.create_in(str(tmp_path / folder), make_schema())
        with with_views(ix.writer(), tmp_path / folder) as writer:  # the index's writers store views
            for i in ids:
                writer.add_document(
                    id=str(i),
                    kind=RO.value,
                    org="7",
                    title=f"机床热误差补偿{i}",
                    body="数控机床主轴",
                    keywords="",
                )
        searchers.append(ix.searcher())
        return CharacterView(searchers[-1], scope=str(tmp_path / folder))

    a, b = build("a", [1, 2]), build("b", [10, 11, 12])
    query = {"asking": RD.value, "answering": [RO.value], "besides_org": 1, "limit": 10}
    assert sorted(r.posting_id for r in a.rank("机床", **query)) == [1, 2]
    assert sorted(r.posting_id for r in b.rank("机床", **query)) == [10, 11, 12]
    for searcher in searchers:
        searcher.close()


def test_one_shared_two_character_word_is_not_enough(app: Flask, client: FlaskClient, make: Factory) -> None:
    """A need and an outcome that share one everyday two-character word (检测) are not proposed to
    each other; the page says nothing convincing was found instead of showing a weak match."""
    need = make.posting(
        make.user(),
        RD,
        title="农产品农残快速检测",
        description="蔬菜基地需要现场快速检测农药残留，半小时出结果。",
    )
    make.posting(
        make.user(org_type=OrgType.UNIVERSITY),
        RO,
        title="β射线面密度检测仪",
        description="锂电极片涂布面密度的β射线在线测量装置，扫描架稳定可靠。",
    )
    assert proposals(app, need) == []
    page = client.get(f"/postings/{need}").get_data(as_text=True)
    assert "β射线面密度检测仪" not in page and "暂未找到有说服力的匹配" in page


def test_words_most_postings_use_are_learned_as_generic(app: Flask, make: Factory) -> None:
    """Once enough postings are on the platform, which words are too common to carry a proposal is
    learned from them: two words every need and outcome uses (在线, 监测) no longer make a pair,
    while a pair sharing words few postings use is still proposed, and carries them as evidence."""
    enterprise, uni = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    topics = [
        "锅炉",
        "水泵",
        "风机",
        "电梯",
        "管网",
        "桥梁",
        "隧道",
        "边坡",
        "大坝",
        "堤防",
        "仓储",
        "冷库",
        "粮仓",
        "鱼塘",
        "猪舍",
        "鸡舍",
        "温室",
        "果园",
        "茶园",
        "林场",
        "矿井",
        "油罐",
        "气瓶",
        "配电",
        "光伏",
        "风电",
        "储能",
        "充电",
        "路灯",
        "井盖",
        "管廊",
        "河道",
    ]
    for topic in topics:
        make.posting(
            enterprise,
            RD,
            title=f"{topic}在线监测需求",
            description=f"需要对{topic}进行在线监测，及时发现异常情况。",
        )
        make.posting(
            uni,
            RO,
            title=f"{topic}在线监测成果",
            description=f"面向{topic}的在线监测方法，已在多地示范应用。",
        )
    asking = make.posting(
        make.user(),
        RD,
        title="藕塘水位在线监测",
        description="藕塘水位需要在线监测，雨季防止漫塘，夜间也要能报警。",
    )
    unrelated = make.posting(
        uni, RO, title="高速公路护栏在线监测", description="高速公路护栏碰撞在线监测，定位事故点并通知养护。"
    )
    related = make.posting(
        uni, RO, title="藕塘水位遥测浮标", description="藕塘水位遥测浮标，雨季漫塘提前告警，太阳能供电。"
    )
    found = proposals(app, asking)
    ids = [p.posting.id for p in found]
    assert unrelated not in ids and ids[0] == related
    assert {"水位", "漫塘"} <= set(found[0].carrying)
    assert "在线" not in found[0].carrying and "监测" not in found[0].carrying


SUPPLY_NEED = {
    "title": "求购不锈钢冲压件",
    "description": "我厂求购SUS304不锈钢冲压件，料厚1.5mm，公差要求两丝以内，月需3万件，要有IATF16949。",
}
CAPABLE = {
    "title": "不锈钢精密冲压件加工",
    "description": "专业SUS304不锈钢冲压件，料厚0.5-3mm，公差±0.01mm，月产能10万件，通过IATF16949认证。",
}
SMALL = {
    "title": "不锈钢冲压件小批量加工",
    "description": "SUS304不锈钢冲压件打样与小批量，料厚0.5-3mm，公差±0.01mm，月产5000件，通过IATF16949认证。",
}


def test_supply_specifications_show_when_they_agree_and_rule_out_a_clear_shortfall(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    buyer = make.user()
    need = make.posting(buyer, SN, **SUPPLY_NEED)
    capable = make.posting(make.user(), SO, **CAPABLE)
    make.posting(make.user(), SO, **SMALL)  # makes 5,000 a month; 30,000 are asked for
    found = proposals(app, need)
    assert [p.posting.id for p in found] == [capable]
    assert {"公差±0.02mm", "厚度1.5mm", "IATF16949", "SUS304"} <= set(found[0].specs)
    auth.login(buyer)
    page = client.get(f"/postings/{need}").get_data(as_text=True)
    assert "规格相符" in page and "公差±0.02mm" in page and SMALL["title"] not in page
