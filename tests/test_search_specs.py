"""Specifications read from supply-chain text (search/specs.py): what a buyer writes in the trade's
own way agrees with what a seller states, and a clear capacity shortfall rules a pair out."""

from __future__ import annotations

import pytest

from matchmaker.search.specs import compare, extract


@pytest.mark.parametrize(
    ("asked", "offered", "label"),
    [
        ("加工精度要两丝以内", "公差±0.01mm，精密加工", "公差±0.02mm"),
        ("公差±0.02mm", "变形≤0.02mm", "公差±0.02mm"),
        ("盐雾要过720小时", "中性盐雾≥1000h", "盐雾720h"),
        ("料厚1.5，冲压", "料厚0.5-3mm冲压", "厚度1.5mm"),
        ("月需3万件", "月产能10万件", "产能≥30000件/月"),
        ("材质SUS304", "304不锈钢板材", "304"),
        ("5052的铝板", "铝板5052/6016", "5052"),
        ("要40Cr调质", "45#钢、40Cr调质件", "40CR"),
        ("要有IATF16949", "通过IATF16949认证", "IATF16949"),
        ("要16949的轴", "通过IATF16949认证", "IATF16949"),
        ("PC+ABS外壳", "PC/ABS合金料", "PC+ABS"),
        ("要求：聚丙烯，中等件", "改性PP注塑，来模加工", "PP"),  # a plastic's name and its abbreviation
        ("尼龙齿轮", "PA66注塑料，玻纤增强", "PA"),
        ("航空件，要NADCAP", "取得NADCAP热处理认证", "NADCAP"),
        ("要300吨以上的冲床", "冲床吨位至400T", "设备≥300T"),
    ],
)
def test_what_a_buyer_asks_agrees_with_what_a_seller_states(asked: str, offered: str, label: str) -> None:
    agreement = compare(extract(asked), extract(offered))
    assert label in agreement.agreed and agreement.conflict is None


@pytest.mark.parametrize(
    ("asked", "offered"),
    [
        ("公差±0.01mm", "公差±0.05mm"),  # the offer is looser than asked
        ("盐雾1000小时", "盐雾≥240h"),
        ("料厚8mm", "料厚0.5-3mm"),
        ("材质Q235", "材质Q345B"),
    ],
)
def test_specifications_that_do_not_meet_the_need_are_no_evidence(asked: str, offered: str) -> None:
    assert compare(extract(asked), extract(offered)).agreed == ()


def test_a_clear_capacity_shortfall_rules_the_pair_out_and_a_small_one_does_not() -> None:
    need = extract("月需3万件，长期合作")
    assert compare(need, extract("月产5000件")).conflict
    assert compare(need, extract("年产6000吨")).conflict is None  # another unit says nothing
    assert compare(need, extract("月产2万件")).conflict is None  # short, but not clearly
    assert (
        compare(extract("首批8000件"), extract("月产5000件")).conflict is None
    )  # a batch is no monthly need


def test_machines_smaller_than_the_need_asks_for_rule_the_pair_out() -> None:
    need = extract("冲压小件，料厚5mm，要300吨以上的冲床")
    assert compare(need, extract("冲床45-200T，料厚2.0-6.0mm")).conflict
    assert compare(need, extract("冲床吨位至400T，料厚2.0-6.0mm")).conflict is None
    assert compare(need, extract("料厚2.0-6.0mm")).conflict is None  # states no machine: says nothing


def test_an_abbreviation_is_a_plastic_only_among_plastics_words() -> None:
    assert "pc" not in extract("提供PC端和手机端软件开发").codes
    assert "pc" in extract("PC透明注塑件").codes


def test_figures_that_are_not_specifications_are_left_alone() -> None:
    specs = extract("公司成立于2015年，厂房面积3000m2，温度控制±2℃，员工93人，可开13%增值税专票。")
    assert not specs.tolerances and not specs.codes and not specs.capacity
