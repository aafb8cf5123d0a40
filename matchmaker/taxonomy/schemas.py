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
    # named apart from marshmallow's own Schema.fields; the answer's member is still "fields"
    tech_fields = List(String(), data_key="fields", attribute="fields")
    towns = List(String())
