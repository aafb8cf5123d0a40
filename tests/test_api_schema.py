"""Property-based conformance: Schemathesis generates requests from /api/v1/openapi.json, valid and
invalid, and every response must be documented, match its schema, be JSON, and never be a 5xx."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from matchmaker import create_app
from matchmaker.accounts.values import OrgType
from matchmaker.core import clock
from matchmaker.core.extensions import db
from matchmaker.postings.values import PostingKind, PostingStatus
from tests.conftest import Factory, app_config, clone_database


@pytest.fixture(scope="module")
def api_world(
    tmp_path_factory: pytest.TempPathFactory, template_db: Path
) -> Iterator[tuple[Flask, str, str]]:
    """One app for the whole run (Hypothesis calls the test many times), with postings to find; an
    enterprise's token and a bureau staff member's."""
    path = clone_database(template_db, tmp_path_factory.mktemp("api-schema") / "matchmaker.sqlite3")
    app = create_app(app_config(path, RATELIMIT_ENABLED=False))
    make = Factory(app)
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    for n in range(3):
        need = make.posting(
            enterprise, PostingKind.RD_NEED, title=f"数控机床主轴热变形补偿{n}", tech_field="先进制造"
        )
        make.posting(university, PostingKind.RESEARCH_OUTCOME, title=f"机床热误差建模与补偿技术{n}")
        pairing = make.pairing(
            university, need
        )  # interest for the token's holder to answer, and notifications
        with app.app_context():  # a follow-up question for the token's holder to answer (回访)
            from matchmaker.followups.models import FollowUp

            today = clock.today()
            db.session.add(
                FollowUp(
                    pairing_id=pairing,
                    organization_id=make.org_of(enterprise),
                    months=3,
                    due_on=today,
                    asked_on=today,
                )
            )
            db.session.commit()
        make.agreement(university, [(enterprise, "buyer"), (university, "seller")], status="recorded")
        make.agreement(enterprise, [(enterprise, "buyer"), (university, "seller")], status="confirmed")
    make.posting(enterprise, PostingKind.SUPPLY_NEED, PostingStatus.DRAFT)
    call = make.call(enterprise, [need])  # a 揭榜挂帅 call of the token's enterprise, with a proposal
    make.proposal(university, call)
    with app.app_context():  # an event the token's enterprise registered for, with its schedule
        from datetime import timedelta

        from matchmaker.accounts import operations as accounts
        from matchmaker.events import operations as events
        from matchmaker.events.models import EventKind

        staff = accounts.find_user_by_email(make.bureau())
        event = events.create_event(
            events.EventDetails(
                title="产业链配套对接会",
                kind=EventKind.SUPPLY,
                held_on=clock.today() + timedelta(days=10),
                registration_deadline=clock.today() + timedelta(days=7),
                organisers="宝应县工业和信息化局",
                place="宝应县会议中心",
            ),
            actor=staff,
        )
        events.register(event, actor=accounts.find_user_by_email(enterprise))
        events.register(event, actor=accounts.find_user_by_email(university))
        events.add_meeting(event, make.org_of(enterprise), make.org_of(university), 0, actor=staff)
        from matchmaker.subscriptions import operations as subscriptions
        from matchmaker.subscriptions.values import Basis, Frequency

        subscriptions.create(  # a subscription of the token's holder, to read, change and cancel
            subscriptions.Details("热变形", Basis.SEARCH, Frequency.DAILY, query="热变形"),
            actor=accounts.find_user_by_email(enterprise),
        )
        db.session.commit()
    yield app, make.token(enterprise), make.token(make.bureau())
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(api_world: tuple[Flask, str, str]) -> schemathesis.BaseSchema:
    app, token, _ = api_world
    return _schema(app, token)


@pytest.fixture(scope="module")
def staff_schema(api_world: tuple[Flask, str, str]) -> schemathesis.BaseSchema:
    """The same description called with a bureau token: the staff's operations read their bodies
    only after the role check, which the enterprise's token never passes."""
    app, _, token = api_world
    return _schema(app, token)


def _schema(app: Flask, token: str) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)

    class BearerToken:
        """Schemathesis applies the token itself, so it knows which requests are authenticated."""

        def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> str:
            return token

        def set(self, case: schemathesis.Case, data: str, context: schemathesis.AuthContext) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    schema.auth.auth()(BearerToken)
    return schema


