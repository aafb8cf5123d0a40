"""JSON API v1: the API's own description (/openapi.json, /docs)."""

from __future__ import annotations

from flask import jsonify, render_template
from werkzeug.wrappers import Response

from matchmaker import policy
from matchmaker.api import openapi
from matchmaker.api.blueprint import bp
from matchmaker.core import apidoc


@bp.get("/openapi.json")
@policy.enforces(policy.PUBLIC)
def openapi_json() -> Response:
    return jsonify(apidoc.document(openapi.spec()))


@bp.get("/docs")
@policy.enforces(policy.PUBLIC)
def docs() -> str:
    description = apidoc.document(openapi.spec())
    return render_template("api/docs.html", spec=description, operations=openapi.operations(description))
