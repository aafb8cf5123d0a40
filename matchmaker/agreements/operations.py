"""Recording agreements and moving them to 已核验; their evidence files; the indicators' targets and
counting rules. Every function takes the actor, asks the policy, journals, flushes, never commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matchmaker import policy
from matchmaker.accounts import creditcode
from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgStatus, OrgType
from matchmaker.agreements.models import Agreement, AgreementFile, AgreementParty
from matchmaker.agreements.values import AgreementStatus, AgreementType, PartySide, PartyType, Registration
from matchmaker.core import clock, rules, uploads
from matchmaker.core.database import next_number
from matchmaker.core.exceptions import FieldError, InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.core.journal import record
from matchmaker.core.rules import MAX_BUDGET
from matchmaker.pairings import operations as pairing_service
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import PairingState
from matchmaker.taxonomy.models import TechField

MAX_FILE_BYTES = uploads.MAX_FILE_BYTES
MAX_FILES = 10
EARLIEST = date(2000, 1, 1)
# The limits of an agreement's content (the form, the API's schema and problems() below).
TITLE_LENGTH = (4, 120)
PARTY_NAME_LENGTH = 100
MAX_PARTIES = 6
REGISTRATION_NUMBER_LENGTH = 40
TEXT_LENGTHS = {"ip_involved": 1000, "notes": 2000}
REASON_LENGTH = 1000  # a return's reason, a verification's note (the form)


@dataclass
class PartyDetails:
    side: PartySide
    name: str
    party_type: PartyType
    credit_code: str | None = None
    organization: Organization | None = None


@dataclass
class AgreementDetails:
    """The editable content of an agreement (DOMAIN.md §5)."""

    type: AgreementType
    title: str
    signed_on: date
    parties: list[PartyDetails] = field(default_factory=list)
    equity: bool = False
    valid_from: date | None = None
    valid_until: date | None = None
    contract_amount: Decimal | None = None
    tech_amount: Decimal | None = None
    tech_field: TechField | None = None
    ip_involved: str | None = None
    registration: Registration = Registration.NOT_APPLIED
    registration_number: str | None = None
    notes: str | None = None

    def problems(self) -> dict[str, str]:
        """Field → the Chinese message of the first rule it breaks."""
        found: dict[str, str] = {}
        title = self.title.strip()
        low, high = TITLE_LENGTH
        if not low <= len(title) <= high:
            found["title"] = f"协议名称应为{low}到{high}个字（现有{len(title)}个字）。"
        if self.signed_on > clock.today():
            found["signed_on"] = "签订日期不能晚于今天：请在签订后再登记。"
        elif self.signed_on < EARLIEST:
            found["signed_on"] = "签订日期有误。"
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            found["valid_until"] = "有效期结束日不能早于开始日。"
        for name, value in (("contract_amount", self.contract_amount), ("tech_amount", self.tech_amount)):
            if value is not None and (not value.is_finite() or not 0 <= value <= MAX_BUDGET):
                found[name] = f"金额应在0到{MAX_BUDGET:,.0f}万元之间（单位为万元）。"
        if (
            "contract_amount" not in found
            and "tech_amount" not in found
            and self.tech_amount is not None
            and (self.contract_amount is None or self.tech_amount > self.contract_amount)
        ):
            found["tech_amount"] = (
                "技术交易额不能大于合同成交额（技术交易额为成交额扣除设备、材料等费用后的部分）。"
            )
        if self.equity and self.type is not AgreementType.TECH_TRANSFER:
            found["equity"] = "作价入股按“技术转让”登记，请把合同类别选为技术转让。"
        number = (self.registration_number or "").strip()
        if self.registration is Registration.REGISTERED and not number:
            found["registration_number"] = "已登记的合同请填写登记编号。"
        elif number and self.registration is not Registration.REGISTERED:
            found["registration_number"] = "只有“已登记”的合同才有登记编号。"
        elif len(number) > REGISTRATION_NUMBER_LENGTH:
            found["registration_number"] = f"登记编号最多{REGISTRATION_NUMBER_LENGTH}个字符。"
        for name, limit in TEXT_LENGTHS.items():
            if len(getattr(self, name) or "") > limit:
                found[name] = f"最多{limit}个字。"
        if problem := self.party_problem():
            found["parties"] = problem
        elif any(rules.single_line_problem(p.name) for p in self.parties):
            found["parties"] = "协议各方的名称" + rules.LINE_BREAK_MESSAGE.removeprefix("此项")
        return rules.single_line_problems(self, ("title", "registration_number")) | found

    def party_problem(self) -> str | None:
        parties = self.parties
        single = self.type is AgreementType.INNOVATION_PLAN
        if not parties:
            return "请填写协议各方。"
        if not single and not (
            any(p.side is PartySide.BUYER for p in parties)
            and any(p.side is PartySide.SELLER for p in parties)
        ):
            return "请至少填写甲方、乙方各一方。"
        names = [p.name.strip() for p in parties]
        if any(not n or len(n) > PARTY_NAME_LENGTH for n in names):
            return f"每一方都要填写单位名称（最多{PARTY_NAME_LENGTH}个字）。"
        if len(set(names)) < len(names):
            return "同一单位不能重复填写。"
        for party in parties:
            code = (party.credit_code or "").strip()
            if code:
                if problem := creditcode.problem(code):
                    return f"{party.name}：{problem}"
            elif party.party_type is PartyType.ENTERPRISE:
                return f"{party.name}：企业须填写统一社会信用代码（技术合同登记需要）。"
        return None

    def check(self) -> None:
        for name, message in self.problems().items():
            raise FieldError(name, message)

    def apply_to(self, agreement: Agreement) -> None:
        agreement.type, agreement.equity = self.type, self.equity
        agreement.title = self.title.strip()
        agreement.signed_on, agreement.valid_from, agreement.valid_until = (
            self.signed_on,
            self.valid_from,
            self.valid_until,
        )
        agreement.contract_amount, agreement.tech_amount = self.contract_amount, self.tech_amount
        agreement.tech_field = self.tech_field
        agreement.ip_involved = (self.ip_involved or "").strip() or None
        agreement.registration = self.registration
        agreement.registration_number = (self.registration_number or "").strip().upper() or None
        agreement.notes = (self.notes or "").strip() or None
        agreement.parties = [
            AgreementParty(
                position=n,
                side=p.side,
                name=p.name.strip(),
                credit_code=creditcode.normalize(p.credit_code)
                if p.credit_code and p.credit_code.strip()
                else None,
                party_type=p.party_type,
                organization=p.organization,
            )
            for n, p in enumerate(self.parties)
        ]
        agreement.dedupe_key = agreement.compute_dedupe_key()


def _content(agreement: Agreement) -> dict[str, Any]:
    """What a user edits, for the journal's before → after."""
    return {
        "type": agreement.type,
        "equity": agreement.equity,
        "title": agreement.title,
        "signed_on": agreement.signed_on,
        "valid_from": agreement.valid_from,
        "valid_until": agreement.valid_until,
        "contract_amount": agreement.contract_amount,
        "tech_amount": agreement.tech_amount,
        "tech_field": agreement.tech_field.name if agreement.tech_field else None,
        "ip_involved": agreement.ip_involved,
        "registration": agreement.registration,
        "registration_number": agreement.registration_number,
        "notes": agreement.notes,
        # Type and platform link too: both decide how a party counts (产学研 needs a university or
        # institute) and who confirms.
        "parties": [
            f"{p.side.value}:{p.name}:{p.credit_code or ''}:{p.party_type.value}:{p.organization_id or ''}"
            for p in agreement.parties
        ],
    }


