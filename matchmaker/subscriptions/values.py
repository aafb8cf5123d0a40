"""What a subscription listens to and how often it speaks: the subscriptions capability's value types."""

from __future__ import annotations

from matchmaker.core.models import ChoiceEnum


class Basis(ChoiceEnum):
    """What a subscription listens to; codes are part of the public API."""

    SEARCH = "search", "按搜索条件（关键词、技术领域、镇区、信息类型）"
    PROPOSALS = "proposals", "本单位信息的新推荐（不低于设定的匹配度）"


class Frequency(ChoiceEnum):
    """How often a subscription's new items are sent; codes are part of the public API."""

    IMMEDIATE = "immediate", "即时（有新信息就通知）"
    DAILY = "daily", "每天汇总一次"
    WEEKLY = "weekly", "每周汇总一次"
