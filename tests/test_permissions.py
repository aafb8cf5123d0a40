"""Who may do what: every route of the app for each kind of actor (anonymous, the owner, another
enterprise, a university, bureau staff). A route without an explicit expectation here fails
test_every_route_has_an_expectation: deny by default applies to tests too."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask, current_app, g, request
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from matchmaker import create_app, policy
from matchmaker.accounts.values import OrgStatus, OrgType
from matchmaker.core import clock
from matchmaker.core.extensions import db
from matchmaker.postings.values import PostingKind, PostingStatus
from tests.conftest import Auth, Factory, app_config, clone_database, close_connections, drop_database

ROLES = ("anon", "owner", "enterprise", "university", "bureau")


@dataclass
class World:
    emails: dict[str, str]
    draft: int
    pending: int
    published: int
    org: int  # a pending organisation to decide on
    token: int  # the owner's API token
    tokens: dict[str, str]  # each role's API token secret
    user: int  # another enterprise's user (to disable and enable)
    login: int  # a login of the owner's on another device
    plist: int  # a published list
    batch: int  # an import batch
    pairing: int  # the university's interest in the owner's published posting
    notification: int  # the owner's notice of it
    agreement: int  # recorded by the owner with the university, awaiting its confirmation
    agreement_file: int  # its evidence file
    call: int  # a 揭榜挂帅 call the bureau issued on the owner's published need, accepting proposals
    proposal: int  # the university's proposal to it
    proposal_file: int  # its attachment
    profile: int  # the owner's (verified) organisation, for 一企一册
    event: int  # an open event the owner and the university registered for
    meeting: int  # their 1:1 meeting in it
    owner_org: int
    university_org: int
    plan: int  # the 2023–2025 plan the migration seeds
    specialist: int  # a 技术经纪人 (of a 技术转移服务机构, not one of the roles) serving the owner
    assignment: int  # that assignment
    visit: int  # its visit to the owner, with notes
    found: int  # the need found there, awaiting the owner's confirmation
    subscription: int  # the owner's saved search (订阅推送)
    followup: int  # a follow-up question asked of the owner's organisation about the pairing


def build_world(app: Flask, make: Factory) -> World:
    from matchmaker.accounts import operations as accounts
    from matchmaker.accounts.models import LoginSession
    from matchmaker.notifications.models import Notification
    from matchmaker.postings import lists
    from matchmaker.postings.models import ImportBatch
    from matchmaker.postings.values import ListKind

    owner = make.user()
    emails = {
        "owner": owner,
        "enterprise": make.user(),
        "university": make.user(org_type=OrgType.UNIVERSITY),
        "bureau": make.bureau(),
    }
    published = make.posting(owner, PostingKind.RD_NEED, PostingStatus.PUBLISHED)
    other_device = app.test_client()
    other_device.post("/auth/login", data={"email": owner, "password": "lotus-pond-2026"})
    with app.app_context():
        bureau = accounts.find_user_by_email(emails["bureau"])
        plist = lists.publish_list(lists.Selection(ListKind.RD_NEEDS), actor=bureau).id
        batch = ImportBatch(actor=bureau, filename="x.csv")
        db.session.add(batch)
        db.session.commit()
        login = db.session.scalars(select(LoginSession.id).order_by(LoginSession.id.desc())).first()
        batch_id = batch.id
    pairing = make.pairing(emails["university"], published)
    agreement = make.agreement(owner, [(owner, "buyer"), (emails["university"], "seller")], status="recorded")
    with app.app_context():
        from matchmaker.agreements import operations as agreements
        from matchmaker.agreements.models import Agreement

        owner_user = accounts.find_user_by_email(owner)
        attachment = agreements.add_file(
            db.session.get(Agreement, agreement), b"%PDF-1.4 test", "合同.pdf", actor=owner_user
        )
        db.session.commit()
        agreement_file = attachment.id
    with app.app_context():
        owner_id = accounts.find_user_by_email(owner).id
        notification = db.session.scalars(
            select(Notification.id).where(Notification.user_id == owner_id, Notification.kind == "interest")
        ).one()
    with app.app_context():
        from matchmaker.events import operations as events
        from matchmaker.events.models import EventKind
        from matchmaker.postings.models import Posting

        bureau_user = accounts.find_user_by_email(emails["bureau"])
        event = events.create_event(
            events.EventDetails(
                title="产业链配套对接会",
                kind=EventKind.SUPPLY,
                held_on=clock.today() + timedelta(days=10),
                registration_deadline=clock.today() + timedelta(days=7),
                organisers="宝应县工业和信息化局",
                place="宝应县会议中心",
            ),
            actor=bureau_user,
        )
        events.register(
            event, actor=accounts.find_user_by_email(owner), postings=[db.session.get(Posting, published)]
        )
        events.register(event, actor=accounts.find_user_by_email(emails["university"]))
        meeting = events.add_meeting(
            event, make.org_of(owner), make.org_of(emails["university"]), 0, actor=bureau_user
        )
        db.session.commit()
        event_id, meeting_id = event.id, meeting.id
    call = make.call(emails["bureau"], [published])
    proposal = make.proposal(emails["university"], call)
    with app.app_context():
        from matchmaker.calls import operations as calls
        from matchmaker.calls.models import CallProposal

        proposal_file = calls.add_file(
            db.session.get(CallProposal, proposal),
            b"%PDF-1.4 test",
            "方案.pdf",
            actor=accounts.find_user_by_email(emails["university"]),
        ).id
        db.session.commit()
    with app.app_context():
        from matchmaker.subscriptions import operations as subscriptions
        from matchmaker.subscriptions.values import Basis, Frequency

        subscription = subscriptions.create(
            subscriptions.Details("主轴", Basis.SEARCH, Frequency.DAILY, query="主轴"),
            actor=accounts.find_user_by_email(owner),
        ).id
        db.session.commit()
    return World(
        emails=emails,
        draft=make.posting(owner, PostingKind.RD_NEED, PostingStatus.DRAFT),
        pending=make.posting(owner, PostingKind.RD_NEED, PostingStatus.PENDING),
        published=published,
        org=make.org(status=OrgStatus.PENDING),
        token=make.token_id(make.token(owner)),
        tokens={role: make.token(email) for role, email in emails.items()},
        user=make.user_id(emails["enterprise"]),
        login=login,
        plist=plist,
        batch=batch_id,
        pairing=pairing,
        notification=notification,
        agreement=agreement,
        agreement_file=agreement_file,
        call=call,
        proposal=proposal,
        proposal_file=proposal_file,
        profile=make.org_of(owner),
        event=event_id,
        meeting=meeting_id,
        owner_org=make.org_of(owner),
        university_org=make.org_of(emails["university"]),
        plan=_first_plan(app),
        **_specialist(app, make, emails["bureau"], make.org_of(owner)),
        subscription=subscription,
        followup=_followup(app, pairing, make.org_of(owner)),
    )


def _specialist(app: Flask, make: Factory, bureau_email: str, org_id: int) -> dict[str, int]:
    """A broker serving the owner, with a visit and a need found there (awaiting confirmation)."""
    from matchmaker.accounts import operations as accounts
    from matchmaker.accounts.models import Organization
    from matchmaker.postings.operations import PostingDetails
    from matchmaker.specialists import operations as specialists
    from matchmaker.specialists.values import SpecialistKind

    broker_email = make.user(org_type=OrgType.AGENCY)
    with app.app_context():
        staff = accounts.find_user_by_email(bureau_email)
        broker = accounts.find_user_by_email(broker_email)
        org = db.session.get(Organization, org_id)
        specialist = specialists.appoint(broker, SpecialistKind.BROKER, actor=staff)
        assignment = specialists.assign(specialist, org, actor=staff).assignment
        need = specialists.FoundNeed(
            PostingKind.RD_NEED,
            PostingDetails(
                title="走访发现的需求", description="走访时发现的研发需求，描述足够具体，超过二十个字。"
            ),
        )
        visit = specialists.record_visit(org, clock.today(), "王总", "走访记录正文。", [need], actor=broker)
        db.session.commit()
        return {
            "specialist": specialist.id,
            "assignment": assignment.id,
            "visit": visit.id,
            "found": visit.postings[0].id,
        }


def _followup(app: Flask, pairing: int, org: int) -> int:
    from matchmaker.followups.models import FollowUp

    with app.app_context():
        asked = FollowUp(
            pairing_id=pairing, organization_id=org, months=3, due_on=clock.today(), asked_on=clock.today()
        )
        db.session.add(asked)
        db.session.commit()
        return asked.id


def _first_plan(app: Flask) -> int:
    from matchmaker.agreements import plans

    with app.app_context():
        plan = plans.first_plan()
        assert plan is not None
        return plan.id


@pytest.fixture(scope="module")
def built_world(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Iterator[tuple[Path, World]]:
    """The world, built once for the module's thousand tests: each test gets a copy of its
    database and of its instance folder (search index, uploads), as the other fixtures copy the
    migrated template. Building it per test cost about a second each, twenty minutes of CI."""
    path = clone_database(template_db, tmp_path_factory.mktemp("world") / "matchmaker.sqlite3")
    app = create_app(app_config(path))
    world = build_world(app, Factory(app))
    for thread in threading.enumerate():  # a mail round the world's notices started
        if thread.name == "mail":
            thread.join()
    close_connections()  # PostgreSQL copies a template nobody is connected to
    yield path, world
    drop_database(path)


@pytest.fixture
def db_path(tmp_path: Path, built_world: tuple[Path, World]) -> Iterator[Path]:
    template, _ = built_world
    path = clone_database(template, tmp_path / "matchmaker.sqlite3")
    shutil.copytree(app_config(template)["INSTANCE_PATH"], app_config(path)["INSTANCE_PATH"])
    yield path
    drop_database(path)


@pytest.fixture
def world(built_world: tuple[Path, World]) -> World:
    return built_world[1]


def as_role(role: str, world: World, auth: Auth) -> None:
    if role != "anon":
        assert auth.login(world.emails[role]).status_code == 302


L = "login"  # redirected to the login page
# fmt: off
GET_MATRIX: list[tuple[str, tuple[object, ...]]] = [
    # url template                         anon owner enterprise university bureau
    ("/",                                  (200, 200, 200, 200, 200)),
    ("/postings/rd-need/",                 (200, 200, 200, 200, 200)),
    ("/postings/research-outcome/",        (200, 200, 200, 200, 200)),
    ("/postings/{published}",              (200, 200, 200, 200, 200)),
    ("/postings/{draft}",                  (404, 200, 404, 404, 200)),
    ("/postings/{pending}",                (404, 200, 404, 404, 200)),
    ("/postings/{draft}/edit",             (L,   200, 404, 404, 403)),
    ("/postings/{published}/edit",         (L,   302, 403, 403, 403)),
    ("/postings/{published}/withdraw",     (L,   200, 403, 403, 403)),  # asks first
    ("/postings/999999",                   (404, 404, 404, 404, 404)),
    ("/home",                              (L,   200, 200, 200, 200)),
    ("/postings/mine",                     (L,   200, 200, 200, 403)),
    ("/postings/new/rd-need",              (L,   200, 200, 403, 403)),
    ("/postings/new/supply-need",          (L,   200, 200, 403, 403)),
    ("/postings/new/supply-offer",         (L,   200, 200, 403, 403)),
    ("/postings/new/research-outcome",     (L,   403, 403, 200, 403)),
    ("/postings/new/nonsense",             (404, 404, 404, 404, 404)),
    ("/auth/register",                     (200, 302, 302, 302, 302)),
    ("/auth/login",                        (200, 302, 302, 302, 302)),
    ("/auth/organization",                 (L,   200, 200, 200, 200)),
    ("/auth/account",                      (L,   200, 200, 200, 200)),
    ("/auth/password",                     (L,   200, 200, 200, 200)),
    ("/review/postings",                   (L,   403, 403, 403, 200)),
    ("/review/postings/{pending}",         (L,   403, 403, 403, 200)),
    ("/review/organizations",              (L,   403, 403, 403, 200)),
    ("/review/organizations/{org}",        (L,   403, 403, 403, 200)),
    ("/admin/taxonomies/towns",            (L,   403, 403, 403, 200)),
    ("/admin/taxonomies/tech-fields/1",    (L,   403, 403, 403, 200)),
    ("/admin/taxonomies/nonsense",         (L,   403, 403, 403, 404)),
    ("/admin/users",                       (L,   403, 403, 403, 200)),
    ("/admin/imports",                     (L,   403, 403, 403, 200)),
    ("/admin/imports/template.xlsx",       (L,   403, 403, 403, 200)),
    ("/admin/search",                      (L,   403, 403, 403, 200)),
    ("/search?q=测试",                      (200, 200, 200, 200, 200)),
    ("/matches",                           (L,   200, 200, 200, 403)),
    ("/lists/",                            (200, 200, 200, 200, 200)),
    ("/lists/new",                         (L,   403, 403, 403, 200)),
    ("/lists/{plist}",                     (200, 200, 200, 200, 200)),
    ("/lists/{plist}.xlsx",                (200, 200, 200, 200, 200)),
    ("/admin/audit",                       (L,   403, 403, 403, 200)),
    ("/admin/audit.xlsx",                  (L,   403, 403, 403, 200)),
    ("/admin/imports/{batch}",             (L,   403, 403, 403, 200)),
    ("/favicon.ico",                       (200, 200, 200, 200, 200)),
    ("/api/v1/docs",                       (200, 200, 200, 200, 200)),
    ("/api/v1/openapi.json",               (200, 200, 200, 200, 200)),
    ("/pairings/{pairing}",                (L,   200, 404, 200, 200)),
    ("/pairings/",                         (L,   200, 200, 200, 403)),
    ("/pairings/new/{published}",          (L,   403, 200, 302, 403)),  # university: has one already
    ("/pairings/introduce",                (L,   403, 403, 403, 200)),
    ("/pairings/funnel",                   (L,   403, 403, 403, 200)),
    ("/pairings/list?stage=signed",        (L,   403, 403, 403, 200)),
    ("/notifications/",                    (L,   200, 200, 200, 200)),
    ("/account/subscriptions/",            (L,   200, 200, 200, 200)),
    ("/account/subscriptions/{subscription}",      (L, 200, 404, 404, 404)),  # one's own only
    ("/account/subscriptions/{subscription}/edit", (L, 200, 404, 404, 404)),
    ("/auth/forgot",                       (200, 302, 302, 302, 302)),
    ("/auth/reset/no-such-key",            (404, 404, 404, 404, 404)),
    ("/agreements/",                       (L,   200, 200, 200, 200)),
    ("/agreements/new",                    (L,   200, 200, 200, 200)),
    ("/agreements/{agreement}",            (L,   200, 404, 200, 200)),
    ("/agreements/{agreement}/edit",       (L,   200, 404, 403, 200)),  # the recorder and the bureau
    ("/agreements/{agreement}/files/{agreement_file}", (L, 200, 404, 200, 200)),
    ("/agreements/ledger.xlsx",            (L,   403, 403, 403, 200)),
    ("/agreements/dashboard",              (L,   403, 403, 403, 200)),  # public only when switched on
    ("/agreements/dashboard/list",         (L,   403, 403, 403, 200)),
    ("/agreements/dashboard.xlsx",         (L,   403, 403, 403, 200)),
    ("/agreements/indicators",             (L,   403, 403, 403, 200)),
    ("/agreements/indicators?plan={plan}", (L,   403, 403, 403, 200)),
    ("/agreements/dashboard?plan={plan}",  (L,   403, 403, 403, 200)),
    ("/agreements/plans",                  (L,   403, 403, 403, 200)),
    ("/agreements/plans/new",              (L,   403, 403, 403, 200)),
    ("/agreements/plans/{plan}/edit",      (L,   403, 403, 403, 200)),
    ("/agreements/plans/999999/edit",      (L,   403, 403, 403, 404)),
    ("/calls/",                            (200, 200, 200, 200, 200)),
    ("/calls/new",                         (L,   200, 200, 403, 200)),
    ("/calls/{call}",                      (200, 200, 200, 200, 200)),
    ("/calls/999999",                      (404, 404, 404, 404, 404)),
    ("/calls/{call}/propose",              (L,   403, 403, 302, 403)),  # university: to its proposal
    ("/calls/{call}/proposals/{proposal}", (L,   200, 404, 200, 200)),  # authors, the caller, the bureau
    ("/calls/{call}/proposals/{proposal}/edit", (L, 403, 404, 200, 403)),
    ("/calls/{call}/proposals/{proposal}/files/{proposal_file}", (L, 200, 404, 200, 200)),
    ("/events/",                           (200, 200, 200, 200, 200)),
    ("/events/{event}",                    (200, 200, 200, 200, 200)),
    ("/events/999999",                     (404, 404, 404, 404, 404)),
    ("/events/new",                        (L,   403, 403, 403, 200)),
    ("/events/{event}/edit",               (L,   403, 403, 403, 200)),
    ("/events/{event}/invitations",        (L,   403, 403, 403, 200)),
    ("/events/{event}/register",           (L,   200, 200, 200, 403)),  # the owner changes its registration
    ("/events/{event}/schedule",           (L,   403, 403, 403, 200)),
    ("/events/{event}/schedule/participants/{owner_org}", (L, 200, 403, 403, 200)),
    ("/events/{event}/schedule/tables/1",  (L,   403, 403, 403, 200)),
    ("/events/{event}/schedule/print",     (L,   403, 403, 403, 200)),
    ("/events/{event}/schedule.xlsx",      (L,   403, 403, 403, 200)),
    ("/events/{event}/outcomes",           (L,   403, 403, 403, 200)),
    ("/profiles/{profile}",                (L,   200, 200, 200, 200)),  # others: basic data only
    ("/profiles/{org}",                    (L,   404, 404, 404, 200)),  # not verified: the bureau only
    ("/profiles/999999",                   (L,   404, 404, 404, 404)),
    ("/profiles/pool",                     (L,   403, 403, 403, 200)),
    ("/profiles/pool/list?tier=none",      (L,   403, 403, 403, 200)),
    ("/profiles/pool.xlsx",                (L,   403, 403, 403, 200)),
    ("/specialists/results",               (L,   403, 403, 403, 200)),  # a specialist: their own row
    ("/specialists/results.xlsx",          (L,   403, 403, 403, 200)),
    ("/specialists/results/list?figure=visits&by=team&key=甲团", (L, 403, 403, 403, 200)),
    ("/profiles/pool?plan={plan}",         (L,   403, 403, 403, 200)),
    ("/specialists/",                      (L,   403, 403, 403, 200)),
    ("/specialists/{specialist}",          (L,   403, 403, 403, 200)),
    ("/specialists/999999",                (L,   403, 403, 403, 404)),
    ("/specialists/workbench",             (L,   403, 403, 403, 403)),  # none of them is a specialist
    ("/specialists/broker",                (L,   403, 403, 403, 403)),
    ("/specialists/enterprises/{owner_org}/visits/new", (L, 403, 403, 403, 403)),
    ("/specialists/visits/{visit}",        (L,   200, 404, 404, 200)),  # notes: the enterprise, its specialist, staff
    ("/specialists/needs/{found}",         (L,   200, 404, 404, 200)),  # the draft awaiting confirmation
    ("/specialists/needs/{published}",     (L,   404, 404, 404, 404)),  # not found on a visit
    ("/specialists/needs/{found}/diagnose", (L,  403, 403, 403, 403)),
    ("/specialists/mine",                  (L,   200, 200, 403, 403)),
    ("/postings/{found}",                  (404, 200, 404, 404, 200)),
    ("/followups/",                        (L,   200, 200, 200, 403)),
    ("/followups/{followup}",              (L,   200, 404, 404, 200)),  # the side asked, the bureau
    ("/followups/999999",                  (L,   404, 404, 404, 404)),
    ("/followups/staff",                   (L,   403, 403, 403, 200)),
    ("/followups/staff/list?answer=signed", (L,  403, 403, 403, 200)),
]

POST_MATRIX: list[tuple[str, tuple[object, ...]]] = [
    ("/specialists/appoint",               (L,   403, 403, 403, 422)),  # nobody chosen
    ("/specialists/{specialist}/assign",   (L,   403, 403, 403, 422)),  # no enterprise chosen
    ("/specialists/{specialist}/end",      (L,   403, 403, 403, 302)),
    ("/specialists/assignments/{assignment}/end", (L, 403, 403, 403, 302)),
    ("/specialists/enterprises/{owner_org}/visits/new", (L, 403, 403, 403, 403)),
    ("/specialists/visits/{visit}/needs",  (L,   403, 404, 404, 403)),
    ("/specialists/needs/{found}/diagnose", (L,  403, 403, 403, 403)),
    ("/specialists/broker",                (L,   403, 403, 403, 403)),
    ("/specialists/needs/{found}/confirm", (L,   302, 404, 404, 403)),
    ("/specialists/needs/{found}/refuse",  (L,   302, 404, 404, 403)),
    ("/specialists/needs/{found}/confirm-for", (L, 403, 404, 404, 302)),  # it has users: said, nothing done
    ("/postings/{draft}/submit",           (L,   302, 404, 404, 403)),
    ("/postings/{pending}/withdraw",       (L,   302, 404, 404, 403)),
    ("/postings/{published}/withdraw",     (L,   302, 403, 403, 403)),
    ("/postings/{published}/close",        (L,   302, 403, 403, 302)),
    ("/postings/{draft}/close",            (L,   302, 404, 404, 302)),
    ("/review/postings/{pending}/publish", (L,   403, 403, 403, 302)),
    ("/review/postings/{pending}/return",  (L,   403, 403, 403, 302)),
    ("/review/organizations/{org}/verify", (L,   403, 403, 403, 302)),
    ("/review/organizations/{org}/reject", (L,   403, 403, 403, 302)),
    ("/admin/taxonomies/towns",            (L,   403, 403, 403, 302)),
    ("/admin/taxonomies/towns/1",          (L,   403, 403, 403, 302)),
    ("/admin/users",                       (L,   403, 403, 403, 302)),
    ("/auth/organization/resubmit",        (L,   303, 303, 303, 303)),  # refused: not rejected
    ("/auth/account/tokens/{token}/revoke", (L,  302, 404, 404, 404)),  # only the token's own user
    ("/auth/account/logins/{login}/end",   (L,   302, 403, 403, 403)),  # only one's own logins
    ("/auth/account/logins/end-others",    (L,   302, 302, 302, 302)),
    ("/auth/account",                      (L,   200, 200, 200, 200)),  # a new token
    ("/auth/organization",                 (L,   200, 200, 200, 200)),  # the form, with its errors
    ("/auth/password",                     (L,   200, 200, 200, 200)),  # the form, with its errors
    ("/auth/login",                        (200, 302, 302, 302, 302)),
    ("/auth/register",                     (200, 302, 302, 302, 302)),
    ("/auth/logout",                       (302, 302, 302, 302, 302)),
    ("/postings/new/rd-need",              (L,   200, 200, 403, 403)),  # the form, with its errors
    ("/postings/{draft}/edit",             (L,   200, 404, 404, 403)),
    ("/admin/imports",                     (L,   403, 403, 403, 422)),  # no file
    ("/admin/imports/confirm",             (L,   403, 403, 403, 303)),  # no such upload
    ("/admin/search/reindex",              (L,   403, 403, 403, 302)),
    ("/admin/users/{user}/disable",        (L,   403, 403, 403, 303)),
    ("/admin/users/{user}/enable",         (L,   403, 403, 403, 303)),
    ("/lists/new",                         (L,   403, 403, 403, 200)),  # the preview
    ("/lists/{plist}/withdraw",            (L,   403, 403, 403, 302)),
    ("/pairings/new/{published}",          (L,   403, 302, 302, 403)),  # university: to its existing one
    ("/pairings/{pairing}/accept",         (L,   302, 404, 403, 403)),  # only the receiving side
    ("/pairings/{pairing}/decline",        (L,   302, 404, 403, 403)),
    ("/pairings/{pairing}/advance",        (L,   303, 404, 303, 303)),  # refused: not accepted yet
    ("/pairings/{pairing}/messages",       (L,   302, 404, 302, 403)),  # the two sides only
    ("/pairings/{pairing}/nudge",          (L,   403, 403, 403, 302)),
    ("/pairings/{pairing}/invite",         (L,   403, 403, 403, 303)),  # refused: it has an account
    ("/pairings/introduce",                (L,   403, 403, 403, 422)),  # no postings named
    ("/pairings/{pairing}/attribution",    (L,   403, 404, 403, 303)),  # no note: back, nothing saved
    ("/agreements/{agreement}/attribution", (L,  403, 404, 403, 303)),
    ("/notifications/{notification}/open", (L,   302, 404, 404, 404)),  # one's own only
    ("/notifications/read-all",            (L,   303, 303, 303, 303)),
    ("/auth/forgot",                       (200, 302, 302, 302, 302)),
    ("/auth/reset/no-such-key",            (404, 404, 404, 404, 404)),
    ("/auth/account/email",                (L,   302, 302, 302, 302)),
    ("/auth/account/queues",               (L,   403, 403, 403, 302)),  # bureau staff's setting
    ("/postings/{published}/renew",        (L,   303, 403, 403, 303)),  # refused: valid indefinitely
    ("/admin/users/{user}/one-time-password", (L, 403, 403, 403, 200)),
    ("/agreements/new",                    (L,   422, 422, 422, 422)),  # the form, with its errors
    ("/agreements/{agreement}/edit",       (L,   422, 404, 403, 422)),
    ("/agreements/{agreement}/confirm",    (L,   303, 404, 302, 403)),  # the other side confirms
    ("/agreements/{agreement}/verify",     (L,   403, 403, 403, 303)),  # refused: not confirmed yet
    ("/agreements/{agreement}/return",     (L,   403, 403, 403, 302)),
    ("/agreements/{agreement}/delete",     (L,   302, 404, 403, 302)),  # no reason given: back, nothing deleted
    ("/agreements/{agreement}/files",      (L,   302, 404, 403, 302)),  # no file: back
    ("/agreements/{agreement}/files/{agreement_file}/delete", (L, 302, 404, 403, 302)),
    ("/agreements/indicators",             (L,   403, 403, 403, 302)),
    ("/agreements/plans/new",              (L,   403, 403, 403, 422)),  # the form, with its errors
    ("/agreements/plans/{plan}/edit",      (L,   403, 403, 403, 422)),
    ("/agreements/plans/{plan}/close",     (L,   403, 403, 403, 302)),
    ("/calls/new",                         (L,   422, 422, 403, 422)),  # the form, with its errors
    ("/calls/{call}/approve",              (L,   403, 403, 403, 303)),  # refused: already open
    ("/calls/{call}/cancel",               (L,   302, 403, 403, 302)),  # the caller and the bureau
    ("/calls/{call}/invite",               (L,   403, 403, 403, 302)),  # nobody named: back
    ("/calls/{call}/award",                (L,   302, 403, 403, 302)),  # no proposal chosen: back
    ("/calls/{call}/propose",              (L,   403, 403, 302, 403)),  # university: has one already
    ("/calls/{call}/proposals/{proposal}/edit",     (L, 403, 404, 422, 403)),
    ("/calls/{call}/proposals/{proposal}/withdraw", (L, 403, 404, 302, 403)),
    ("/calls/{call}/proposals/{proposal}/files",    (L, 403, 404, 302, 403)),  # no file: back
    ("/calls/{call}/proposals/{proposal}/files/{proposal_file}/delete", (L, 403, 404, 302, 403)),
    ("/calls/{call}/proposals/{proposal}/score",    (L, 303, 404, 403, 303)),  # before the deadline: refused
    ("/events/new",                        (L,   403, 403, 403, 422)),  # the form, with its errors
    ("/events/{event}/edit",               (L,   403, 403, 403, 422)),
    ("/events/{event}/held",               (L,   403, 403, 403, 303)),  # refused: not held yet
    ("/events/{event}/cancel",             (L,   403, 403, 403, 302)),
    ("/events/{event}/invitations",        (L,   403, 403, 403, 302)),  # nobody chosen: back
    ("/events/{event}/register",           (L,   302, 302, 302, 403)),  # owner, university: changed
    ("/events/{event}/register/cancel",    (L,   302, 404, 302, 404)),
    ("/events/{event}/requests",           (L,   302, 403, 302, 403)),  # nobody chosen: back
    ("/events/{event}/schedule",           (L,   403, 403, 403, 302)),
    ("/events/{event}/meetings",           (L,   403, 403, 403, 302)),  # nobody chosen: back
    ("/events/{event}/meetings/{meeting}/move",    (L, 403, 403, 403, 302)),
    ("/events/{event}/meetings/{meeting}/remove",  (L, 403, 403, 403, 302)),
    ("/events/{event}/meetings/{meeting}/outcome", (L, 403, 403, 403, 302)),
    ("/profiles/{profile}/tier",           (L,   403, 403, 403, 422)),  # the form, with its errors
    ("/profiles/{profile}/measures",       (L,   403, 403, 403, 422)),
    ("/profiles/pool/targets",             (L,   403, 403, 403, 302)),  # no tier named: back, nothing saved
    ("/account/subscriptions/",            (L,   200, 200, 200, 200)),  # the form, with its errors
    ("/account/subscriptions/{subscription}/edit",   (L, 200, 404, 404, 404)),  # one's own only
    ("/account/subscriptions/{subscription}/cancel", (L, 302, 404, 404, 404)),
    ("/followups/{followup}",              (L,   422, 404, 404, 403)),  # no answer chosen; only its side answers
]
API_MATRIX: list[tuple[str, str, tuple[object, ...]]] = [
    # method url                            anon owner enterprise university bureau (by their tokens)
    ("get",  "/api/v1/postings",            (401, 200, 200, 200, 200)),
    ("post", "/api/v1/postings",            (401, 201, 201, 403, 403)),
    ("get",  "/api/v1/postings/{draft}",    (401, 200, 404, 404, 200)),
    ("get",  "/api/v1/postings/{published}/matches", (401, 200, 200, 200, 200)),
    ("get",  "/api/v1/vocabularies",        (401, 200, 200, 200, 200)),
    ("get",  "/api/v1/pairings",            (401, 200, 200, 200, 200)),
    ("post", "/api/v1/pairings",            (401, 403, 201, 422, 403)),  # university: has one already
    ("get",  "/api/v1/pairings/{pairing}",  (401, 200, 404, 200, 200)),
    ("post", "/api/v1/pairings/{pairing}/accept",   (401, 200, 404, 403, 403)),
    ("post", "/api/v1/pairings/{pairing}/decline",  (401, 200, 404, 403, 403)),
    ("post", "/api/v1/pairings/{pairing}/advance",  (401, 409, 404, 409, 409)),  # not accepted yet
    ("get",  "/api/v1/pairings/{pairing}/messages", (401, 200, 404, 200, 200)),
    ("post", "/api/v1/pairings/{pairing}/messages", (401, 201, 404, 201, 403)),
    ("get",  "/api/v1/notifications",       (401, 200, 200, 200, 200)),
    ("get",  "/api/v1/subscriptions",       (401, 200, 200, 200, 200)),
    ("post", "/api/v1/subscriptions",       (401, 201, 201, 201, 201)),
    ("get",  "/api/v1/subscriptions/{subscription}",    (401, 200, 404, 404, 404)),  # one's own only
    ("patch", "/api/v1/subscriptions/{subscription}",   (401, 200, 404, 404, 404)),
    ("delete", "/api/v1/subscriptions/{subscription}",  (401, 200, 404, 404, 404)),
    ("post", "/api/v1/notifications/{notification}/read", (401, 200, 404, 404, 404)),
    ("get",  "/api/v1/agreements",          (401, 200, 200, 200, 200)),
    ("post", "/api/v1/agreements",          (401, 422, 422, 422, 422)),  # parties missing
    ("get",  "/api/v1/agreements/{agreement}", (401, 200, 404, 200, 200)),
    ("patch", "/api/v1/agreements/{agreement}", (401, 200, 404, 403, 200)),  # the recorder, staff
    ("post", "/api/v1/agreements/{agreement}/confirm", (401, 409, 404, 200, 403)),
    ("post", "/api/v1/agreements/{agreement}/verify",  (401, 403, 404, 403, 409)),
    ("post", "/api/v1/agreements/{agreement}/return",  (401, 403, 404, 403, 200)),
    ("get",  "/api/v1/indicators",          (401, 403, 403, 403, 200)),
    ("get",  "/api/v1/calls",               (401, 200, 200, 200, 200)),
    ("get",  "/api/v1/calls/{call}",        (401, 200, 200, 200, 200)),
    ("get",  "/api/v1/calls/{call}/proposals", (401, 200, 200, 200, 200)),  # each sees what it may
    ("post", "/api/v1/calls/{call}/proposals", (401, 403, 403, 422, 403)),  # university: has one already
    ("post", "/api/v1/calls/{call}/approve",  (401, 403, 403, 403, 409)),  # already open
    ("post", "/api/v1/calls/{call}/proposals/{proposal}/withdraw", (401, 403, 404, 200, 403)),
    ("post", "/api/v1/calls/{call}/proposals/{proposal}/scores",   (401, 409, 404, 403, 409)),  # before the deadline
    ("post", "/api/v1/calls/{call}/award",    (401, 409, 403, 403, 409)),  # before the deadline
    ("post", "/api/v1/calls",                 (401, 201, 422, 403, 201)),  # enterprise: not its need
    ("post", "/api/v1/calls/{call}/cancel",   (401, 200, 403, 403, 200)),  # the calling enterprise, staff
    ("get",  "/api/v1/calls/{call}/candidates",  (401, 403, 403, 403, 200)),
    ("post", "/api/v1/calls/{call}/invitations", (401, 403, 403, 403, 200)),
    ("patch", "/api/v1/calls/{call}/proposals/{proposal}", (401, 403, 404, 200, 403)),  # its author
    ("get",  "/api/v1/organizations/{profile}/profile", (401, 200, 200, 200, 200)),
    ("get",  "/api/v1/organizations/{org}/profile",     (401, 404, 404, 404, 200)),
    ("get",  "/api/v1/pool",                (401, 403, 403, 403, 200)),
    ("post", "/api/v1/organizations/{profile}/tier-changes", (401, 403, 403, 403, 201)),
    ("post", "/api/v1/organizations/{profile}/measures",     (401, 403, 403, 403, 201)),
    ("post", "/api/v1/pool/targets",        (401, 403, 403, 403, 200)),
    ("get",  "/api/v1/specialists/results", (401, 403, 403, 403, 200)),
    ("get",  "/api/v1/specialists/results/records?figure=visits&by=team&key=甲团", (401, 403, 403, 403, 200)),
    ("post", "/api/v1/pairings/{pairing}/attribution",     (401, 403, 404, 403, 422)),  # nothing changes
    ("post", "/api/v1/agreements/{agreement}/attribution", (401, 403, 404, 403, 422)),
    ("get",  "/api/v1/plans",               (401, 403, 403, 403, 200)),
    ("post", "/api/v1/plans",               (401, 403, 403, 403, 201)),
    ("get",  "/api/v1/plans/{plan}",        (401, 403, 403, 403, 200)),
    ("patch", "/api/v1/plans/{plan}",       (401, 403, 403, 403, 200)),
    ("get",  "/api/v1/plans/{plan}/targets",   (401, 403, 403, 403, 200)),
    ("patch", "/api/v1/plans/{plan}/targets",  (401, 403, 403, 403, 200)),
    ("get",  "/api/v1/plans/999999",        (401, 403, 403, 403, 404)),
    ("get",  "/api/v1/events",              (401, 200, 200, 200, 200)),
    ("get",  "/api/v1/events/{event}",      (401, 200, 200, 200, 200)),
    ("get",  "/api/v1/events/{event}/meetings",     (401, 200, 403, 200, 200)),  # participants, staff
    ("post", "/api/v1/events/{event}/registration", (401, 200, 201, 200, 403)),  # changed / new
    ("post", "/api/v1/events/{event}/meeting-requests", (401, 422, 403, 201, 403)),  # owner: itself
    ("post", "/api/v1/events/{event}/schedule",     (401, 403, 403, 403, 200)),
    ("post", "/api/v1/events",                      (401, 403, 403, 403, 201)),
    ("patch", "/api/v1/events/{event}",             (401, 403, 403, 403, 200)),
    ("post", "/api/v1/events/{event}/held",         (401, 403, 403, 403, 409)),  # before its date
    ("post", "/api/v1/events/{event}/cancel",       (401, 403, 403, 403, 200)),
    ("get",  "/api/v1/events/{event}/invitations",  (401, 403, 403, 403, 200)),
    ("post", "/api/v1/events/{event}/invitations",  (401, 403, 403, 403, 200)),
    ("delete", "/api/v1/events/{event}/registration", (401, 204, 404, 204, 404)),  # not registered: 404
    ("post", "/api/v1/events/{event}/meetings",     (401, 403, 403, 403, 422)),  # the two meet already
    ("patch", "/api/v1/events/{event}/meetings/{meeting}",  (401, 403, 403, 403, 200)),
    ("delete", "/api/v1/events/{event}/meetings/{meeting}", (401, 403, 403, 403, 204)),
    ("post", "/api/v1/events/{event}/meetings/{meeting}/outcome", (401, 403, 403, 403, 409)),  # not held yet
    ("get",  "/api/v1/specialists",         (401, 403, 403, 403, 200)),
    ("post", "/api/v1/specialists",         (401, 403, 403, 403, 422)),  # no such user
    ("post", "/api/v1/specialists/{specialist}/assignments", (401, 403, 403, 403, 422)),  # assigned already
    ("post", "/api/v1/specialist-assignments/{assignment}/end", (401, 403, 403, 403, 200)),
    ("get",  "/api/v1/visits",              (401, 200, 200, 200, 200)),  # each sees what it may
    ("get",  "/api/v1/visits/{visit}",      (401, 200, 404, 404, 200)),
    ("post", "/api/v1/visits",              (401, 403, 403, 403, 403)),  # none of them is a specialist
    ("post", "/api/v1/postings/{found}/confirm",     (401, 200, 404, 404, 403)),
    ("post", "/api/v1/postings/{found}/refuse",      (401, 200, 404, 404, 403)),
    ("post", "/api/v1/postings/{found}/confirm-for", (401, 403, 404, 404, 409)),  # it has users
    ("get",  "/api/v1/postings/{found}/diagnoses",   (401, 200, 404, 404, 200)),
    ("post", "/api/v1/postings/{published}/diagnoses", (401, 403, 403, 403, 403)),
    ("get",  "/api/v1/followups",           (401, 200, 200, 200, 403)),
    ("post", "/api/v1/followups/{followup}/answer", (401, 200, 404, 404, 403)),  # its side only
    ("get",  "/api/v1/followups/all",       (401, 403, 403, 403, 200)),
    ("get",  "/api/v1/followups/figures",   (401, 403, 403, 403, 200)),
]
API_BODIES = {
    "/api/v1/specialists": {"user_id": 999999, "kind": "service"},
    "/api/v1/specialists/{specialist}/assignments": {"organization_id": "{owner_org}"},
    "/api/v1/specialist-assignments/{assignment}/end": {},
    "/api/v1/visits": {"organization_id": "{owner_org}", "visited_on": "2025-01-01", "met": "王总", "notes": "走访记录。"},
    "/api/v1/postings/{found}/confirm": {},
    "/api/v1/postings/{found}/refuse": {"reason": "不是我们的需求。"},
    "/api/v1/postings/{found}/confirm-for": {"reason": "电话核实，同意发布。"},
    "/api/v1/postings/{published}/diagnoses": {"grade": "ready"},
    "/api/v1/subscriptions": {"basis": "search", "frequency": "daily", "query": "热变形"},
    "/api/v1/subscriptions/{subscription}": {"frequency": "weekly"},
    "/api/v1/pairings/{pairing}/attribution": {"note": "没有变化"},
    "/api/v1/agreements/{agreement}/attribution": {"note": "没有变化"},
    "/api/v1/calls/{call}/approve": {},
    "/api/v1/calls/{call}/proposals/{proposal}/withdraw": {},
    "/api/v1/calls/{call}/proposals/{proposal}/scores": {"scores": []},
    "/api/v1/calls/{call}/award": {"proposal_id": "{proposal}", "reason": "方案最可行。"},
    "/api/v1/calls": {
        "title": "接口发布的榜单",
        "problem": "主轴热变形导致加工精度下降，需要热误差建模与补偿。",
        "deliverables": "补偿系统一套。",
        "budget": 50,
        "deadline": (clock.today() + timedelta(days=30)).isoformat(),
        "eligibility": "江苏省内高校院所",
        "need_ids": ["{published}"],
    },
    "/api/v1/calls/{call}/cancel": {"reason": "企业需求已变更。"},
    "/api/v1/organizations/{profile}/tier-changes": {"tier": "省级专精特新中小企业", "effective_on": "2024-06-12"},
    "/api/v1/organizations/{profile}/measures": {"kind": "class1_ip", "value": 3, "as_of": "2024-12-31"},
    "/api/v1/pool/targets": {"tier": "省级专精特新中小企业", "value": 45, "plan_id": "{plan}"},
    "/api/v1/plans": {"name": "宝应县专精特新企业培育行动计划（2027—2029年）", "start_year": 2027, "end_year": 2029},
    "/api/v1/plans/{plan}": {"doc_number": "宝政办发〔2023〕1号"},
    "/api/v1/plans/{plan}/targets": {"targets": [{"indicator": "tech_transfer", "period": "2024", "value": 6}]},
    "/api/v1/calls/{call}/invitations": {"organization_id": "{university_org}"},
    "/api/v1/calls/{call}/proposals/{proposal}": {"price": 40},
    "/api/v1/events/{event}/registration": {},
    "/api/v1/events/{event}/meeting-requests": {"organization_id": "{owner_org}"},
    "/api/v1/events/{event}/schedule": {},
    "/api/v1/events": {
        "title": "成果发布会（接口创建）",
        "kind": "launch",
        "held_on": "2030-05-20",
        "registration_deadline": "2030-05-10",
        "organisers": "宝应县科学技术局",
        "place": "宝应县科技创新中心",
    },
    "/api/v1/events/{event}": {"capacity": 10},
    "/api/v1/events/{event}/held": {},
    "/api/v1/events/{event}/cancel": {"reason": "场地临时调整，改期另行通知。"},
    "/api/v1/events/{event}/invitations": {"organization_ids": []},
    "/api/v1/events/{event}/meetings": {"a_id": "{owner_org}", "b_id": "{university_org}", "slot": 1},
    "/api/v1/events/{event}/meetings/{meeting}": {"slot": 1},
    "/api/v1/events/{event}/meetings/{meeting}/outcome": {"outcome": "held"},
    "/api/v1/agreements": {"type": "tech_service", "title": "一份技术服务合同", "signed_on": "2025-01-01"},
    "/api/v1/agreements/{agreement}/return": {"reason": "请上传合同扫描件。"},
    "/api/v1/agreements/{agreement}": {"notes": "补充：合同原件已寄送主管部门。"},
    "/api/v1/agreements/{agreement}/confirm": {},
    "/api/v1/agreements/{agreement}/verify": {},
    "/api/v1/pairings": {"target_posting_id": "{published}", "message": "我们对这条需求很感兴趣。"},
    "/api/v1/pairings/{pairing}/decline": {"reason": "cost"},
    "/api/v1/pairings/{pairing}/advance": {"to": "negotiating"},
    "/api/v1/pairings/{pairing}/messages": {"text": "你好"},
    "/api/v1/pairings/{pairing}/accept": {},
    "/api/v1/notifications/{notification}/read": {},
    "/api/v1/followups/{followup}/answer": {"answer": "negotiating"},
    "/api/v1/calls/{call}/proposals": {
        "approach": "采用多传感器温度场测量与神经网络热误差建模，实时补偿主轴热伸长。",
        "team": "教授1名、博士生4名。",
        "schedule": "6个月完成样机验证。",
        "price": 50,
    },
}
# fmt: on
POST_DATA = {
    "reason": "abandoned",
    "list_kind": "rd_needs",
    "note": "",
    "name": "新镇区",
    "position": "5",
    "org_name": "宝应县科学技术局",
    "email": "staff@example.com",
    "password": "lotus-pond-2026",
}
POST_DATA_BY_URL = {
    "/pairings/new/{published}": {"message": "我们对这条需求很感兴趣。"},
    "/pairings/{pairing}/decline": {"reason": "cost"},
    "/pairings/{pairing}/advance": {"to": "negotiating"},
    "/pairings/{pairing}/messages": {"text": "你好"},
    "/auth/account/email": {"email_mode": "never"},
    "/review/postings/{pending}/return": {"reason": "请补充技术指标和应用场景。"},
    "/review/organizations/{org}/reject": {"reason": "营业执照信息与名称不符。"},
}


NEW_POSTING = {
    "kind": "rd_need",
    "title": "接口发布的需求",
    "description": "通过接口发布的研发需求，描述足够长，超过二十个字。",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "expected"), API_MATRIX, ids=[f"{m} {u}" for m, u, _ in API_MATRIX]
)
def test_api_routes(
    client: FlaskClient, world: World, role: str, method: str, url: str, expected: tuple[object, ...]
) -> None:
    headers = {"Authorization": f"Bearer {world.tokens[role]}"} if role != "anon" else {}
    kwargs = {}
    if method in ("post", "patch"):
        body = API_BODIES.get(url, NEW_POSTING)
        ids = ("{published}", "{owner_org}", "{university_org}", "{proposal}", "{plan}")
        kwargs = {"json": {k: _filled(v, world, ids) for k, v in body.items()}}
    with client:
        response = getattr(client, method)(url.format(**vars(world)), headers=headers, **kwargs)
        assert response.status_code == expected[ROLES.index(role)]
        refused_in_chinese(response)
        if role != "anon":  # without a token the API answers 401 before any rule
            asked_what_it_declares(response.status_code, expected[ROLES.index(role)])


def _filled(value: object, world: World, ids: tuple[str, ...]) -> object:
    """A body member with the world's ids put in (alone or in a list)."""
    if isinstance(value, list):
        return [_filled(v, world, ids) for v in value]
    return int(value.format(**vars(world))) if value in ids else value


