"""How a user wants notifications by e-mail: the notifications capability's value types."""

from __future__ import annotations

from matchmaker.core.models import ChoiceEnum


class EmailMode(ChoiceEnum):
    """How a user wants notifications by e-mail (when the site can send mail at all)."""

    IMMEDIATE = "immediate", "每条通知立即发送邮件"
    DAILY = "daily", "每天汇总发送一封邮件"
    NEVER = "never", "不发送邮件，只在平台内查看"
