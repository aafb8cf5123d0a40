"""Every endpoint of the app, web and API, declares what it asks the policy before it acts
(policy.enforces; policy.requires declares its action itself), or that it is open to everyone
(policy.PUBLIC): deny by default applies to the wiring too. An endpoint added without a
declaration fails here, named in the message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from matchmaker import create_app, policy
from matchmaker.core.extensions import db
from matchmaker.policy import requires
from tests.conftest import app_config, clone_database, drop_database


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Iterator[Flask]:
    """One app for the module: only its URL map and view functions are read."""
    path = clone_database(template_db, tmp_path_factory.mktemp("endpoint-actions") / "matchmaker.sqlite3")
    app = create_app(app_config(path))
    yield app
    with app.app_context():
        db.engine.dispose()
    drop_database(path)


def declared(app: Flask) -> dict[str, tuple[str, ...]]:
    """Each endpoint of the URL map (but the static files) with the actions it declares."""
    return {
        rule.endpoint: policy.actions_of(app.view_functions[rule.endpoint])
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
    }


def test_every_endpoint_declares_what_it_enforces(site: Flask) -> None:
    endpoints = declared(site)
    assert len(endpoints) > 150  # the whole map, web and API, not some corner of it
    offenders = sorted(endpoint for endpoint, actions in endpoints.items() if not actions)
    assert not offenders, (
        f"{len(offenders)} endpoint(s) declare no action: add @policy.enforces(...) under the route "
        "(the actions of policy.RULES the view asks, or policy.PUBLIC): " + ", ".join(offenders)
    )


def test_declared_actions_are_rules_or_public(site: Flask) -> None:
    unknown = sorted(
        f"{endpoint}: {action}"
        for endpoint, actions in declared(site).items()
        for action in actions
        if action != policy.PUBLIC and action not in policy.RULES
    )
    assert not unknown, "actions that are not in policy.RULES: " + "; ".join(unknown)


def test_public_endpoints_ask_nothing_else(site: Flask) -> None:
    """PUBLIC means no rule to ask: an endpoint that asks one declares that action instead."""
    mixed = sorted(
        endpoint
        for endpoint, actions in declared(site).items()
        if policy.PUBLIC in actions and set(actions) != {policy.PUBLIC}
    )
    assert not mixed, "PUBLIC together with actions of RULES: " + ", ".join(mixed)


@pytest.mark.parametrize("actions", [("posting.fly",), ("posting.view", "posting.fly"), ("Public",), ()])
def test_enforces_refuses_what_is_not_an_action(actions: tuple[str, ...]) -> None:
    with pytest.raises(LookupError):
        policy.enforces(*actions)


def test_enforces_and_requires_declare_on_the_view() -> None:
    def view() -> str:
        return ""

    assert policy.actions_of(view) == ()
    assert policy.actions_of(policy.enforces("posting.view", "posting.edit")(view)) == (
        "posting.view",
        "posting.edit",
    )
    assert policy.actions_of(requires("audit.view")(lambda: "")) == ("audit.view",)
    assert policy.actions_of(policy.enforces(policy.PUBLIC)(lambda: "")) == (policy.PUBLIC,)