OPERATIONS = [
    ("/postings", "GET"),
    ("/postings", "POST"),
    ("/postings/{posting_id}", "GET"),
    ("/postings/{posting_id}/matches", "GET"),
    ("/vocabularies", "GET"),
    ("/openapi.json", "GET"),
    ("/pairings", "GET"),
    ("/pairings", "POST"),
    ("/pairings/{pairing_id}", "GET"),
    ("/pairings/{pairing_id}/accept", "POST"),
    ("/pairings/{pairing_id}/decline", "POST"),
    ("/pairings/{pairing_id}/advance", "POST"),
    ("/pairings/{pairing_id}/messages", "GET"),
    ("/pairings/{pairing_id}/messages", "POST"),
    ("/notifications", "GET"),
    ("/notifications/{notification_id}/read", "POST"),
    ("/agreements", "GET"),
    ("/agreements", "POST"),
    ("/agreements/{agreement_id}", "GET"),
    ("/agreements/{agreement_id}", "PATCH"),
    ("/agreements/{agreement_id}/confirm", "POST"),
    ("/agreements/{agreement_id}/verify", "POST"),
    ("/agreements/{agreement_id}/return", "POST"),
    ("/indicators", "GET"),
    ("/calls", "GET"),
    ("/calls/{call_id}", "GET"),
    ("/calls/{call_id}/proposals", "GET"),
    ("/calls/{call_id}/proposals", "POST"),
    ("/calls/{call_id}/approve", "POST"),
    ("/calls/{call_id}/proposals/{proposal_id}/withdraw", "POST"),
    ("/calls/{call_id}/proposals/{proposal_id}/scores", "POST"),
    ("/calls/{call_id}/award", "POST"),
    ("/calls", "POST"),
    ("/calls/{call_id}/cancel", "POST"),
    ("/calls/{call_id}/candidates", "GET"),
    ("/calls/{call_id}/invitations", "POST"),
    ("/calls/{call_id}/proposals/{proposal_id}", "PATCH"),
    ("/organizations/{organization_id}/profile", "GET"),
    ("/pool", "GET"),
    ("/pool/targets", "POST"),
    ("/organizations/{organization_id}/tier-changes", "POST"),
    ("/organizations/{organization_id}/measures", "POST"),
    ("/events", "GET"),
    ("/events/{event_id}", "GET"),
    ("/events/{event_id}/meetings", "GET"),
    ("/events/{event_id}/registration", "POST"),
    ("/events/{event_id}/meeting-requests", "POST"),
    ("/events/{event_id}/schedule", "POST"),
    ("/events", "POST"),
    ("/events/{event_id}", "PATCH"),
    ("/events/{event_id}/held", "POST"),
    ("/events/{event_id}/cancel", "POST"),
    ("/events/{event_id}/invitations", "GET"),
    ("/events/{event_id}/invitations", "POST"),
    ("/events/{event_id}/registration", "DELETE"),
    ("/events/{event_id}/meetings", "POST"),
    ("/events/{event_id}/meetings/{meeting_id}", "PATCH"),
    ("/events/{event_id}/meetings/{meeting_id}", "DELETE"),
    ("/events/{event_id}/meetings/{meeting_id}/outcome", "POST"),
    ("/plans", "GET"),
    ("/plans", "POST"),
    ("/plans/{plan_id}", "GET"),
    ("/plans/{plan_id}", "PATCH"),
    ("/plans/{plan_id}/targets", "GET"),
    ("/plans/{plan_id}/targets", "PATCH"),
    ("/specialists", "GET"),
    ("/specialists", "POST"),
    ("/specialists/{specialist_id}/assignments", "POST"),
    ("/specialist-assignments/{assignment_id}/end", "POST"),
    ("/visits", "GET"),
    ("/visits", "POST"),
    ("/visits/{visit_id}", "GET"),
    ("/postings/{posting_id}/confirm", "POST"),
    ("/postings/{posting_id}/refuse", "POST"),
    ("/postings/{posting_id}/confirm-for", "POST"),
    ("/postings/{posting_id}/diagnoses", "GET"),
    ("/postings/{posting_id}/diagnoses", "POST"),
    ("/subscriptions", "GET"),
    ("/subscriptions", "POST"),
    ("/subscriptions/{subscription_id}", "GET"),
    ("/subscriptions/{subscription_id}", "PATCH"),
    ("/subscriptions/{subscription_id}", "DELETE"),
    ("/specialists/results", "GET"),
    ("/specialists/results/records", "GET"),
    ("/pairings/{pairing_id}/attribution", "POST"),
    ("/agreements/{agreement_id}/attribution", "POST"),
    ("/followups", "GET"),
    ("/followups/{followup_id}/answer", "POST"),
    ("/followups/all", "GET"),
    ("/followups/figures", "GET"),
]


