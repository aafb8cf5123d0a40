"""One state machine for agreements that no edit escapes (issue 21): a change to what the count
depends on after the other side confirmed goes back to that side, and out of the count; the recorder
stays a party; only verified organisations confirm; nothing changes on a deleted agreement; the
evidence limit holds under concurrent uploads; the API's PATCH is the web's edit. Each step tells
the people concerned, asserted by its text."""

from __future__ import annotations

import io
import threading
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from matchmaker.accounts import creditcode
from matchmaker.accounts import operations as accounts
from matchmaker.accounts.values import OrgStatus, OrgType
from matchmaker.agreements import operations as service
from matchmaker.agreements.models import Agreement, AgreementFile
from matchmaker.agreements.values import AgreementStatus, PartySide, PartyType
from matchmaker.core.exceptions import FieldError, InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.postings.values import PostingKind, PostingStatus
from tests.conftest import Factory
from tests.test_agreements import PDF, details_of, indicator_counts
from tests.test_auth import registration
from tests.test_notifications import notes
from tests.test_pairings import NEED, login, page

YEAR = str(date.today().year)


@pytest.fixture
def world(make: Factory) -> dict[str, Any]:
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    return {
        "enterprise": enterprise,
        "enterprise_colleague": make.user(make.org_of(enterprise)),
        "university": university,
        "bureau": make.bureau(),
        "pending": make.user(org_type=OrgType.UNIVERSITY, status=OrgStatus.PENDING),
        "outsider": make.user(org_type=OrgType.UNIVERSITY),
    }


def iur(world: dict) -> list[tuple[str, str]]:
    return [(world["enterprise"], "buyer"), (world["university"], "seller")]


def user(email: str) -> Any:
    return accounts.find_user_by_email(email)


def status_of(app: Flask, agreement_id: int) -> AgreementStatus:
    with app.app_context():
        return db.session.get(Agreement, agreement_id).status


