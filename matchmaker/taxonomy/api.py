"""JSON API v1: the code tables a client needs to fill a posting (/api/v1/vocabularies)."""

from __future__ import annotations

from typing import Any

from flask import request

from matchmaker import policy
from matchmaker.api import inputs
from matchmaker.api.blueprint import bp
from matchmaker.core.apidoc import responds
from matchmaker.postings.models import (
    CooperationMode,
    IPStatus,
    Maturity,
    PostingKind,
    PostingStatus,
    Visibility,
)
from matchmaker.taxonomy import queries
from matchmaker.taxonomy.schemas import VocabulariesSchema


def _codes(enum: Any) -> list[dict[str, str]]:
    return [{"code": code, "label": label} for code, label in enum.choices()]


@bp.get("/vocabularies")
@bp.response(200, VocabulariesSchema, description="代码表。")
@bp.doc(
    operationId="getVocabularies",
    summary="代码表",
    description="各字段的可选值：类型、状态等为代码与中文名称，技术领域和镇区为当前启用的名称。",
    responses=responds({400: "带了不支持的参数。"}),
)
@policy.enforces(policy.PUBLIC)
def vocabularies() -> dict[str, Any]:
    inputs.reject_unknown_params(request.args, frozenset())
    return {
        "kinds": _codes(PostingKind),
        "statuses": _codes(PostingStatus),
        "visibility": _codes(Visibility),
        "cooperation_modes": _codes(CooperationMode),
        "maturity": _codes(Maturity),
        "ip_status": _codes(IPStatus),
        "fields": queries.names("field"),
        "towns": queries.names("town"),
    }