def test_every_operation_is_exercised(api_world: tuple[Flask, str, str]) -> None:
    app, _, _ = api_world
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert {(path, method.upper()) for path, item in spec["paths"].items() for method in item} == set(
        OPERATIONS
    )


# Operations only bureau staff get past the role check of (the events, calls and pool they run),
# the ones that end an event or a call last.
STAFF_OPERATIONS = [
    ("/events", "POST"),
    ("/events/{event_id}", "PATCH"),
    ("/events/{event_id}/invitations", "GET"),
    ("/events/{event_id}/invitations", "POST"),
    ("/events/{event_id}/schedule", "POST"),
    ("/events/{event_id}/meetings", "POST"),
    ("/events/{event_id}/meetings/{meeting_id}", "PATCH"),
    ("/events/{event_id}/meetings/{meeting_id}/outcome", "POST"),
    ("/events/{event_id}/meetings/{meeting_id}", "DELETE"),
    ("/calls", "POST"),
    ("/calls/{call_id}/candidates", "GET"),
    ("/calls/{call_id}/invitations", "POST"),
    ("/calls/{call_id}/proposals/{proposal_id}/scores", "POST"),
    ("/calls/{call_id}/award", "POST"),
    ("/pool", "GET"),
    ("/pool/targets", "POST"),
    ("/organizations/{organization_id}/tier-changes", "POST"),
    ("/organizations/{organization_id}/measures", "POST"),
    ("/events/{event_id}/held", "POST"),
    ("/events/{event_id}/cancel", "POST"),
    ("/calls/{call_id}/cancel", "POST"),
    ("/agreements/{agreement_id}", "PATCH"),
    ("/specialists", "GET"),
    ("/specialists", "POST"),
    ("/specialists/{specialist_id}/assignments", "POST"),
    ("/specialist-assignments/{assignment_id}/end", "POST"),
    ("/postings/{posting_id}/confirm-for", "POST"),
    ("/followups/all", "GET"),
    ("/followups/figures", "GET"),
    ("/plans", "GET"),
    ("/plans", "POST"),
    ("/plans/{plan_id}", "GET"),
    ("/plans/{plan_id}/targets", "GET"),
    ("/plans/{plan_id}/targets", "PATCH"),
    ("/specialists/results", "GET"),
    ("/specialists/results/records", "GET"),
    ("/pairings/{pairing_id}/attribution", "POST"),
    ("/agreements/{agreement_id}/attribution", "POST"),
    ("/plans/{plan_id}", "PATCH"),  # last: it may close the plan
]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# Examples per operation, mode and token: in the default run enough for every operation to be called
# with valid and invalid input by each kind of token; `scripts/test --deep` (or the variable) asks
# for 100, as every run did before (docs/PERFORMANCE.md: when to run it).
EXAMPLES = int(os.environ.get("MATCHMAKER_SCHEMATHESIS_EXAMPLES") or 15)
CASES = [
    (path, method, mode)
    for path, method in OPERATIONS
    for mode in MODES
    if (path, mode) != ("/openapi.json", GenerationMode.NEGATIVE)  # no inputs: nothing to get wrong
]
STAFF_CASES = [(path, method, mode) for path, method in STAFF_OPERATIONS for mode in MODES]


@pytest.mark.parametrize(("path", "method", "mode"), CASES, ids=[f"{m} {p} {g.value}" for p, m, g in CASES])
def test_api_conforms_to_its_description(
    api_schema: schemathesis.BaseSchema,
    path: str,
    method: str,
    mode: GenerationMode,
) -> None:
    conforms(api_schema, path, method, mode)


@pytest.mark.parametrize(
    ("path", "method", "mode"), STAFF_CASES, ids=[f"{m} {p} {g.value}" for p, m, g in STAFF_CASES]
)
def test_the_staff_operations_conform_with_a_staff_token(
    staff_schema: schemathesis.BaseSchema,
    path: str,
    method: str,
    mode: GenerationMode,
) -> None:
    conforms(staff_schema, path, method, mode)


def conforms(schema: schemathesis.BaseSchema, path: str, method: str, mode: GenerationMode) -> None:
    @given(case=schema[path][method].as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def call(case: schemathesis.Case) -> None:
        response = case.call_and_validate(
            # "Valid per the schema" can't capture every rule (a date not in the past, a term
            # that exists): those answer 422 with reasons, tested one by one in test_api.py.
            excluded_checks=[positive_data_acceptance],
        )
        statuses[response.status_code] += 1

    statuses: Counter[int] = Counter()
    call()
    if mode is GenerationMode.POSITIVE:  # the token was applied to every valid request
        assert statuses and not statuses[401], statuses
