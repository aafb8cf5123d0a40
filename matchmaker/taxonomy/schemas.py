"""The API's code tables (/api/v1/vocabularies): what each field of a posting may hold."""

from __future__ import annotations

from matchmaker.core.apidoc import List, Nested, Output, String


class CodeSchema(Output):
    code = String(required=True)
    label = String(required=True)


def _codes() -> List:
    return List(Nested(CodeSchema))


class VocabulariesSchema(Output):
    kinds = _codes()
    statuses = _codes()
    visibility = _codes()
    cooperation_modes = _codes()
    maturity = _codes()
    ip_status = _codes()
    fields = List(String())
    towns = List(String())