def _check_registration_number(details: AgreementDetails, own_id: int | None = None) -> None:
    number = (details.registration_number or "").strip().upper()
    if not number:
        return
    other = db.session.scalar(select(Agreement).where(Agreement.registration_number == number))
    if other is not None and other.id != own_id:
        raise FieldError(
            "registration_number",
            f"登记编号 {number} 已登记在协议 #{other.id}“{other.title}”中，同一合同不能重复登记。",
        )


def parties_of_pairing(pairing: Pairing) -> list[PartyDetails]:
    """The two sides of a pairing as parties: the side with the need is 甲方, the other 乙方."""
    if pairing.target.kind.is_need:
        buyer, seller = pairing.target_org, pairing.initiator_org
    else:
        buyer, seller = pairing.initiator_org, pairing.target_org
    return [
        PartyDetails(side, org.name, PartyType.of(org.type), org.credit_code, org)
        for side, org in ((PartySide.BUYER, buyer), (PartySide.SELLER, seller))
    ]


def record_agreement(details: AgreementDetails, *, actor: User, pairing: Pairing | None = None) -> Agreement:
    """A new agreement, recorded by a party's user (to be confirmed by the other side) or by bureau
    staff. From a pairing in 已对接 or 洽谈中 the pairing becomes 已签约, in this transaction (the only
    way it does). Takes the agreements lock as the transaction's first write, so two people
    recording the same contract at once are serialised: the second finds the first (its 登记编号
    refused, or flagged as the same contract)."""
    policy.require(actor, "agreement.record")
    if pairing is not None:
        policy.require(actor, "pairing.advance", pairing)
        if pairing.state not in (PairingState.CONTACTED, PairingState.NEGOTIATING, PairingState.SIGNED):
            raise InvalidTransition("只有“已对接”“洽谈中”或“已签约”的对接可以登记协议。")
    next_number("agreements")  # the lock, before any read the checks depend on
    details.check()
    _link_parties(details, pairing=pairing)
    _keep_pairing(pairing, details)
    if not policy.is_bureau(actor) and actor.organization_id not in {
        p.organization.id for p in details.parties if p.organization is not None
    }:
        raise FieldError("parties", "贵单位须是协议的一方。")
    _check_registration_number(details)
    agreement = Agreement(
        recorded_by=actor,
        recorded_org_id=actor.organization_id,
        pairing=pairing,
        status=AgreementStatus.RECORDED,
        # Who found the need and who brokered it come with the pairing (specialists/results.py).
        found_by_id=pairing.found_by_id if pairing is not None else None,
        brokered_by_id=pairing.brokered_by_id if pairing is not None else None,
    )
    details.apply_to(agreement)
    db.session.add(agreement)
    record(
        "agreement.recorded",
        agreement,
        actor=actor,
        changes={k: [None, v] for k, v in _content(agreement).items()},
    )
    if pairing is not None and pairing.state is not PairingState.SIGNED:
        pairing_service.sign(pairing, f"登记协议：{agreement.title}", actor=actor)
    db.session.flush()
    return agreement