def headers(make: Factory, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {make.token(email)}"}


def counted(client: FlaskClient, bureau: dict[str, str]) -> set[int]:
    answer = client.get(f"/api/v1/indicators?year={YEAR}", headers=bureau).get_json()
    return {i for indicator in answer["indicators"] for i in indicator["agreement_ids"]}


# --- the acceptance checks, through the API ---------------------------------------------------


def test_a_confirmed_agreement_patched_goes_back_to_the_other_side(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    recorder, other, bureau = (
        headers(make, world["enterprise"]),
        headers(make, world["university"]),
        headers(make, world["bureau"]),
    )
    agreement = make.agreement(
        world["enterprise"], iur(world), status="confirmed", amount=10, kind="iur_agreement"
    )
    url = f"/api/v1/agreements/{agreement}"
    assert client.get(url, headers=recorder).get_json()["status"] == "confirmed"

    patched = client.patch(url, json={"contract_amount": 9999}, headers=recorder)
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["status"] == "recorded" and patched.get_json()["contract_amount"] == 9999
    refused = client.post(url + "/verify", headers=bureau)
    assert refused.status_code == 409 and "须先由协议另一方在平台上确认" in refused.get_json()["message"]
    assert status_of(app, agreement) is AgreementStatus.RECORDED
    told = notes(app, world["university"])[-1]
    assert (
        told.title == f"协议「{_title(app, agreement)}」有修改，请贵单位重新确认"
        and "合同成交额" in told.body
    )

    # After verification: the same edit takes it out of the count until confirmed and verified again.
    assert client.post(url + "/confirm", headers=other).get_json()["status"] == "confirmed"
    assert client.post(url + "/verify", headers=bureau).get_json()["status"] == "verified"
    assert agreement in counted(client, bureau)
    again = client.patch(url, json={"contract_amount": 12}, headers=recorder)
    assert again.get_json()["status"] == "recorded"
    assert agreement not in counted(client, bureau)
    assert indicator_counts(app, YEAR)["iur_agreements"] == 0
    assert client.post(url + "/verify", headers=bureau).status_code == 409
    assert "已退出统计" in notes(app, world["university"])[-1].title
    assert client.post(url + "/confirm", headers=other).status_code == 200
    assert agreement not in counted(client, bureau)  # confirmed, not yet verified
    assert client.post(url + "/verify", headers=bureau).status_code == 200
    assert agreement in counted(client, bureau)


def _title(app: Flask, agreement_id: int) -> str:
    with app.app_context():
        return db.session.get(Agreement, agreement_id).title


def test_an_unverified_organisation_cannot_confirm(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    agreement = make.agreement(
        world["enterprise"], [(world["enterprise"], "buyer"), (world["pending"], "seller")], status="recorded"
    )
    # Named as a party, an unverified organisation is not linked to the record: it neither reads
    # nor confirms it (a self-registered name is no proof of being the party).
    refused = client.post(f"/api/v1/agreements/{agreement}/confirm", headers=headers(make, world["pending"]))
    assert refused.status_code == 404
    assert refused.get_json()["message"] == "协议不存在，或您无权查看。"
    assert status_of(app, agreement) is AgreementStatus.RECORDED
    with app.app_context():  # its word counts for nothing: staff verify on the evidence
        record = db.session.get(Agreement, agreement)
        assert service.confirmers(record) == set()
        assert make.org_of(world["pending"]) not in record.party_org_ids
    login(client, world["pending"])
    assert client.get(f"/agreements/{agreement}").status_code == 404
    assert client.post(f"/agreements/{agreement}/confirm", data={}).status_code == 404


# --- what an edit does, step by step ------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "counted_change"),
    [
        ({"contract_amount": 11}, True),
        ({"tech_amount": 3}, True),
        ({"type": "tech_service"}, True),
        ({"signed_on": "2024-01-02"}, True),
        ({"registration": "registered", "registration_number": "2025320100000999"}, True),
        ({"title": "改个名字的技术开发合同"}, False),
        ({"notes": "补充说明"}, False),
    ],
    ids=lambda v: next(iter(v)) if isinstance(v, dict) else str(v),
)
@pytest.mark.parametrize("start", ["confirmed", "verified"])
def test_which_changes_go_back_to_the_other_side(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    world: dict,
    change: dict,
    counted_change: bool,
    start: str,
) -> None:
    """A counted field goes back to 待对方确认; another edit of a verified record goes back to the
    bureau (待主管部门核验) and of a confirmed one stays where it is."""
    agreement = make.agreement(world["enterprise"], iur(world), status=start, amount=10)
    answer = client.patch(
        f"/api/v1/agreements/{agreement}", json=change, headers=headers(make, world["enterprise"])
    )
    assert answer.status_code == 200, answer.get_json()
    expected = "recorded" if counted_change else "confirmed"
    assert answer.get_json()["status"] == expected
    with app.app_context():
        a = db.session.get(Agreement, agreement)
        assert a.verified_at is None
        assert (a.confirmed_at is None) is counted_change


def test_swapping_the_confirming_party_asks_the_new_one(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    agreement = make.agreement(world["enterprise"], iur(world), status="verified")
    with app.app_context():
        a = db.session.get(Agreement, agreement)
        details = details_of(a)
        outsider = user(world["outsider"]).organization
        details.parties[1] = service.PartyDetails(
            PartySide.SELLER, outsider.name, PartyType.UNIVERSITY, None, outsider
        )
        service.update_agreement(a, details, actor=user(world["enterprise"]))
        db.session.commit()
        assert a.status is AgreementStatus.RECORDED
        assert service.confirmers(a) == {outsider.id}
    assert notes(app, world["outsider"])[-1].title.endswith(
        "请贵单位重新确认（已退出统计，重新确认并核验后再计入）"
    )
    assert indicator_counts(app, YEAR)["iur_agreements"] == 0
    # The party that had confirmed, now taken off the record, is told too.
    assert (
        notes(app, world["university"])[-1].title == f"贵单位已不再是协议「{_title(app, agreement)}」的一方"
    )


def test_the_recorder_cannot_remove_itself(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    agreement = make.agreement(world["enterprise"], iur(world), status="confirmed")
    with app.app_context():
        a = db.session.get(Agreement, agreement)
        details = details_of(a)
        details.parties = [details.parties[1]]
        details.parties[0].side = PartySide.SELLER
        details.parties.insert(0, service.PartyDetails(PartySide.BUYER, "外地某企业", PartyType.UNIVERSITY))
        with pytest.raises(FieldError, match="不能把自己从协议各方中移除"):
            service.update_agreement(a, details, actor=user(world["enterprise"]))
        db.session.rollback()
    api = client.patch(
        f"/api/v1/agreements/{agreement}",
        json={
            "parties": [
                {"side": "buyer", "name": "外地某企业", "party_type": "university"},
                {
                    "side": "seller",
                    "name": accounts_name(app, world["university"]),
                    "party_type": "university",
                },
            ]
        },
        headers=headers(make, world["enterprise"]),
    )
    assert api.status_code == 422 and "不能把自己从协议各方中移除" in api.get_json()["errors"]["parties"][0]
    assert status_of(app, agreement) is AgreementStatus.CONFIRMED


def accounts_name(app: Flask, email: str) -> str:
    with app.app_context():
        return user(email).organization.name


def test_evidence_files_after_verification_go_back_and_leave_the_count(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    agreement = make.agreement(world["enterprise"], iur(world), status="verified")
    login(client, world["enterprise"])
    uploaded = client.post(
        f"/agreements/{agreement}/files",
        data={"file": (io.BytesIO(PDF), "合同.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "协议须由另一方（重新）确认" in uploaded.get_data(as_text=True)
    assert status_of(app, agreement) is AgreementStatus.RECORDED
    assert indicator_counts(app, YEAR)["iur_agreements"] == 0
    assert "证明材料" in notes(app, world["university"])[-1].body
    with app.app_context():  # confirmed and verified again, then a file removed: back again
        a = db.session.get(Agreement, agreement)
        service.confirm_agreement(a, actor=user(world["university"]))
        service.verify_agreement(a, actor=user(world["bureau"]))
        db.session.commit()
        file_id = a.files[0].id
    assert indicator_counts(app, YEAR)["iur_agreements"] == 1
    client.post(f"/agreements/{agreement}/files/{file_id}/delete")
    assert status_of(app, agreement) is AgreementStatus.RECORDED
    assert indicator_counts(app, YEAR)["iur_agreements"] == 0


def test_a_deleted_agreement_changes_no_more(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    agreement = make.agreement(world["enterprise"], iur(world), status="recorded")
    with app.app_context():
        a = db.session.get(Agreement, agreement)
        service.add_file(a, PDF, "合同.pdf", actor=user(world["enterprise"]))
        service.delete_agreement(a, "登记错了", actor=user(world["enterprise"]))
        db.session.commit()
        file_id = a.files[0].id
        for attempt in (
            lambda: service.update_agreement(a, details_of(a), actor=user(world["bureau"])),
            lambda: service.add_file(a, PDF, "补充.pdf", actor=user(world["bureau"])),
            lambda: service.remove_file(a.files[0], actor=user(world["bureau"])),
            lambda: service.confirm_agreement(a, actor=user(world["university"])),
        ):
            with pytest.raises(InvalidTransition, match="已删除"):
                attempt()
            db.session.rollback()
    bureau = headers(make, world["bureau"])
    patched = client.patch(
        f"/api/v1/agreements/{agreement}", json={"title": "再改一下标题吧"}, headers=bureau
    )
    assert patched.status_code == 409 and "已删除" in patched.get_json()["message"]
    login(client, world["enterprise"])
    for url in (f"/agreements/{agreement}/edit",):
        refused = client.get(url, follow_redirects=True)
        assert "已删除" in refused.get_data(as_text=True)
    client.post(
        f"/agreements/{agreement}/files",
        data={"file": (io.BytesIO(PDF), "又一个.pdf")},
        content_type="multipart/form-data",
    )
    client.post(f"/agreements/{agreement}/files/{file_id}/delete")
    with app.app_context():
        files = db.session.scalars(
            select(AgreementFile.original_name).where(AgreementFile.agreement_id == agreement)
        )
        assert list(files) == ["合同.pdf"]


def test_the_file_limit_holds_under_concurrent_uploads(app: Flask, make: Factory, world: dict) -> None:
    """Eight files, then four uploads at once by four threads (each its own session): exactly two
    succeed, two are refused with the limit's message."""
    agreement = make.agreement(world["enterprise"], iur(world), status="recorded")
    with app.app_context():
        a = db.session.get(Agreement, agreement)
        for n in range(service.MAX_FILES - 2):
            service.add_file(a, PDF, f"材料{n}.pdf", actor=user(world["enterprise"]))
        db.session.commit()
    barrier, refused, failed = threading.Barrier(4), [], []

    def upload(n: int) -> None:
        with app.app_context():
            a = db.session.get(Agreement, agreement)
            actor = user(world["enterprise"])
            barrier.wait()
            try:
                service.add_file(a, PDF, f"同时{n}.pdf", actor=actor)
                db.session.commit()
            except FieldError as error:
                db.session.rollback()
                refused.append(error.message)
            except Exception as error:
                db.session.rollback()
                failed.append(repr(error))

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failed
    assert refused == [f"每份协议最多{service.MAX_FILES}个附件。"] * 2
    with app.app_context():
        total = db.session.scalar(
            select(func.count()).select_from(AgreementFile).where(AgreementFile.agreement_id == agreement)
        )
        assert total == service.MAX_FILES


def test_a_confirmation_is_of_the_version_shown(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    """The other side opens the page, the recorder changes the amount meanwhile: the stale
    confirmation is refused, and nothing is confirmed unseen."""
    agreement = make.agreement(world["enterprise"], iur(world), status="recorded", amount=10)
    with app.app_context():
        shown = db.session.get(Agreement, agreement).version
        a = db.session.get(Agreement, agreement)
        details = details_of(a)
        details.title = "修改后的协议名称"
        service.update_agreement(a, details, actor=user(world["enterprise"]))
        db.session.commit()
    login(client, world["university"])
    page(client, f"/agreements/{agreement}")
    stale = client.post(
        f"/agreements/{agreement}/confirm", data={"version": str(shown)}, follow_redirects=True
    )
    assert "协议内容在您查看之后有修改" in stale.get_data(as_text=True)
    assert status_of(app, agreement) is AgreementStatus.RECORDED
    # The same through the API: the version the client read is checked under the lock.
    url = f"/api/v1/agreements/{agreement}"
    other, bureau = headers(make, world["university"]), headers(make, world["bureau"])
    refused = client.post(url + "/confirm", json={"version": shown}, headers=other)
    assert refused.status_code == 409 and "协议内容在您查看之后有修改" in refused.get_json()["message"]
    current = client.get(url, headers=other).get_json()["version"]
    assert client.post(url + "/confirm", json={"version": current}, headers=other).status_code == 200
    stale_verify = client.post(url + "/verify", json={"version": shown}, headers=bureau)
    assert stale_verify.status_code == 409
    assert status_of(app, agreement) is AgreementStatus.CONFIRMED


def test_only_the_recorder_and_bureau_patch_and_bad_input_is_never_a_500(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    agreement = make.agreement(world["enterprise"], iur(world), status="recorded")
    url = f"/api/v1/agreements/{agreement}"
    assert (
        client.patch(
            url, json={"title": "别人想改的协议"}, headers=headers(make, world["university"])
        ).status_code
        == 403
    )
    assert (
        client.patch(
            url, json={"title": "外人想改的协议"}, headers=headers(make, world["outsider"])
        ).status_code
        == 404
    )
    mine = headers(make, world["enterprise"])
    for body, code in (
        ([], 400),
        ({"pairing_id": 1}, 400),
        ({"contract_amount": "many"}, 400),
        ({"contract_amount": -1}, 422),
        ({"signed_on": "2999-01-01"}, 422),
        ({"title": None}, 422),
        ({"parties": [{"side": "nobody"}]}, 422),
        ({"version": 999}, 409),
    ):
        answer = client.patch(url, json=body, headers=mine)
        assert answer.status_code == code, (body, answer.get_json())
        assert answer.get_json()["message"]
    assert (
        client.patch(url, json={"title": "正确修改后的协议"}, headers=mine).get_json()["title"]
        == "正确修改后的协议"
    )


# --- who is told ------------------------------------------------------------------------------


def test_each_step_tells_the_parties_and_the_recorder_but_not_the_actor(
    app: Flask, make: Factory, world: dict
) -> None:
    enterprise, colleague, university = (
        world["enterprise"],
        world["enterprise_colleague"],
        world["university"],
    )
    agreement = make.agreement(enterprise, iur(world), status="recorded")
    name = f"协议「{_title(app, agreement)}」"

    def last(email: str) -> str:
        found = [n for n in notes(app, email) if n.kind == "agreement"]
        return found[-1].title if found else ""

    assert last(university).startswith("测试单位") and last(university).endswith(
        f"登记了{name}，请贵单位确认"
    )
    assert last(enterprise) == "" and last(colleague) == ""  # the recorder's own doing
    with app.app_context():
        a = db.session.get(Agreement, agreement)
        service.confirm_agreement(a, actor=user(university))
        db.session.commit()
    assert last(enterprise).startswith(name) and last(enterprise).endswith("确认，等待主管部门核验")
    assert last(colleague) == last(enterprise)
    assert "确认，等待" not in last(university)  # not the one who confirmed
    with app.app_context():
        a = db.session.get(Agreement, agreement)
        service.return_agreement(a, "请上传合同扫描件。", actor=user(world["bureau"]))
        db.session.commit()
    returned = [n for n in notes(app, university) if n.kind == "agreement"][-1]
    assert returned.title == f"{name}被主管部门退回补正" and returned.body == "理由：请上传合同扫描件。"
    assert last(enterprise) == returned.title
    with app.app_context():
        a = db.session.get(Agreement, agreement)
        service.update_agreement(a, details_of(a), actor=user(enterprise))  # no change: nothing
        service.add_file(a, PDF, "合同扫描件.pdf", actor=user(enterprise))
        db.session.commit()
    assert last(university) == f"{name}有修改，请贵单位重新确认"
    assert last(colleague) == f"{name}有修改，已退回协议另一方重新确认"
    with app.app_context():
        a = db.session.get(Agreement, agreement)
        service.confirm_agreement(a, actor=user(university))
        service.verify_agreement(a, actor=user(world["bureau"]))
        db.session.commit()
    assert last(enterprise) == last(university) == f"{name}已通过主管部门核验，计入统计"


def test_a_correction_after_the_bureau_and_a_deletion_tell_the_other_side(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    """Steps that used to tell nobody: a verified agreement corrected (it leaves the count until
    verified again), a returned one corrected (back to the other side to confirm), and a deletion
    (with its reason; out of the count if it was counted). Each notice leads to a page that works."""
    enterprise, university, bureau = world["enterprise"], world["university"], world["bureau"]

    def last(email: str) -> Any:
        found = [n for n in notes(app, email) if n.kind == "agreement"]
        return found[-1] if found else None

    def retitle(agreement_id: int, title: str) -> None:
        with app.app_context():
            a = db.session.get(Agreement, agreement_id)
            details = details_of(a)
            details.title = title
            service.update_agreement(a, details, actor=user(enterprise))
            db.session.commit()

    verified = make.agreement(enterprise, iur(world), status="verified")
    retitle(verified, "技术开发合同（更正名称）")
    told = last(university)
    assert (
        told.title
        == "协议「技术开发合同（更正名称）」有修改，等待主管部门重新核验（已退出统计，核验后再计入）"
    )
    assert last(enterprise) is None or "有修改" not in last(enterprise).title  # not the one who edited
    assert last(world["enterprise_colleague"]).title == told.title

    returned = make.agreement(enterprise, iur(world), status="returned")
    retitle(returned, "技术服务合同（已补正）")
    assert last(university).title == "协议「技术服务合同（已补正）」有修改，请贵单位确认"

    recorded = make.agreement(enterprise, iur(world), status="recorded")
    with app.app_context():
        service.delete_agreement(db.session.get(Agreement, recorded), "重复登记", actor=user(enterprise))
        db.session.commit()
    with app.app_context():
        recorder = user(enterprise).organization.name
    gone = last(university)
    assert gone.title == f"协议「{_title(app, recorded)}」已被{recorder}删除"
    assert gone.body == "理由：重复登记"

    with app.app_context():
        service.verify_agreement(db.session.get(Agreement, verified), actor=user(bureau))
        service.delete_agreement(db.session.get(Agreement, verified), "合同已解除", actor=user(bureau))
        db.session.commit()
    for email in (enterprise, university):
        assert last(email).title == "协议「技术开发合同（更正名称）」已被主管部门删除，已退出统计"
    login(client, university)
    response = client.post(f"/notifications/{last(university).id}/open")
    assert response.status_code == 302
    assert "合同已解除" in page(client, response.location)
    assert indicator_counts(app, YEAR)["iur_agreements"] == 0


def test_organisations_are_told_of_their_verification(app: Flask, make: Factory) -> None:
    applicant = make.user(status=OrgStatus.PENDING)
    refused = make.user(status=OrgStatus.PENDING)
    bureau = make.bureau()
    with app.app_context():
        staff = user(bureau)
        accounts.verify_organization(user(applicant).organization, actor=staff)
        accounts.reject_organization(
            user(refused).organization, actor=staff, reason="统一社会信用代码与营业执照不符。"
        )
        db.session.commit()
    verified = notes(app, applicant)[-1]
    assert verified.title.endswith("已通过主管部门认证") and "可以发布信息" in verified.body
    rejected = notes(app, refused)[-1]
    assert rejected.title.endswith("的认证申请未通过") and "统一社会信用代码与营业执照不符" in rejected.body


def test_staff_choose_to_be_told_of_their_queues(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    watcher, other = world["bureau"], make.bureau()
    login(client, watcher)
    assert "待办通知" in page(client, "/auth/account")
    saved = client.post("/auth/account/queues", data={"notify_queues": "y"}, follow_redirects=True)
    assert "待办通知设置已保存" in saved.get_data(as_text=True)
    login(client, world["enterprise"])
    assert "待办通知" not in page(client, "/auth/account")
    assert client.post("/auth/account/queues", data={"notify_queues": "y"}).status_code == 403

    def queue(email: str) -> list[str]:
        return [n.title for n in notes(app, email) if n.kind == "queue"]

    # a posting submitted for review
    make.posting(world["enterprise"], PostingKind.RD_NEED, PostingStatus.PENDING, **NEED)
    assert queue(watcher)[-1] == f"「{NEED['title']}」提交审核"
    # an organisation applying for verification
    client.post("/auth/logout")
    assert client.post("/auth/register", data=registration(app)).status_code == 302
    assert queue(watcher)[-1] == "宝应县测试机械有限公司申请认证，等待审核"
    # a verified organisation changing its name: verified again
    with app.app_context():
        me = user(world["university"])
        org = me.organization
        details = accounts.OrganizationDetails(
            name="更名后的研究院", type=org.type, credit_code=org.credit_code, town=org.town, tier=org.tier
        )
        accounts.update_organization(org, details, actor=me)
        db.session.commit()
    assert queue(watcher)[-1] == "更名后的研究院变更了单位名称或统一社会信用代码，等待重新认证"
    # an agreement awaiting verification
    agreement = make.agreement(world["enterprise"], iur(world), status="confirmed")
    titles = queue(watcher)
    assert f"协议「{_title(app, agreement)}」等待核验" in titles
    assert queue(other) == []  # did not ask


def web_form(app: Flask, agreement_id: int, **changes: str) -> dict[str, str]:
    """The edit form as the page fills it, with ``changes``."""
    with app.app_context():
        a = db.session.get(Agreement, agreement_id)
        data = {
            "type": a.type.value,
            "title": a.title,
            "signed_on": a.signed_on.isoformat(),
            "contract_amount": str(a.contract_amount or ""),
            "tech_amount": str(a.tech_amount or ""),
            "registration": a.registration.value,
            "registration_number": a.registration_number or "",
        }
        for n, p in enumerate(a.parties):
            data |= {
                f"parties-{n}-side": p.side.value,
                f"parties-{n}-name": p.name,
                f"parties-{n}-credit_code": p.credit_code or "",
                f"parties-{n}-party_type": p.party_type.value,
            }
    return data | changes


def test_the_web_edit_follows_the_same_rules(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    agreement = make.agreement(world["enterprise"], iur(world), status="verified", amount=10)
    login(client, world["enterprise"])
    assert "退回协议另一方重新确认" in page(client, f"/agreements/{agreement}/edit")
    saved = client.post(
        f"/agreements/{agreement}/edit",
        data=web_form(app, agreement, contract_amount="9999"),
        follow_redirects=True,
    )
    assert saved.status_code == 200 and "协议须由另一方（重新）确认" in saved.get_data(as_text=True)
    assert status_of(app, agreement) is AgreementStatus.RECORDED
    assert indicator_counts(app, YEAR)["iur_agreements"] == 0
    removed = client.post(
        f"/agreements/{agreement}/edit",
        data=web_form(
            app,
            agreement,
            **{
                "parties-0-name": "外地某大学",
                "parties-0-credit_code": "",
                "parties-0-party_type": "university",
            },
        ),
    )
    assert removed.status_code == 422 and "不能把自己从协议各方中移除" in removed.get_data(as_text=True)


# --- found in review: the party's type and link, and the pairing's sides --------------------------


def wire(party: dict[str, Any]) -> dict[str, Any]:
    """A party as the API takes it back."""
    return {k: party[k] for k in ("side", "name", "credit_code", "party_type")}


def test_a_linked_partys_type_is_its_organisations_and_a_changed_type_is_a_counted_change(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    """Whether an agreement counts as 产学研 depends on its parties' types: a linked party takes its
    organisation's type whatever was typed, and changing an unlinked party's type after
    verification sends the record back and out of the count."""
    recorder, bureau = headers(make, world["enterprise"]), headers(make, world["bureau"])
    other = make.user()  # another enterprise on the platform
    agreement = make.agreement(world["enterprise"], [(world["enterprise"], "buyer"), (other, "seller")])
    url = f"/api/v1/agreements/{agreement}"
    parties = [wire(p) for p in client.get(url, headers=recorder).get_json()["parties"]]
    as_university = [{**p, "party_type": "university"} for p in parties]
    patched = client.patch(url, json={"parties": as_university}, headers=recorder)
    assert patched.status_code == 200, patched.get_json()
    assert [p["party_type"] for p in patched.get_json()["parties"]] == ["enterprise", "enterprise"]
    assert patched.get_json()["status"] == "verified"  # nothing changed: still counted as it was

    off_platform = make.agreement(
        world["enterprise"], [(world["enterprise"], "buyer"), ("外地某大学", "seller")], kind="iur_agreement"
    )
    assert off_platform in counted(client, bureau)
    url = f"/api/v1/agreements/{off_platform}"
    parties = [wire(p) for p in client.get(url, headers=recorder).get_json()["parties"]]
    parties[1]["party_type"] = "other"
    changed = client.patch(url, json={"parties": parties}, headers=recorder)
    assert changed.get_json()["status"] == "recorded"
    assert off_platform not in counted(client, bureau)


def test_a_renamed_party_stays_linked_and_is_asked_again(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    """The party that confirmed renames itself: an edit of the amount still goes back to it,
    never straight to staff."""
    agreement = make.agreement(world["enterprise"], iur(world), status="verified", amount=10)
    with app.app_context():
        university = user(world["university"]).organization
        university.name = "江淮理工大学（更名后）"
        db.session.commit()
    url = f"/api/v1/agreements/{agreement}"
    patched = client.patch(url, json={"contract_amount": 9999}, headers=headers(make, world["enterprise"]))
    assert patched.get_json()["status"] == "recorded"
    with app.app_context():
        record = db.session.get(Agreement, agreement)
        assert make.org_of(world["university"]) in record.party_org_ids
        assert service.confirmers(record) == {make.org_of(world["university"])}
    assert client.post(url + "/verify", headers=headers(make, world["bureau"])).status_code == 409
    assert "重新确认" in notes(app, world["university"])[-1].title


def test_an_agreement_from_a_pairing_is_between_its_two_sides(app: Flask, make: Factory, world: dict) -> None:
    """Otherwise any contract, with anyone, would mark a pairing 已签约."""
    from matchmaker.pairings.models import Pairing
    from matchmaker.pairings.values import PairingState

    need = make.posting(world["enterprise"], PostingKind.RD_NEED, PostingStatus.PUBLISHED, **NEED)
    pairing_id = make.pairing(world["university"], need, PairingState.CONTACTED)
    with app.app_context():
        pairing = db.session.get(Pairing, pairing_id)
        enterprise = user(world["enterprise"]).organization
        enterprise.credit_code = "91321023MA0000001" + creditcode.check_digit("91321023MA0000001")
        details = service.AgreementDetails(
            type=service.AgreementType.TECH_SERVICE,
            title="与外地服务公司的技术服务合同",
            signed_on=date(2025, 3, 1),
            parties=[
                service.PartyDetails(
                    PartySide.BUYER, enterprise.name, PartyType.ENTERPRISE, enterprise.credit_code, enterprise
                ),
                service.PartyDetails(PartySide.SELLER, "外地某服务公司", PartyType.OTHER),
            ],
        )
        with pytest.raises(FieldError) as refused:
            service.record_agreement(details, actor=user(world["enterprise"]), pairing=pairing)
        assert "对接双方都须是协议的一方" in refused.value.message
        db.session.rollback()
        assert db.session.get(Pairing, pairing_id).state is PairingState.CONTACTED
