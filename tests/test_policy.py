"""The policy as a table: (actor, object, action) → allowed, asked of ``policy.may`` directly — a
pure function of plain objects, no app, no database, no HTTP. Every rule in ``policy.RULES`` has at
least one actor it allows and one it refuses here (test_every_rule_is_in_the_table), so loosening a
rule (``agreement.verify`` for any member, contacts for anyone) fails this file in a second.

Whether each endpoint asks the rule it should is the other half: tests/test_endpoint_actions.py
(every endpoint declares its action) and tests/test_permissions.py (requests per route and role)."""

from __future__ import annotations

from types import SimpleNamespace as Obj
from typing import Any

import pytest

from matchmaker import policy
from matchmaker.accounts.values import Role
from matchmaker.agreements.values import AgreementStatus
from matchmaker.calls.models import CallStatus
from matchmaker.core.exceptions import PermissionDenied
from matchmaker.pairings.values import PairingState
from matchmaker.postings.values import Confirmation, PostingKind, PostingStatus, Visibility

# Organisations: 1 and 2 verified enterprises, 3 an unverified one, 4 a verified university,
# 5 an unverified university, 9 a bureau.
ENT, ENT2, ENT_PENDING, UNI, UNI_PENDING, AGENCY, BUREAU = 1, 2, 3, 4, 5, 7, 9


def user(
    org: int,
    role: Role,
    *,
    verified: bool = True,
    uid: int | None = None,
    serves: frozenset[int] | None = None,
) -> Obj:
    """``serves``: the actor is a specialist (服务专员…) assigned to these organisations."""
    return Obj(
        is_authenticated=True,
        id=uid or org * 10,
        role=role,
        organization_id=org,
        organization=Obj(id=org, is_verified=verified),
        appointment=Obj(kind="service") if serves is not None else None,
        served_org_ids=serves or frozenset(),
    )


ACTORS: dict[str, Any] = {
    "anon": Obj(is_authenticated=False, role=None, organization_id=None),
    "ent": user(ENT, Role.ENTERPRISE),
    "ent2": user(ENT2, Role.ENTERPRISE),
    "ent_pending": user(ENT_PENDING, Role.ENTERPRISE, verified=False),
    "uni": user(UNI, Role.UNIVERSITY),
    "uni_pending": user(UNI_PENDING, Role.UNIVERSITY, verified=False),
    "bureau": user(BUREAU, Role.BUREAU),
    # specialists from a 技术转移服务机构 (7): one serving ENT, one serving nobody
    "spec": user(AGENCY, Role.AGENCY, uid=71, serves=frozenset({ENT})),
    "spec_idle": user(AGENCY, Role.AGENCY, uid=72, serves=frozenset()),
}


def posting(
    org: int = ENT,
    status: PostingStatus = PostingStatus.PUBLISHED,
    visibility: Visibility = Visibility.PUBLIC,
    *,
    expired: bool = False,
    kind: PostingKind = PostingKind.RD_NEED,
) -> Obj:
    return Obj(
        organization_id=org,
        status=status,
        visibility=visibility,
        is_expired=expired,
        kind=kind,
        visit_id=None,
        confirmation=None,
    )


def found(org: int = ENT, *, kind: PostingKind = PostingKind.RD_NEED) -> Obj:
    """A need a specialist wrote on a visit, awaiting the enterprise's confirmation (a draft)."""
    return Obj(
        organization_id=org,
        status=PostingStatus.DRAFT,
        visibility=Visibility.PUBLIC,
        is_expired=False,
        kind=kind,
        visit_id=5,
        confirmation=Confirmation.AWAITING,
    )


def visit(org: int = ENT) -> Obj:
    return Obj(organization_id=org)


def pairing(
    state: PairingState = PairingState.INTERESTED,
    initiator: int = UNI,
    target: int = ENT,
    *,
    brokered: bool = False,
    broker: int | None = None,
) -> Obj:
    """``brokered``: the target organisation has no user account (居间对接); ``broker``: the
    specialist user who introduced it."""
    return Obj(
        state=state,
        initiator_org_id=initiator,
        target_org_id=target,
        is_party=lambda org: org in (initiator, target),
        brokered=brokered,
        brokered_by_id=broker,
    )


def agreement(
    status: AgreementStatus = AgreementStatus.RECORDED, recorder: int = ENT, parties=(ENT, UNI)
) -> Obj:
    return Obj(status=status, recorded_org_id=recorder, party_org_ids=set(parties))


