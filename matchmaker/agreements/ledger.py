"""The agreement ledger as a workbook: every field, and per party what the 技术合同登记表 asks for
(name, 统一社会信用代码, type), so staff fill the registration form without retyping."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from matchmaker.agreements.models import Agreement
from matchmaker.agreements.values import PartySide
from matchmaker.core import clock
from matchmaker.core.spreadsheets import workbook

MAX_SIDE = 3  # parties per side in the ledger's columns (more are joined into the last one)

HEADERS = [
    "编号",
    "合同名称",
    "合同类别",
    "作价入股",
    "签订日期",
    "有效期自",
    "有效期至",
    *(f"甲方{n}{what}" for n in range(1, MAX_SIDE + 1) for what in ("名称", "统一社会信用代码", "类型")),
    *(f"乙方{n}{what}" for n in range(1, MAX_SIDE + 1) for what in ("名称", "统一社会信用代码", "类型")),
    "合同成交额（万元）",
    "技术交易额（万元）",
    "技术领域",
    "涉及的知识产权",
    "登记状态",
    "登记编号",
    "状态",
    "来自对接",
    "登记单位",
    "登记人",
    "确认人",
    "核验人",
    "核验时间",
    "退回理由",
    "备注",
]


def _amount(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _side(agreement: Agreement, side: PartySide) -> list[Any]:
    parties = [p for p in agreement.parties if p.side is side]
    cells: list[Any] = []
    for n in range(MAX_SIDE):
        if n < len(parties):
            chosen = parties[n:] if n == MAX_SIDE - 1 else [parties[n]]
            cells += [
                "；".join(p.name for p in chosen),
                "；".join(p.credit_code or "" for p in chosen),
                "；".join(p.party_type.label for p in chosen),
            ]
        else:
            cells += [None, None, None]
    return cells


def row(a: Agreement) -> list[Any]:
    return [
        a.id,
        a.title,
        a.type.label,
        "是" if a.equity else "否",
        a.signed_on.isoformat(),
        a.valid_from.isoformat() if a.valid_from else None,
        a.valid_until.isoformat() if a.valid_until else None,
        *_side(a, PartySide.BUYER),
        *_side(a, PartySide.SELLER),
        _amount(a.contract_amount),
        _amount(a.tech_amount),
        a.tech_field.name if a.tech_field else None,
        a.ip_involved,
        a.registration.label,
        a.registration_number,
        "已删除" if a.is_deleted else a.status.label,
        f"#{a.pairing_id}" if a.pairing_id else None,
        a.recorded_org.name,
        a.recorded_by.name,
        a.confirmed_by.name if a.confirmed_by else None,
        a.verified_by.name if a.verified_by else None,
        clock.local(a.verified_at).strftime("%Y-%m-%d %H:%M") if a.verified_at else None,  # site time
        a.return_reason,
        a.notes,
    ]


def xlsx(agreements: Iterable[Agreement], title: str = "协议台账") -> bytes:
    return workbook(title, HEADERS, (row(a) for a in agreements), widths={"合同名称": 36, "备注": 30})