def test_every_route_has_an_expectation(app: Flask, world: World) -> None:
    """Walks app.url_map: every endpoint and method must appear in a matrix above."""
    from werkzeug.exceptions import NotFound

    adapter = app.url_map.bind("localhost")
    covered = set()
    tried = [
        (url, method) for matrix, method in ((GET_MATRIX, "GET"), (POST_MATRIX, "POST")) for url, _ in matrix
    ]
    tried += [(url, method.upper()) for method, url, _ in API_MATRIX]
    for url, method in tried:
        with suppress(NotFound):  # an expectation that the URL does not exist (a nonsense kind)
            covered.add((adapter.match(url.format(**vars(world)).split("?")[0], method=method)[0], method))
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method in ("GET", "POST", "PATCH", "PUT", "DELETE") and rule.endpoint != "static"
    }
    assert sorted(routes - covered) == []


def check(response: TestResponse, expected: object) -> None:
    if expected == L:
        assert response.status_code == 302 and response.location and "/auth/login" in response.location
    else:
        assert response.status_code == expected
    refused_in_chinese(response)
    asked_what_it_declares(response.status_code, expected)


def refused_in_chinese(response: TestResponse) -> None:
    """A refusal says why, in Chinese (the policy's message, or its 请先登录 / 仅限主管部门)."""
    if response.status_code == 403:
        text = response.get_json()["message"] if response.is_json else response.get_data(as_text=True)
        assert re.search(r"[\u4e00-\u9fff]{4,}.*。", text), text[:200]


