"""How the API names an organisation inside other resources (a call's enterprise, a proposal's
author, the pool's members): its id and name."""

from __future__ import annotations

from matchmaker.core.apidoc import Integer, Output, String


class OrganizationRefSchema(Output):
    """Component ``OrganizationRef``: the hand-written document's ``Organization`` while that exists."""

    id = Integer(required=True)
    name = String(required=True)