def _link_parties(
    details: AgreementDetails, agreement: Agreement | None = None, pairing: Pairing | None = None
) -> None:
    """Which platform organisation each party is, decided here for the web and the API alike:

    - a party already linked on the record stays linked to the same organisation when its row is
      unchanged (same name or credit code), even if the organisation has since been renamed — a
      name looked up afresh would silently drop the party that confirmed;
    - only verified organisations are linked, or the two sides of the pairing it comes from (a
      self-registered one named like a party reads nothing and confirms nothing until bureau
      staff verify it);
    - a linked party's type is its organisation's type, whatever was typed: an enterprise
      labelled 高校 would make a contract between two enterprises count as 产学研."""
    sides = {pairing.initiator_org_id, pairing.target_org_id} if pairing is not None else set()
    known: dict[str, Organization] = {}
    for stored in agreement.parties if agreement is not None else ():
        if stored.organization is not None:
            known[f"name:{stored.name}"] = stored.organization
            if stored.credit_code:
                known[f"code:{stored.credit_code}"] = stored.organization
    for party in details.parties:
        code = (
            creditcode.normalize(party.credit_code) if party.credit_code and party.credit_code.strip() else ""
        )
        org = known.get(f"name:{party.name.strip()}") or (known.get(f"code:{code}") if code else None)
        given = party.organization
        if org is None and given is not None and (given.is_verified or given.id in sides):
            org = given
        party.organization = org
        if org is not None:
            party.party_type = PartyType.of(org.type)


