"""Seed and maintain the editable vocabularies."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import func, select

from matchmaker import policy
from matchmaker.accounts.models import User
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db
from matchmaker.core.journal import diff, record
from matchmaker.taxonomy.models import TAXONOMIES, EnterpriseTier, TaxonomyMixin, TechField, Town

T = TypeVar("T", bound=TaxonomyMixin)

SEED: dict[type[TaxonomyMixin], list[str]] = {
    TechField: [
        "电子信息",
        "先进制造",
        "航空航天",
        "现代交通",
        "农业",
        "新材料及其应用",
        "新能源与高效节能",
        "环境保护与资源综合利用",
        "生物、医药和医疗器械",
        "核应用",
        "城市建设与社会发展",
    ],
    Town: [
        "安宜镇",
        "范水镇",
        "夏集镇",
        "柳堡镇",
        "射阳湖镇",
        "广洋湖镇",
        "鲁垛镇",
        "小官庄镇",
        "望直港镇",
        "曹甸镇",
        "西安丰镇",
        "山阳镇",
        "黄塍镇",
        "泾河镇",
        "宝应经济开发区",
    ],
    EnterpriseTier: [
        "创新型中小企业",
        "市级专精特新中小企业",
        "省级专精特新中小企业",
        "国家级专精特新“小巨人”",
        "制造业单项冠军",
    ],
}


def seed_taxonomies() -> int:
    """Fill each empty vocabulary with its seed values; edited vocabularies are left alone."""
    added = 0
    for model, names in SEED.items():
        if db.session.scalar(select(func.count()).select_from(model)):
            continue
        for position, name in enumerate(names, start=1):
            term = model(name=name, position=position * 10)
            db.session.add(term)
            record("term.created", term, actor=None, changes=_fields(term), note="初始分类")
            added += 1
    db.session.flush()
    return added


def _fields(term: TaxonomyMixin) -> dict[str, list[object]]:
    return {"vocabulary": [None, term.label], "name": [None, term.name], "position": [None, term.position]}


def _check_name(model: type[TaxonomyMixin], name: str, term: TaxonomyMixin | None) -> str:
    name = name.strip()
    if not name:
        raise FieldError("name", "请填写名称。")
    other = db.session.scalar(select(model).where(model.name == name))
    if other is not None and other is not term:
        raise FieldError("name", f"“{name}”已存在。")
    return name


def add_term(model: type[T], name: str, position: int | None, *, actor: User) -> T:
    """A new term, placed last unless a position is given."""
    policy.require(actor, "term.manage")
    name = _check_name(model, name, None)
    if position is None:
        position = (db.session.scalar(select(func.max(model.position))) or 0) + 10
    term = model(name=name, position=position)
    db.session.add(term)
    db.session.flush()
    record("term.created", term, actor=actor, changes=_fields(term))
    return term


def update_term(term: TaxonomyMixin, name: str, position: int, active: bool, *, actor: User) -> None:
    """Rename, reorder or retire a term; retired terms stay on old records but leave the forms."""
    policy.require(actor, "term.manage")
    before = {"name": term.name, "position": term.position, "active": term.active}
    term.name = _check_name(type(term), name, term)
    term.position = position
    term.active = active
    after = {"name": term.name, "position": term.position, "active": term.active}
    record(
        "term.updated",
        term,
        actor=actor,
        changes={"vocabulary": [term.label, term.label], **diff(before, after)},
    )
    db.session.flush()


__all__ = ["SEED", "TAXONOMIES", "add_term", "seed_taxonomies", "update_term"]