def call(status: CallStatus = CallStatus.OPEN, enterprise: int | None = ENT) -> Obj:
    return Obj(status=status, enterprise_id=enterprise)


def proposal(org: int = UNI, of_call: Obj | None = None) -> Obj:
    return Obj(organization_id=org, call=of_call or call())


def org(org_id: int, *, verified: bool = True) -> Obj:
    return Obj(id=org_id, is_verified=verified)


def followup(org: int = ENT) -> Obj:
    """A follow-up question asked of ``org`` (the "spec" actor serves enterprise 1)."""
    return Obj(organization_id=org)


NONE: Any = None
# fmt: off
TABLE: list[tuple[str, str, Any, bool]] = [
    # action                       actor          object                                              allowed
    ("posting.view",              "anon",        posting(),                                           True),
    ("posting.view",              "anon",        posting(visibility=Visibility.MEMBERS),              False),
    ("posting.view",              "ent2",        posting(visibility=Visibility.MEMBERS),              True),
    ("posting.view",              "ent2",        posting(visibility=Visibility.BUREAU),               False),
    ("posting.view",              "bureau",      posting(visibility=Visibility.BUREAU),               True),
    ("posting.view",              "ent",         posting(status=PostingStatus.DRAFT),                 True),
    ("posting.view",              "ent2",        posting(status=PostingStatus.DRAFT),                 False),
    ("posting.view",              "uni",         posting(status=PostingStatus.PENDING),               False),
    ("posting.view",              "bureau",      posting(status=PostingStatus.PENDING),               True),
    ("posting.create",            "ent",         PostingKind.RD_NEED.value,                           True),
    ("posting.create",            "ent",         PostingKind.RESEARCH_OUTCOME.value,                  False),
    ("posting.create",            "uni",         PostingKind.RESEARCH_OUTCOME.value,                  True),
    ("posting.create",            "uni",         PostingKind.SUPPLY_OFFER.value,                      False),
    ("posting.create",            "bureau",      PostingKind.RD_NEED.value,                           False),
    ("posting.create",            "anon",        PostingKind.RD_NEED.value,                           False),
    ("posting.edit",              "ent",         posting(),                                           True),
    ("posting.edit",              "ent2",        posting(),                                           False),
    ("posting.edit",              "bureau",      posting(),                                           False),
    ("posting.submit",            "ent",         posting(status=PostingStatus.DRAFT),                 True),
    ("posting.submit",            "bureau",      posting(status=PostingStatus.DRAFT),                 False),
    ("posting.withdraw",          "ent",         posting(),                                           True),
    ("posting.withdraw",          "uni",         posting(),                                           False),
    ("posting.close",             "ent",         posting(),                                           True),
    ("posting.close",             "bureau",      posting(),                                           True),
    ("posting.close",             "ent2",        posting(),                                           False),
    ("posting.renew",             "bureau",      posting(),                                           True),
    ("posting.renew",             "uni",         posting(),                                           False),
    ("posting.review",            "bureau",      posting(status=PostingStatus.PENDING),               True),
    ("posting.review",            "ent",         posting(status=PostingStatus.PENDING),               False),
    ("posting.see_confidential",  "ent",         posting(),                                           True),
    ("posting.see_confidential",  "bureau",      posting(),                                           True),
    ("posting.see_confidential",  "uni",         posting(),                                           False),
    ("posting.see_contacts",      "ent",         posting(),                                           True),
    ("posting.see_contacts",      "bureau",      posting(),                                           True),
    ("posting.see_contacts",      "anon",        posting(),                                           False),
    ("posting.express_interest",  "uni",         posting(),                                           True),
    ("posting.express_interest",  "ent2",        posting(),                                           True),
    ("posting.express_interest",  "ent",         posting(),                                           False),  # its own
    ("posting.express_interest",  "uni_pending", posting(),                                           False),
    ("posting.express_interest",  "bureau",      posting(),                                           False),
    ("posting.express_interest",  "anon",        posting(),                                           False),
    ("posting.express_interest",  "uni",         posting(expired=True),                               False),
    ("posting.express_interest",  "uni",         posting(status=PostingStatus.CLOSED),                False),
    ("posting.express_interest",  "uni",         posting(visibility=Visibility.BUREAU),               False),
    ("list.see_contacts",         "bureau",      NONE,                                                True),
    ("list.see_contacts",         "ent",         NONE,                                                False),
    ("pairing.view",              "uni",         pairing(),                                           True),
    ("pairing.view",              "ent",         pairing(),                                           True),
    ("pairing.view",              "bureau",      pairing(),                                           True),
    ("pairing.view",              "ent2",        pairing(),                                           False),
    ("pairing.view",              "anon",        pairing(),                                           False),
    ("pairing.answer",            "ent",         pairing(),                                           True),
    ("pairing.answer",            "uni",         pairing(),                                           False),  # it asked
    ("pairing.answer",            "bureau",      pairing(),                                           False),
    ("pairing.answer",            "ent",         pairing(initiator=ENT, target=ENT),                  False),  # both hats
    ("pairing.answer",            "bureau",      pairing(brokered=True),                              True),   # 居间对接
    ("pairing.answer",            "uni",         pairing(brokered=True),                              False),
    ("pairing.answer",            "ent2",        pairing(brokered=True),                              False),
    ("pairing.advance",           "uni",         pairing(PairingState.CONTACTED),                     True),
    ("pairing.advance",           "bureau",      pairing(PairingState.CONTACTED),                     True),
    ("pairing.advance",           "ent2",        pairing(PairingState.CONTACTED),                     False),
    ("pairing.message",           "ent",         pairing(),                                           True),
    ("pairing.message",           "bureau",      pairing(),                                           False),
    ("pairing.message",           "bureau",      pairing(brokered=True),                              True),   # 居间对接
    ("pairing.message",           "ent2",        pairing(brokered=True),                              False),
    ("pairing.introduce",         "bureau",      NONE,                                                True),
    ("pairing.introduce",         "ent",         NONE,                                                False),
    ("pairing.nudge",             "bureau",      NONE,                                                True),
    ("pairing.nudge",             "uni",         NONE,                                                False),
    ("pairing.see_contacts",      "ent",         pairing(PairingState.CONTACTED),                     True),
    ("pairing.see_contacts",      "ent",         pairing(PairingState.INTERESTED),                    False),
    ("pairing.see_contacts",      "bureau",      pairing(PairingState.INTERESTED),                    True),
    ("pairing.see_contacts",      "ent2",        pairing(PairingState.CONTACTED),                     False),
    ("pairings.own",              "ent",         NONE,                                                True),
    ("pairings.own",              "uni",         NONE,                                                True),
    ("pairings.own",              "bureau",      NONE,                                                False),
    ("pairings.own",              "anon",        NONE,                                                False),
    ("pipeline.view",             "bureau",      NONE,                                                True),
    ("pipeline.view",             "ent",         NONE,                                                False),
    ("notifications.own",         "ent",         NONE,                                                True),
    ("notifications.own",         "anon",        NONE,                                                False),
    ("postings.own",              "uni",         NONE,                                                True),
    ("postings.own",              "bureau",      NONE,                                                False),
    ("agreement.record",          "ent",         NONE,                                                True),
    ("agreement.record",          "bureau",      NONE,                                                True),
    ("agreement.record",          "ent_pending", NONE,                                                False),
    ("agreement.record",          "anon",        NONE,                                                False),
    ("agreement.view",            "ent",         agreement(),                                         True),
    ("agreement.view",            "uni",         agreement(),                                         True),
    ("agreement.view",            "bureau",      agreement(),                                         True),
    ("agreement.view",            "ent2",        agreement(),                                         False),
    ("agreement.view",            "ent",         agreement(recorder=BUREAU, parties=(ENT2, UNI)),     False),
    ("agreement.view",            "bureau",      agreement(recorder=ENT, parties=(ENT, UNI)),         True),
    ("agreement.edit",            "ent",         agreement(),                                         True),  # the recorder
    ("agreement.edit",            "bureau",      agreement(),                                         True),
    ("agreement.edit",            "uni",         agreement(),                                         False),  # a party, not the recorder
    ("agreement.confirm",         "uni",         agreement(),                                         True),
    ("agreement.confirm",         "ent2",        agreement(),                                         False),
    ("agreement.confirm",         "anon",        agreement(),                                         False),
    ("agreement.confirm",         "uni_pending", agreement(parties=(ENT, UNI_PENDING)),               False),  # unverified
    ("agreement.verify",          "bureau",      agreement(AgreementStatus.CONFIRMED),                True),
    ("agreement.verify",          "ent",         agreement(AgreementStatus.CONFIRMED),                False),
    ("agreement.verify",          "uni",         agreement(AgreementStatus.CONFIRMED),                False),
    ("agreement.delete",          "ent",         agreement(),                                         True),
    ("agreement.delete",          "ent",         agreement(AgreementStatus.VERIFIED),                 False),
    ("agreement.delete",          "bureau",      agreement(AgreementStatus.VERIFIED),                 True),
    ("agreement.delete",          "uni",         agreement(),                                         False),
    ("agreements.own",            "ent",         NONE,                                                True),
    ("agreements.own",            "bureau",      NONE,                                                False),
    ("agreements.ledger",         "bureau",      NONE,                                                True),
    ("agreements.ledger",         "ent",         NONE,                                                False),
    ("indicators.edit",           "bureau",      NONE,                                                True),
    ("indicators.edit",           "uni",         NONE,                                                False),
    ("queues.notify",             "bureau",      NONE,                                                True),
    ("queues.notify",             "ent",         NONE,                                                False),
    ("plans.edit",                "bureau",      NONE,                                                True),
    ("plans.edit",                "ent",         NONE,                                                False),
    ("dashboard.view",            "bureau",      NONE,                                                True),
    ("dashboard.view",            "anon",        NONE,                                                False),
    ("organization.edit",         "ent",         org(ENT),                                            True),
    ("organization.edit",         "bureau",      org(ENT),                                            True),
    ("organization.edit",         "ent2",        org(ENT),                                            False),
    ("organization.resubmit",     "ent_pending", org(ENT_PENDING, verified=False),                    True),
    ("organization.resubmit",     "bureau",      org(ENT_PENDING, verified=False),                    False),
    ("organization.verify",       "bureau",      org(ENT_PENDING, verified=False),                    True),
    ("organization.verify",       "ent",         org(ENT_PENDING, verified=False),                    False),
    ("user.create",               "bureau",      NONE,                                                True),
    ("user.create",               "ent",         NONE,                                                False),
    ("user.disable",              "bureau",      Obj(id=10),                                          True),
    ("user.disable",              "bureau",      Obj(id=90),                                          False),  # oneself
    ("user.disable",              "ent",         Obj(id=20),                                          False),
    ("account.own",               "ent",         Obj(user_id=10),                                     True),
    ("account.own",               "ent2",        Obj(user_id=10),                                     False),
    ("account.own",               "bureau",      Obj(user_id=10),                                     False),
    ("account.manage",            "ent",         ACTORS["ent"],                                       True),
    ("account.manage",            "bureau",      ACTORS["ent"],                                       False),
    ("account.manage",            "anon",        NONE,                                                False),
    ("subscription.create",       "ent",         NONE,                                                True),
    ("subscription.create",       "bureau",      NONE,                                                True),
    ("subscription.create",       "anon",        NONE,                                                False),
    ("subscription.view",         "ent",         Obj(user_id=10),                                     True),
    ("subscription.view",         "ent2",        Obj(user_id=10),                                     False),
    ("subscription.view",         "bureau",      Obj(user_id=10),                                     False),  # not even staff
    ("subscription.edit",         "ent",         Obj(user_id=10, cancelled_at=None),                  True),
    ("subscription.edit",         "ent",         Obj(user_id=10, cancelled_at="2026-12-01"),          False),  # cancelled
    ("subscription.edit",         "ent2",        Obj(user_id=10, cancelled_at=None),                  False),
    ("term.manage",               "bureau",      NONE,                                                True),
    ("term.manage",               "ent",         NONE,                                                False),
    ("import.run",                "bureau",      NONE,                                                True),
    ("import.run",                "uni",         NONE,                                                False),
    ("list.publish",              "bureau",      NONE,                                                True),
    ("list.publish",              "ent",         NONE,                                                False),
    ("list.withdraw",             "bureau",      NONE,                                                True),
    ("list.withdraw",             "ent",         NONE,                                                False),
    ("index.manage",              "bureau",      NONE,                                                True),
    ("index.manage",              "ent",         NONE,                                                False),
    ("audit.view",                "bureau",      NONE,                                                True),
    ("audit.view",                "uni",         NONE,                                                False),
    ("event.view",                "anon",        NONE,                                                True),
    ("event.see_participants",    "ent",         NONE,                                                True),
    ("event.see_participants",    "anon",        NONE,                                                False),
    ("event.create",              "bureau",      NONE,                                                True),
    ("event.create",              "ent",         NONE,                                                False),
    ("event.edit",                "bureau",      NONE,                                                True),
    ("event.edit",                "uni",         NONE,                                                False),
    ("event.manage",              "bureau",      NONE,                                                True),
    ("event.manage",              "ent",         NONE,                                                False),
    ("event.invite",              "bureau",      NONE,                                                True),
    ("event.invite",              "ent",         NONE,                                                False),
    ("event.register",            "ent",         NONE,                                                True),
    ("event.register",            "uni",         NONE,                                                True),
    ("event.register",            "ent_pending", NONE,                                                False),
    ("event.register",            "bureau",      NONE,                                                False),
    ("registration.edit",         "ent",         Obj(organization_id=ENT),                            True),
    ("registration.edit",         "bureau",      Obj(organization_id=ENT),                            True),
    ("registration.edit",         "ent2",        Obj(organization_id=ENT),                            False),
    ("registration.edit",         "ent",         NONE,                                                False),  # not registered
    ("registration.view",         "ent",         Obj(organization_id=ENT),                            True),
    ("registration.view",         "uni",         Obj(organization_id=ENT),                            False),
    ("call.view",                 "anon",        call(),                                              True),
    ("call.view",                 "anon",        call(CallStatus.AWARDED),                            True),
    ("call.view",                 "anon",        call(CallStatus.PENDING),                            False),
    ("call.view",                 "ent2",        call(CallStatus.CANCELLED),                          False),
    ("call.view",                 "ent",         call(CallStatus.PENDING),                            True),
    ("call.view",                 "bureau",      call(CallStatus.CANCELLED),                          True),
    ("call.create",               "ent",         NONE,                                                True),
    ("call.create",               "bureau",      NONE,                                                True),
    ("call.create",               "ent_pending", NONE,                                                False),
    ("call.create",               "uni",         NONE,                                                False),
    ("call.approve",              "bureau",      call(CallStatus.PENDING),                            True),
    ("call.approve",              "ent",         call(CallStatus.PENDING),                            False),
    ("call.cancel",               "ent",         call(),                                              True),
    ("call.cancel",               "bureau",      call(),                                              True),
    ("call.cancel",               "ent2",        call(),                                              False),
    ("call.propose",              "uni",         call(),                                              True),
    ("call.propose",              "uni_pending", call(),                                              False),
    ("call.propose",              "ent",         call(),                                              False),
    ("call.review",               "ent",         call(),                                              True),
    ("call.review",               "bureau",      call(),                                              True),
    ("call.review",               "uni",         call(),                                              False),
    ("call.award",                "ent",         call(),                                              True),
    ("call.award",                "ent2",        call(),                                              False),
    ("call.invite",               "bureau",      call(),                                              True),
    ("call.invite",               "ent",         call(),                                              False),
    ("proposal.view",             "uni",         proposal(),                                          True),
    ("proposal.view",             "ent",         proposal(),                                          True),  # the caller
    ("proposal.view",             "bureau",      proposal(),                                          True),
    ("proposal.view",             "ent2",        proposal(),                                          False),
    ("proposal.view",             "uni",         proposal(org=UNI_PENDING),                           False),  # another's
    ("proposal.edit",             "uni",         proposal(),                                          True),
    ("proposal.edit",             "ent",         proposal(),                                          False),
    ("proposal.score",            "ent",         proposal(),                                          True),
    ("proposal.score",            "bureau",      proposal(),                                          True),
    ("proposal.score",            "uni",         proposal(),                                          False),  # its own
    ("proposal.see_scores",       "ent",         proposal(),                                          True),  # the caller
    ("proposal.see_scores",       "bureau",      proposal(),                                          True),
    ("proposal.see_scores",       "uni",         proposal(),                                          False),  # before the award
    ("proposal.see_scores",       "uni",         proposal(of_call=call(CallStatus.AWARDED)),          True),  # its own, after
    ("proposal.see_scores",       "uni_pending", proposal(of_call=call(CallStatus.AWARDED)),          False),  # another's
    ("proposal.see_reviewers",    "ent",         proposal(),                                          True),
    ("proposal.see_reviewers",    "uni",         proposal(of_call=call(CallStatus.AWARDED)),          False),  # never
    ("profile.view",              "ent2",        org(ENT),                                            True),
    ("profile.view",              "ent2",        org(ENT_PENDING, verified=False),                    False),
    ("profile.view",              "ent_pending", org(ENT_PENDING, verified=False),                    True),
    ("profile.view",              "bureau",      org(ENT_PENDING, verified=False),                    True),
    ("profile.view",              "anon",        org(ENT),                                            False),
    ("profile.see_indicators",    "ent",         org(ENT),                                            True),
    ("profile.see_indicators",    "ent2",        org(ENT),                                            False),
    ("profile.see_records",       "bureau",      org(ENT),                                            True),
    ("profile.see_records",       "uni",         org(ENT),                                            False),
    ("profile.edit",              "bureau",      org(ENT),                                            True),
    ("profile.edit",              "ent",         org(ENT),                                            False),
    ("pool.view",                 "bureau",      NONE,                                                True),
    ("pool.view",                 "ent",         NONE,                                                False),
    ("pool.targets",              "bureau",      NONE,                                                True),
    ("pool.targets",              "uni",         NONE,                                                False),
    # specialists: visit notes and unconfirmed drafts for the enterprise, the specialists serving it, staff
    ("posting.view",              "spec",        found(),                                             True),
    ("posting.view",              "spec_idle",   found(),                                             False),
    ("posting.view",              "ent2",        found(),                                             False),
    ("posting.view",              "spec",        posting(status=PostingStatus.DRAFT),                 False),  # its own draft
    ("pairing.view",              "spec",        pairing(target=ENT2, broker=71),                     True),
    ("pairing.view",              "spec_idle",   pairing(target=ENT2, broker=71),                     False),
    ("pairing.broker",            "spec",        posting(),                                           True),
    ("pairing.broker",            "spec",        posting(org=ENT2),                                   False),
    ("pairing.broker",            "bureau",      posting(),                                           False),  # staff: pairing.introduce
    ("specialist.manage",         "bureau",      NONE,                                                True),
    ("specialist.manage",         "spec",        NONE,                                                False),
    ("specialist.workbench",      "spec_idle",   NONE,                                                True),
    ("specialist.workbench",      "ent",         NONE,                                                False),
    ("specialist.workbench",      "anon",        NONE,                                                False),
    ("visit.record",              "spec",        org(ENT),                                            True),
    ("visit.record",              "spec_idle",   org(ENT),                                            False),
    ("visit.record",              "bureau",      org(ENT),                                            False),
    ("visit.record",              "ent",         org(ENT),                                            False),
    ("visit.view",                "ent",         visit(),                                             True),
    ("visit.view",                "spec",        visit(),                                             True),
    ("visit.view",                "bureau",      visit(),                                             True),
    ("visit.view",                "ent2",        visit(),                                             False),
    ("visit.view",                "spec_idle",   visit(),                                             False),
    ("visit.view",                "uni",         visit(),                                             False),
    ("visit.view",                "anon",        visit(),                                             False),
    ("visits.own",                "ent",         NONE,                                                True),
    ("visits.own",                "uni",         NONE,                                                False),
    ("visits.list",               "uni",         NONE,                                                True),
    ("visits.list",               "anon",        NONE,                                                False),
    ("posting.confirm",           "ent",         found(),                                             True),
    ("posting.confirm",           "ent2",        found(),                                             False),
    ("posting.confirm",           "spec",        found(),                                             False),
    ("posting.confirm",           "bureau",      found(),                                             False),
    ("posting.confirm",           "ent",         posting(),                                           False),  # its own posting
    ("posting.confirm_for",       "bureau",      found(),                                             True),
    ("posting.confirm_for",       "ent",         found(),                                             False),
    ("posting.confirm_for",       "bureau",      posting(),                                           False),
    ("diagnosis.record",          "spec",        found(),                                             True),
    ("diagnosis.record",          "spec",        posting(),                                           True),  # a published need too
    ("diagnosis.record",          "spec_idle",   found(),                                             False),
    ("diagnosis.record",          "spec",        posting(kind=PostingKind.SUPPLY_OFFER),              False),
    ("diagnosis.record",          "bureau",      found(),                                             False),
    ("diagnosis.see_note",        "spec",        found(),                                             True),
    ("diagnosis.see_note",        "bureau",      found(),                                             True),
    ("diagnosis.see_note",        "ent",         found(),                                             False),
    # results per person: staff see all; a specialist (here the university's user 40) their own
    ("results.all",               "bureau",      NONE,                                                True),
    ("results.all",               "uni",         NONE,                                                False),
    ("results.view",              "bureau",      NONE,                                                True),
    ("results.view",              "uni",         Obj(user_id=40),                                     True),
    ("results.view",              "uni",         Obj(user_id=10),                                     False),
    ("results.view",              "ent",         NONE,                                                False),
    ("results.view",              "anon",        Obj(user_id=None),                                   False),
    ("attribution.set",           "bureau",      pairing(),                                           True),
    ("attribution.set",           "ent",         pairing(),                                           False),
    ("attribution.set",           "uni",         agreement(),                                         False),
    ("followups.own",             "ent",         NONE,                                                True),
    ("followups.own",             "bureau",      NONE,                                                False),
    ("followup.view",             "ent",         followup(),                                          True),
    ("followup.view",             "spec",        followup(),                                          True),  # assigned
    ("followup.view",             "spec",        followup(ENT2),                                      False),  # not assigned
    ("followup.view",             "bureau",      followup(),                                          True),
    ("followup.view",             "uni",         followup(),                                          False),  # the other side's
    ("followup.view",             "anon",        followup(),                                          False),
    ("followup.answer",           "ent",         followup(),                                          True),
    ("followup.answer",           "uni",         followup(),                                          False),  # answers its own
    ("followup.answer",           "spec",        followup(),                                          False),
    ("followup.answer",           "bureau",      followup(),                                          False),
    ("followups.staff",           "bureau",      NONE,                                                True),
    ("followups.staff",           "ent",         NONE,                                                False),
]
# fmt: on
# Rules that allow everyone by design: no actor to refuse.
OPEN_TO_ALL = {"event.view"}