def _keep_pairing(pairing: Pairing | None, details: AgreementDetails) -> None:
    """An agreement recorded from a pairing is between the pairing's two organisations (others may
    join): otherwise any contract could mark any pairing 已签约."""
    if pairing is None:
        return
    linked = {p.organization.id for p in details.parties if p.organization is not None}
    missing = [org.name for org in (pairing.initiator_org, pairing.target_org) if org.id not in linked]
    if missing:
        raise FieldError(
            "parties", f"该协议来自对接，对接双方都须是协议的一方（缺少：{'、'.join(missing)}）。"
        )


def _keep_recorder(agreement: Agreement, details: AgreementDetails) -> None:
    """The organisation that recorded an agreement as a party stays one of its parties: otherwise
    it could hand a record it alone wrote to two others and still correct it."""
    recorder = agreement.recorded_org
    if recorder is None or recorder.type is OrgType.BUREAU:
        return
    if recorder.id not in {p.organization.id for p in details.parties if p.organization is not None}:
        raise FieldError(
            "parties",
            f"登记单位（{recorder.name}）不能把自己从协议各方中移除；如登记有误，请删除后重新登记。",
        )


def _lock(agreement: Agreement) -> None:
    """Take the agreements lock as the transaction's first write and read the record afresh, so
    that two edits or uploads at once are serialised and each sees the other's result; a deleted
    record changes no more."""
    next_number("agreements")
    db.session.refresh(agreement)
    if agreement.is_deleted:
        raise InvalidTransition("该协议已删除，不能再修改或上传材料。")


def update_agreement(agreement: Agreement, details: AgreementDetails, *, actor: User) -> None:
    """Correct a record under the one state machine (``Agreement.edited``): a change to what the
    count depends on after the other side confirmed goes back to that side; another change to a
    verified or returned record goes back to bureau staff."""
    policy.require(actor, "agreement.edit", agreement)
    _lock(agreement)
    details.check()
    _link_parties(details, agreement, agreement.pairing)
    _keep_pairing(agreement.pairing, details)
    _keep_recorder(agreement, details)
    _check_registration_number(details, agreement.id)
    before = _content(agreement)
    details.apply_to(agreement)
    db.session.flush()  # the new parties' organisations, for confirmers()
    after = _content(agreement)
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        agreement.edited(actor, changes, confirmable=bool(confirmers(agreement)))
    db.session.flush()


def confirmers(agreement: Agreement, session: Session | None = None) -> set[int]:
    """Organisations whose users can confirm: the verified parties on the platform (with active
    users) other than the one that recorded it. A party not (yet) verified is treated like one off
    the platform: bureau staff verify on the evidence."""
    orgs = agreement.party_org_ids - {agreement.recorded_org_id}
    if not orgs:
        return set()
    return set(
        (session or db.session).scalars(
            select(User.organization_id)
            .join(Organization, User.organization_id == Organization.id)
            .where(
                User.organization_id.in_(orgs),
                User.active.is_(True),
                Organization.status == OrgStatus.VERIFIED,
            )
        )
    )


def _seen(agreement: Agreement, version: int | None) -> None:
    """The one confirming or verifying saw this version: a record changed since is not confirmed
    unseen (the page or the API client passes the version it showed)."""
    if version is not None and version != agreement.version:
        raise InvalidTransition("协议内容在您查看之后有修改，请刷新页面核对后再操作。")


