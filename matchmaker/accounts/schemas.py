"""The API's view of an organisation, as other resources embed it (component ``Organization``)."""

from __future__ import annotations

from matchmaker.core.apidoc import Integer, Output, String


class OrganizationSchema(Output):
    id = Integer(required=True)
    name = String(required=True)