@pytest.mark.parametrize(
    ("action", "actor", "obj", "allowed"),
    TABLE,
    ids=[
        f"{action}-{actor}-{'yes' if allowed else 'no'}-{n}"
        for n, (action, actor, _, allowed) in enumerate(TABLE)
    ],
)
def test_policy_table(action: str, actor: str, obj: Any, allowed: bool) -> None:
    assert policy.may(ACTORS[actor], action, obj) is allowed


def test_every_rule_is_in_the_table() -> None:
    """Each rule has a case it allows and, unless open to all, one it refuses; the table names no
    action the policy does not know (deny by default would make such a case pass vacuously)."""
    allowed = {action for action, _, _, yes in TABLE if yes}
    refused = {action for action, _, _, yes in TABLE if not yes}
    assert sorted(set(policy.RULES) - allowed) == []
    assert sorted(set(policy.RULES) - refused - OPEN_TO_ALL) == []
    assert sorted((allowed | refused) - set(policy.RULES)) == []


def test_an_unknown_action_is_refused_to_everyone() -> None:
    assert not any(policy.may(actor, "posting.delete_everything") for actor in ACTORS.values())


@pytest.mark.parametrize(
    ("actor", "action", "obj", "message"),
    [
        ("anon", "posting.edit", posting(), "请先登录。"),
        ("ent2", "posting.edit", posting(), "只能操作本单位发布的信息。"),
        ("ent", "agreement.verify", agreement(AgreementStatus.CONFIRMED), policy.BUREAU_ONLY),
        ("uni_pending", "posting.express_interest", posting(), "贵单位通过主管部门认证后才能表达合作意向。"),
        ("bureau", "posting.express_interest", posting(), "只能对其他单位已发布、未过期的信息表达合作意向。"),
        ("ent_pending", "agreement.record", NONE, "贵单位通过主管部门认证后才能登记协议。"),
        ("bureau", "event.register", NONE, "只有企业和高校院所可以报名参加活动。"),
        ("ent", "registration.edit", NONE, "贵单位尚未报名本次活动。"),
        ("uni", "followup.answer", followup(), "只有被回访的单位可以回答本单位的回访。"),
    ],
)
def test_refusals_say_why_in_chinese(actor: str, action: str, obj: Any, message: str) -> None:
    with pytest.raises(PermissionDenied) as refused:
        policy.require(ACTORS[actor], action, obj)
    assert refused.value.message == message
