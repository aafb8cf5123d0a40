"""Kinds of specialist and grades of a need: the specialists capability's value types."""

from __future__ import annotations

from matchmaker.core.models import ChoiceEnum


class SpecialistKind(ChoiceEnum):
    """Who the plan sends to enterprises; codes are part of the public API."""

    SERVICE = "service", "服务专员"
    MAYOR_TEAM = "mayor_team", "科技镇长团成员"
    BROKER = "broker", "技术经纪人"


class Grade(ChoiceEnum):
    """A specialist's diagnosis of an enterprise's need."""

    READY = "ready", "可对接"
    NEEDS_WORK = "needs_work", "需二次诊断"  # says what is missing; the enterprise is told
    LONG_TERM = "long_term", "长期跟踪"  # e.g. a 卡脖子 problem for a 揭榜挂帅 call