def confirm_agreement(agreement: Agreement, *, actor: User, version: int | None = None) -> None:
    """The other side confirms — only a user of a verified party organisation (policy)."""
    policy.require(actor, "agreement.confirm", agreement)
    _lock(agreement)  # an edit committing meanwhile is seen, and its version compared
    if actor.organization_id not in confirmers(agreement):
        raise InvalidTransition("只有协议的另一方可以确认。")
    _seen(agreement, version)
    agreement.confirm(actor)
    db.session.flush()


def verify_agreement(
    agreement: Agreement, note: str | None = None, *, actor: User, version: int | None = None
) -> None:
    """Bureau staff verify — after the other side confirmed, or directly when no other side is on
    the platform to confirm (an agreement reached and recorded off the platform)."""
    policy.require(actor, "agreement.verify", agreement)
    _lock(agreement)
    _seen(agreement, version)
    if agreement.status is AgreementStatus.RECORDED and confirmers(agreement):
        raise InvalidTransition("须先由协议另一方在平台上确认，再由主管部门核验。")
    next_number("agreements")
    agreement.verify(actor, note)
    db.session.flush()


def return_agreement(agreement: Agreement, reason: str, *, actor: User) -> None:
    policy.require(actor, "agreement.verify", agreement)
    agreement.return_for_revision(actor, reason)
    db.session.flush()


def delete_agreement(agreement: Agreement, reason: str, *, actor: User) -> None:
    """Out of every count and list, with its reason; a pairing it alone made 已签约 is 洽谈中 again."""
    policy.require(actor, "agreement.delete", agreement)
    agreement.delete(actor, reason)
    db.session.flush()
    pairing = agreement.pairing
    if pairing is not None and pairing.state is PairingState.SIGNED:
        others = db.session.scalar(
            select(func.count())
            .select_from(Agreement)
            .where(Agreement.pairing_id == pairing.id, Agreement.deleted_at.is_(None))
        )
        if not others:  # 已签约 means an agreement: without one it is 洽谈中 again
            pairing.unsign(actor, f"协议“{agreement.title}”已删除")
            db.session.flush()


# --- evidence files -----------------------------------------------------------------------


def files_dir() -> Path:
    """Under instance/uploads/, which `flask backup` copies and `flask restore` puts back."""
    return uploads.folder("agreements")


def add_file(agreement: Agreement, data: bytes, filename: str, *, actor: User) -> AgreementFile:
    """Keep an evidence file: PDF, PNG or JPEG by content, at most 10 MB, under a generated name.
    Evidence is part of what is counted: after confirmation it goes back to the other side. The
    limit is counted under the agreements lock, so uploads at once cannot pass it together."""
    policy.require(actor, "agreement.edit", agreement)
    _lock(agreement)
    present = db.session.scalar(
        select(func.count()).select_from(AgreementFile).where(AgreementFile.agreement_id == agreement.id)
    )
    if (present or 0) >= MAX_FILES:
        raise FieldError("file", f"每份协议最多{MAX_FILES}个附件。")
    kept = uploads.store(data, filename, files_dir())
    attachment = AgreementFile(agreement=agreement, uploaded_by_id=actor.id, **kept.columns())
    db.session.add(attachment)
    db.session.flush()
    agreement.edited(
        actor,
        {"files": [None, kept.original_name]},
        confirmable=bool(confirmers(agreement)),
        action="agreement.file_added",
        note=kept.original_name,
    )
    db.session.flush()
    return attachment


def remove_file(attachment: AgreementFile, *, actor: User) -> None:
    agreement = attachment.agreement
    policy.require(actor, "agreement.edit", agreement)
    _lock(agreement)
    name = attachment.original_name
    db.session.delete(attachment)
    db.session.flush()
    agreement.edited(
        actor,
        {"files": [name, None]},
        confirmable=bool(confirmers(agreement)),
        action="agreement.file_removed",
        note=name,
    )
    db.session.flush()
