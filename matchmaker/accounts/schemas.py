"""The API's view of accounts, declared once for every resource that names an organisation."""

from __future__ import annotations

from matchmaker.core.apidoc import Integer, Output, String


class OrganizationSchema(Output):
    """An organisation as other resources name it: its id and name."""

    id = Integer(required=True)
    name = String(required=True)