def asked_what_it_declares(status: int, expected: object) -> None:
    """The request just made (inside ``with client``) asked the policy at least one action its
    endpoint declares (policy.enforces): the declaration is the wiring, not a comment. A refusal
    (403) must come from a declared action. Not for the login redirect or a 404 found before any
    rule applies, nor for PUBLIC endpoints."""
    declared = (
        set(policy.actions_of(current_app.view_functions[request.endpoint])) if request.endpoint else set()
    )
    if expected == L or status == 404 or not declared or policy.PUBLIC in declared:
        return
    asked = g.get("policy_asked", set())
    assert asked & declared, f"{request.endpoint} declares {sorted(declared)} but asked {sorted(asked)}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("url", "expected"), GET_MATRIX, ids=[u for u, _ in GET_MATRIX])
def test_get_routes(
    client: FlaskClient, auth: Auth, world: World, role: str, url: str, expected: tuple[object, ...]
) -> None:
    as_role(role, world, auth)
    with client, client.get(url.format(**vars(world))) as response:
        check(response, expected[ROLES.index(role)])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("url", "expected"), POST_MATRIX, ids=[u for u, _ in POST_MATRIX])
def test_post_routes(
    client: FlaskClient, auth: Auth, world: World, role: str, url: str, expected: tuple[object, ...]
) -> None:
    as_role(role, world, auth)
    data = POST_DATA_BY_URL.get(url, POST_DATA)
    with client:
        response = client.post(url.format(**vars(world)), data=data)
        check(response, expected[ROLES.index(role)])


@pytest.mark.parametrize(
    "url",
    [
        "/postings/{draft}/submit",
        "/review/postings/{pending}/publish",
        "/review/organizations/{org}/verify",
        "/auth/logout",
    ],
)
def test_state_changes_refuse_get(client: FlaskClient, auth: Auth, world: World, url: str) -> None:
    as_role("bureau", world, auth)
    assert client.get(url.format(**vars(world))).status_code == 405
