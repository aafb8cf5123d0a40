"""Agreements: recording (from a pairing or standalone), confirmation and verification, the
counting rules on a known data set with exact figures, targets and rules edited by bureau staff,
the dashboard's numbers against their drill-downs, evidence files, exports, concurrency."""

from __future__ import annotations

import io
import re
import threading
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from matchmaker.accounts import operations as accounts
from matchmaker.accounts.values import OrgType
from matchmaker.agreements import counting, ledger
from matchmaker.agreements import operations as service
from matchmaker.agreements.models import Agreement, Indicator
from matchmaker.agreements.values import AgreementStatus, AgreementType, PartySide, PartyType
from matchmaker.core import clock
from matchmaker.core.exceptions import FieldError, InvalidTransition, PermissionDenied
from matchmaker.core.extensions import db
from matchmaker.core.journal import JournalEntry
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import PairingState
from matchmaker.postings.values import PostingKind
from tests.conftest import Factory, sqlite_only
from tests.test_pairings import NEED, OUTCOME, login, page

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def world(make: Factory) -> dict:
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    return {
        "enterprise": enterprise,
        "other_enterprise": make.user(),
        "university": university,
        "bureau": make.bureau(),
        "kjj": make.bureau(),  # the other bureau (科技局)
        "outsider": make.user(),
    }


def indicator_counts(app: Flask, span: str) -> dict[str, int]:
    with app.app_context():
        return {f.indicator.code: f.count for f in counting.figures(counting.Span.parse(span))}


# --- recording and the steps ----------------------------------------------------------------


def test_from_a_pairing_to_a_counted_agreement(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    need = make.posting(world["enterprise"], PostingKind.RD_NEED, **NEED)
    outcome = make.posting(world["university"], PostingKind.RESEARCH_OUTCOME, **OUTCOME)
    pairing = make.pairing(world["university"], need, PairingState.NEGOTIATING, own_id=outcome)
    login(client, world["enterprise"])
    shown = page(client, f"/pairings/{pairing}")
    assert "登记签订的协议" in shown
    form = page(client, f"/agreements/new?pairing={pairing}")
    with app.app_context():
        org_name = accounts.find_user_by_email(world["university"]).organization.name
    assert org_name in form and NEED["title"] in form  # parties and title prefilled
    data = {
        "type": "tech_dev_commissioned",
        "title": "主轴热误差补偿技术开发合同",
        "signed_on": clock.today().isoformat(),
        "contract_amount": "50",
        "tech_amount": "45",
        "registration": "not_applied",
        "parties-0-side": "buyer",
        "parties-0-name": accounts_name(app, world["enterprise"]),
        "parties-0-credit_code": valid_code(1)[:-1]
        + ("0" if valid_code(1)[-1] != "0" else "1"),  # wrong check digit
        "parties-0-party_type": "enterprise",
        "parties-1-side": "seller",
        "parties-1-name": org_name,
        "parties-1-party_type": "university",
    }
    bad_code = client.post(f"/agreements/new?pairing={pairing}", data=data)
    assert bad_code.status_code == 422 and "校验位" in bad_code.get_data(as_text=True)
    summary = bad_code.get_data(as_text=True).split('id="error-summary"')[1].split("</div>")[0]
    assert "校验位" in summary and 'href="#parties"' in summary and "{" not in summary  # linked to 协议各方
    data["parties-0-credit_code"] = valid_code(1)
    created = client.post(f"/agreements/new?pairing={pairing}", data=data)
    assert created.status_code == 302, created.get_data(as_text=True)
    url = created.location
    with app.app_context():
        agreement = db.session.scalars(select(Agreement)).one()
        assert agreement.status is AgreementStatus.RECORDED and agreement.pairing_id == pairing
        assert db.session.get(Pairing, pairing).state is PairingState.SIGNED
        assert {p.organization_id for p in agreement.parties} == {
            make.org_of(world["enterprise"]),
            make.org_of(world["university"]),
        }
    assert "等待协议另一方在平台上确认" in page(client, url)
    assert "确认：我方签订了这份协议" not in page(client, url)  # not the recorder
    assert indicator_counts(app, str(clock.today().year))["iur_agreements"] == 0

    login(client, world["university"])
    client.post(url + "/confirm")
    login(client, world["bureau"])
    assert client.post(url + "/verify", data={"note": "已见合同扫描件"}).status_code == 302
    assert indicator_counts(app, str(clock.today().year))["iur_agreements"] == 1
    dashboard = page(client, f"/agreements/dashboard?year={clock.today().year}")
    link = re.search(r'href="([^"]*indicator=iur_agreements[^"]*)"><strong>1</strong>', dashboard)
    assert link, "the 产学研 count links to its agreements"
    assert "主轴热误差补偿技术开发合同" in page(client, link.group(1).replace("&amp;", "&"))
    lineage = page(client, url)
    assert NEED["title"] in lineage and OUTCOME["title"] in lineage and "对接" in lineage
    login(client, world["enterprise"])
    assert "主轴热误差补偿技术开发合同" in page(client, f"/postings/{need}")  # the need shows what it led to


def accounts_name(app: Flask, email: str) -> str:
    with app.app_context():
        return accounts.find_user_by_email(email).organization.name


def valid_code(n: int) -> str:
    from matchmaker.accounts import creditcode

    first17 = f"91321023MA{n:07d}"
    return first17 + creditcode.check_digit(first17)


def test_the_other_side_confirms_and_only_bureau_verifies(app: Flask, make: Factory, world: dict) -> None:
    agreement_id = make.agreement(
        world["enterprise"],
        [(world["enterprise"], "buyer"), (world["university"], "seller")],
        status="recorded",
    )
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        user = accounts.find_user_by_email
        with pytest.raises(InvalidTransition, match="另一方"):
            service.confirm_agreement(agreement, actor=user(world["enterprise"]))
        with pytest.raises(PermissionDenied):
            service.confirm_agreement(agreement, actor=user(world["outsider"]))
        with pytest.raises(InvalidTransition, match="须先由协议另一方"):
            service.verify_agreement(agreement, actor=user(world["bureau"]))
        with pytest.raises(PermissionDenied):
            service.verify_agreement(agreement, actor=user(world["university"]))
        service.confirm_agreement(agreement, actor=user(world["university"]))
        service.verify_agreement(agreement, actor=user(world["bureau"]))
        db.session.commit()
        assert agreement.status is AgreementStatus.VERIFIED


def test_an_agreement_reached_off_the_platform_is_verified_directly(
    app: Flask, make: Factory, world: dict
) -> None:
    agreement_id = make.agreement(
        world["bureau"], [(world["enterprise"], "buyer"), ("外省某大学", "seller")], status="recorded"
    )
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        user = accounts.find_user_by_email
        service.confirm_agreement(agreement, actor=user(world["enterprise"]))  # the one party here
        service.verify_agreement(agreement, actor=user(world["kjj"]))
        db.session.commit()
    alone = make.agreement(
        world["bureau"], [("甲公司", "buyer"), ("外省某大学", "seller")], status="recorded"
    )
    with app.app_context():
        agreement = db.session.get(Agreement, alone)
        assert service.confirmers(agreement) == set()
        service.verify_agreement(agreement, actor=accounts.find_user_by_email(world["bureau"]))
        db.session.commit()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"tech_amount": Decimal(60)}, "tech_amount", "不能大于合同成交额"),
        ({"signed_on": date(2099, 1, 1)}, "signed_on", "不能晚于今天"),
        ({"equity": True}, "equity", "技术转让"),
        ({"registration_number": "2025320100000123"}, "registration_number", "已登记"),
        ({"title": "短"}, "title", "4到120"),
        ({"contract_amount": Decimal("Infinity")}, "contract_amount", "金额"),
    ],
)
def test_rules_of_a_record(change: dict, field: str, message: str) -> None:
    details = service.AgreementDetails(
        type=AgreementType.TECH_DEV_COMMISSIONED,
        title="一份技术开发合同",
        signed_on=date(2025, 3, 1),
        contract_amount=Decimal(50),
        parties=[
            service.PartyDetails(PartySide.BUYER, "甲公司", PartyType.ENTERPRISE, valid_code(7)),
            service.PartyDetails(PartySide.SELLER, "乙大学", PartyType.UNIVERSITY),
        ],
    )
    for name, value in change.items():
        setattr(details, name, value)
    problems = details.problems()
    assert field in problems and message in problems[field]


def test_parties_are_checked(world: dict) -> None:
    def problem(parties: list, kind: AgreementType = AgreementType.TECH_SERVICE) -> str | None:
        return service.AgreementDetails(
            type=kind, title="一份合同名称", signed_on=date(2025, 1, 1), parties=parties
        ).party_problem()

    buyer = service.PartyDetails(PartySide.BUYER, "甲公司", PartyType.ENTERPRISE, valid_code(3))
    assert "甲方、乙方" in problem([buyer])
    assert problem([buyer], AgreementType.INNOVATION_PLAN) is None  # an enterprise's own plan
    no_code = service.PartyDetails(PartySide.SELLER, "乙公司", PartyType.ENTERPRISE)
    assert "统一社会信用代码" in problem([buyer, no_code])
    assert "重复" in problem([buyer, service.PartyDetails(PartySide.SELLER, "甲公司", PartyType.UNIVERSITY)])


# --- counting -------------------------------------------------------------------------------


def test_counting_rules_on_a_known_set(app: Flask, client: FlaskClient, make: Factory, world: dict) -> None:
    e, e2, u = world["enterprise"], world["other_enterprise"], world["university"]
    iur = [(e, "buyer"), (u, "seller")]
    a = make.agreement(e, iur, signed_on=date(2023, 5, 1), amount=30)
    b = make.agreement(e, iur, kind="tech_transfer", signed_on=date(2024, 3, 1), amount=80)
    c = make.agreement(
        e, [(e, "buyer"), (e2, "seller")], kind="tech_license", signed_on=date(2024, 6, 1), amount=10
    )
    d = make.agreement(u, iur, kind="iur_agreement", signed_on=date(2025, 2, 1))
    make.agreement(e, iur, status="recorded", signed_on=date(2025, 3, 1))  # unverified
    make.agreement(e, iur, status="confirmed", signed_on=date(2025, 3, 2))  # awaiting the bureau
    make.agreement(e, iur, status="returned", signed_on=date(2025, 3, 3))  # returned
    g = make.agreement(world["kjj"], iur, kind="tech_transfer", signed_on=date(2024, 3, 1), amount=80)  # = b
    h = make.agreement(e, [(e, "buyer"), (e2, "seller")], kind="new_product", signed_on=date(2023, 9, 1))
    deleted = make.agreement(e, iur, signed_on=date(2025, 4, 1))
    edited = make.agreement(e, iur, signed_on=date(2025, 5, 1), amount=5)
    make.agreement(e, iur, signed_on=date(2022, 12, 31))  # before the plan
    with app.app_context():
        user = accounts.find_user_by_email
        service.delete_agreement(db.session.get(Agreement, deleted), "重复录入", actor=user(world["bureau"]))
        agreement = db.session.get(Agreement, edited)
        details = details_of(agreement)
        details.contract_amount = Decimal(6)
        service.update_agreement(agreement, details, actor=user(e))
        db.session.commit()
        assert agreement.status is AgreementStatus.RECORDED  # the amount is counted: back to the other side
        groups = counting.groups(counting._verified(counting.Span(2023, 2025)))
        assert sorted(len(grp) for grp in groups) == [1, 1, 1, 1, 2]  # b and g: one contract
    assert indicator_counts(app, "2023") == {
        "iur_agreements": 1,
        "tech_transfer": 0,
        "new_products": 1,
        "innovation_plans": 0,
    }
    assert indicator_counts(app, "2024") == {
        "iur_agreements": 1,  # b (g is the same contract), not c (two enterprises)
        "tech_transfer": 2,  # b, c
        "new_products": 0,
        "innovation_plans": 0,
    }
    assert indicator_counts(app, "2025")["iur_agreements"] == 1  # d only
    assert indicator_counts(app, "2023-2025") == {
        "iur_agreements": 3,
        "tech_transfer": 2,
        "new_products": 1,
        "innovation_plans": 0,
    }
    headers = {"Authorization": f"Bearer {make.token(world['bureau'])}"}
    answer = client.get("/api/v1/indicators?period=2023-2025", headers=headers).get_json()
    by_code = {i["code"]: i for i in answer["indicators"]}
    assert sorted(by_code["iur_agreements"]["agreement_ids"]) == sorted([a, b, d])
    assert (
        by_code["tech_transfer"]["agreement_ids"] == sorted([b, c])
        and by_code["tech_transfer"]["target"] == 10
    )
    assert all(i["count"] == len(set(i["agreement_ids"])) for i in answer["indicators"])
    assert (
        g not in by_code["tech_transfer"]["agreement_ids"] and h in by_code["new_products"]["agreement_ids"]
    )
    login(client, world["bureau"])
    duplicate = page(client, f"/agreements/{g}")
    assert "疑似重复登记" in duplicate and f"统计时只计 #{b}" in duplicate
    assert "计入：" in page(client, f"/agreements/{b}")
    one_year = client.get("/api/v1/indicators?year=2023", headers=headers).get_json()
    assert {i["code"]: i["target"] for i in one_year["indicators"]}["iur_agreements"] == 10
    assert client.get("/api/v1/indicators?year=20x3", headers=headers).status_code == 400


def details_of(agreement: Agreement) -> service.AgreementDetails:
    return service.AgreementDetails(
        type=agreement.type,
        title=agreement.title,
        signed_on=agreement.signed_on,
        contract_amount=agreement.contract_amount,
        registration=agreement.registration,
        registration_number=agreement.registration_number,
        parties=[
            service.PartyDetails(p.side, p.name, p.party_type, p.credit_code, p.organization)
            for p in agreement.parties
        ],
    )


def test_the_same_registration_number_is_refused(app: Flask, make: Factory, world: dict) -> None:
    iur = [(world["enterprise"], "buyer"), (world["university"], "seller")]
    make.agreement(world["bureau"], iur, registration_number="2024320100000001")
    with pytest.raises(FieldError, match="2024320100000001"):
        make.agreement(world["kjj"], iur, registration_number="2024320100000001", amount=3)


def test_targets_and_rules_are_edited_by_bureau_staff(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    e, e2 = world["enterprise"], world["other_enterprise"]
    make.agreement(e, [(e, "buyer"), (e2, "seller")], kind="tech_license", signed_on=date(2024, 6, 1))
    login(client, world["enterprise"])
    assert client.get("/agreements/indicators").status_code == 403
    login(client, world["bureau"])
    assert "目标与计数规则" in page(client, "/agreements/indicators")
    client.post("/agreements/indicators", data={"indicator": "tech_transfer", "period": "2024", "value": "7"})
    client.post(
        "/agreements/indicators", data={"indicator": "tech_transfer", "period": "2024", "value": "-1"}
    )
    client.post("/agreements/indicators", data={"indicator": "nonsense", "period": "2024", "value": "1"})
    with app.app_context():
        ind = db.session.get(Indicator, "tech_transfer")
        assert counting.plan_for(counting.Span(2024, 2024)).target_for(ind.code, "2024") == 7
        entry = db.session.scalars(
            select(JournalEntry).where(JournalEntry.action == "indicator.target")
        ).one()
        assert entry.changes == {"indicator": [None, "tech_transfer"], "target 2024": [None, 7]}
    assert indicator_counts(app, "2024")["tech_transfer"] == 1
    client.post(
        "/agreements/indicators",
        data={
            "form": "rules",
            "indicator": "tech_transfer",
            "type_tech_transfer": "y",
        },  # license no longer counts
    )
    assert indicator_counts(app, "2024")["tech_transfer"] == 0
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(JournalEntry).where(JournalEntry.action == "indicator.rules")
            )
            == 1
        )


def test_every_dashboard_number_equals_its_drill_down(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    e, u = world["enterprise"], world["university"]
    need = make.posting(e, PostingKind.RD_NEED, **NEED)
    outcome = make.posting(u, PostingKind.RESEARCH_OUTCOME, **OUTCOME)
    pairing = make.pairing(u, need, PairingState.NEGOTIATING, own_id=outcome)
    make.agreement(e, [(e, "buyer"), (u, "seller")], pairing_id=pairing, amount=40)
    make.agreement(e, [(e, "buyer"), (u, "seller")], kind="tech_transfer", amount=20)
    make.agreement(e, [(e, "buyer"), (world["other_enterprise"], "seller")], kind="new_product")
    login(client, world["bureau"])
    for year in (str(clock.today().year), "2023-2025"):
        dashboard = page(client, f"/agreements/dashboard?year={year}")
        links = re.findall(
            r'<a href="(/agreements/dashboard/list\?[^"]*)">(?:<strong>)?([\d,.]+)(?:</strong>)?', dashboard
        )
        assert len(links) >= 10
        for href, number in links:
            if "." in number or "what=from_need" in href:  # amounts and the median link to what they sum up
                continue
            listing = page(client, href.replace("&amp;", "&"))
            total = int(re.search(r"共 (\d+) ", listing).group(1))
            assert total == int(number), (href, number, total)
            shown = ('class="card agreement-card"', "pairing-card", 'class="drill-posting"')
            assert sum(listing.count(marker) for marker in shown) == total
    assert client.get("/agreements/dashboard/list?indicator=nonsense").status_code == 404


def test_the_dashboard_table_carries_each_months_cumulative_count_and_the_target(
    client: FlaskClient, make: Factory, world: dict
) -> None:
    """The charts' numbers as an accessible table (ECharts draws the same JSON in the browser)."""
    e, u = world["enterprise"], world["university"]
    for signed in (date(2023, 3, 10), date(2024, 5, 2), date(2024, 5, 30)):
        make.agreement(e, [(e, "buyer"), (u, "seller")], signed_on=signed)
    make.agreement(e, [(e, "buyer"), (u, "seller")], kind="tech_transfer", signed_on=date(2025, 1, 8))
    login(client, world["bureau"])
    html = page(client, "/agreements/dashboard?year=2023-2025")
    table = html[
        html.index('<table class="progress-table">') : html.index("</table>", html.index("progress-table"))
    ]
    heads = re.findall(r'<th scope="col">([^<]+)</th>', table)
    assert heads[:3] == ["月份", "产学研合作协议", "技术转移合作项目"]

    def row(label: str) -> list[str]:
        return re.findall(
            r"<td>([^<]*)</td>", re.search(rf"<th scope=\"row\">{label}</th>(.*?)</tr>", table)[1]
        )

    assert row("2023年2月")[:2] == ["0", "0"]
    assert row("2023年3月")[:2] == ["1", "0"]
    assert row("2024年5月")[:2] == ["3", "0"]  # cumulative: two signed that month
    assert row("2025年12月")[:2] == ["4", "1"]  # the tech transfer counts toward both (DOMAIN.md §5)
    assert row("目标") == ["30", "10", "10", "未设"]  # the 2023–2025 plan's targets
    assert 'id="progress-json"' in html and "<svg" not in html  # the figures for ECharts, no hand-drawn SVG
    assert "vendor/echarts/echarts.min.js" in html and "js/dashboard.js" in html


def test_public_dashboard_only_when_switched_on(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    make.agreement(
        world["enterprise"], [(world["enterprise"], "buyer"), (world["university"], "seller")], amount=99
    )
    assert client.get("/agreements/dashboard").status_code == 302  # to the login page
    login(client, world["enterprise"])
    assert client.get("/agreements/dashboard").status_code == 403
    client.post("/auth/logout")
    app.config["DASHBOARD_PUBLIC"] = True
    public = page(client, f"/agreements/dashboard?year={clock.today().year}")
    assert "产学研合作协议" in public and "合同成交额" not in public and "导出 Excel" not in public
    listing = page(client, f"/agreements/dashboard/list?indicator=iur_agreements&year={clock.today().year}")
    assert "成交额" not in listing and "共 1 份" in listing
    for what in ("published", "proposed", "interested", "contacted", "signed"):  # the pipeline: staff only
        assert client.get(f"/agreements/dashboard/list?what={what}").status_code == 403
    assert client.get("/agreements/dashboard.xlsx").status_code == 302


# --- evidence files -------------------------------------------------------------------------


def test_evidence_files_are_checked_stored_safely_and_shown_only_to_the_parties(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    agreement = make.agreement(
        world["enterprise"],
        [(world["enterprise"], "buyer"), (world["university"], "seller")],
        status="recorded",
    )
    login(client, world["enterprise"])
    url = f"/agreements/{agreement}"

    def upload(data: bytes, name: str) -> str:
        response = client.post(url + "/files", data={"file": (io.BytesIO(data), name)}, follow_redirects=True)
        return response.get_data(as_text=True)

    assert "只能上传 PDF" in upload(b"MZ\x90\x00 not a pdf", "合同.pdf")  # the name says pdf, the content not
    assert "不能超过10 MB" in upload(PDF + b"0" * (10 * 1024 * 1024), "大文件.pdf")
    assert "证明材料已上传" in upload(PDF, "../../etc/技术开发合同（盖章版）.pdf")
    with app.app_context():
        stored = db.session.get(Agreement, agreement).files[0]
        assert re.fullmatch(r"[0-9a-f]{32}\.pdf", stored.stored_name)
        assert stored.original_name == "技术开发合同（盖章版）.pdf"
        assert (service.files_dir() / stored.stored_name).read_bytes() == PDF
        file_url = f"{url}/files/{stored.id}"
        assert "static" not in str(service.files_dir())
    with client.get(file_url) as got:
        assert got.status_code == 200 and got.data == PDF and got.mimetype == "application/pdf"
        disposition = got.headers["Content-Disposition"]
        assert "attachment" in disposition and "filename*=UTF-8''" in disposition
    login(client, world["university"])
    with client.get(file_url) as got:
        assert got.status_code == 200  # the other party
    login(client, world["outsider"])
    assert client.get(file_url).status_code == 404 and client.get(url).status_code == 404
    client.post("/auth/logout")
    assert client.get(file_url).status_code == 302
    assert client.get(f"/static/{stored.stored_name}").status_code == 404


# --- exports, lists, permissions ---------------------------------------------------------------


def test_the_ledger_export_has_what_the_registration_form_asks(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    make.agreement(
        world["bureau"],
        [(world["enterprise"], "buyer"), (world["university"], "seller")],
        kind="tech_transfer",
        amount=80,
        registration_number="2025320100000042",
        signed_on=date(2025, 1, 15),
    )
    login(client, world["bureau"])
    response = client.get("/agreements/ledger.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    headers = [c.value for c in sheet[1]]
    assert headers == ledger.HEADERS
    row = dict(zip(headers, [c.value for c in sheet[2]], strict=True))
    assert (
        row["合同类别"] == "技术转让"
        and row["登记编号"] == "2025320100000042"
        and row["签订日期"] == "2025-01-15"
    )
    assert row["甲方1统一社会信用代码"] and row["乙方1类型"] == "高等院校" and row["合同成交额（万元）"] == 80
    assert client.get("/agreements/dashboard.xlsx").status_code == 200
    login(client, world["enterprise"])
    assert client.get("/agreements/ledger.xlsx").status_code == 403
    assert "测试协议" in page(client, "/agreements/")  # 我的协议
    login(client, world["outsider"])
    assert "测试协议" not in page(client, "/agreements/")


def test_deleting_needs_a_reason_and_keeps_the_record(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    agreement = make.agreement(
        world["enterprise"], [(world["enterprise"], "buyer"), (world["university"], "seller")]
    )
    login(client, world["enterprise"])
    assert (
        client.post(f"/agreements/{agreement}/delete", data={"delete-reason": "录错了"}).status_code == 403
    )  # verified
    login(client, world["bureau"])
    client.post(f"/agreements/{agreement}/delete", data={"delete-reason": ""})
    assert indicator_counts(app, str(clock.today().year))["iur_agreements"] == 1
    client.post(f"/agreements/{agreement}/delete", data={"delete-reason": "与 #2 为同一合同"})
    assert indicator_counts(app, str(clock.today().year))["iur_agreements"] == 0
    with app.app_context():
        kept = db.session.get(Agreement, agreement)
        assert kept.is_deleted and kept.history[0].action == "agreement.deleted"
    assert "已删除" in page(client, f"/agreements/{agreement}")


def test_recording_the_same_contract_at_once_from_two_sessions(
    app: Flask, make: Factory, world: dict
) -> None:
    """Both bureaus record one contract at the same moment: with its 登记编号, one record; without,
    two records flagged as one contract and counted once."""
    iur = [(world["enterprise"], "buyer"), (world["university"], "seller")]
    make.agreement(
        world["bureau"], iur, status="recorded", title="先登记一份"
    )  # the factory sets credit codes
    for number in ("2025320100000777", None):
        barrier, errors = threading.Barrier(2), []

        def record(email: str, number: str | None, barrier: threading.Barrier, errors: list) -> None:
            barrier.wait()
            try:
                make.agreement(
                    email, iur, kind="tech_license", amount=12, registration_number=number, title="同一合同"
                )
            except FieldError as error:
                errors.append(error)

        threads = [
            threading.Thread(target=record, args=(who, number, barrier, errors))
            for who in (world["bureau"], world["kjj"])
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with app.app_context():
            same = db.session.scalars(select(Agreement).where(Agreement.title == "同一合同")).all()
            if number:
                assert len(same) == 1 and len(errors) == 1
            else:
                assert len(same) == 3 and not errors  # the numbered one, and two unnumbered
    assert indicator_counts(app, str(clock.today().year))["tech_transfer"] == 1


@sqlite_only  # flask backup is for the embedded database
def test_evidence_files_are_in_the_backup(app: Flask, make: Factory, world: dict, tmp_path) -> None:
    agreement = make.agreement(
        world["enterprise"], [(world["enterprise"], "buyer"), (world["university"], "seller")]
    )
    with app.app_context():
        user = accounts.find_user_by_email(world["enterprise"])
        stored = service.add_file(
            db.session.get(Agreement, agreement), PDF, "合同.pdf", actor=user
        ).stored_name
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "backup" / "uploads" / "agreements" / stored).read_bytes() == PDF


def test_every_problem_of_the_form_is_reported_in_one_round(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    """A bad amount and a party without its credit code: both are said at once, not the second
    only after the first is fixed."""
    login(client, world["enterprise"])
    data = {
        "type": "tech_dev_commissioned",
        "title": "主轴热误差补偿技术开发合同",
        "signed_on": clock.today().isoformat(),
        "contract_amount": "abc",
        "registration": "not_applied",
        "parties-0-side": "buyer",
        "parties-0-name": accounts_name(app, world["enterprise"]),
        "parties-0-party_type": "enterprise",  # no credit code
        "parties-1-side": "seller",
        "parties-1-name": accounts_name(app, world["university"]),
        "parties-1-party_type": "university",
    }
    answer = client.post("/agreements/new", data=data)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "企业须填写统一社会信用代码" in text and "合同成交额" in text.split('id="error-summary"')[1]
    with app.app_context():
        assert db.session.scalars(select(Agreement)).first() is None


def test_a_signing_date_before_the_need_was_published_asks_for_confirmation(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    need = make.posting(world["enterprise"], PostingKind.RD_NEED, **NEED)
    pairing = make.pairing(world["university"], need, PairingState.NEGOTIATING)
    with app.app_context():
        make_code = valid_code(1)
        accounts.find_user_by_email(world["enterprise"]).organization.credit_code = make_code
        db.session.commit()
    login(client, world["enterprise"])
    data = {
        "type": "tech_dev_commissioned",
        "title": "主轴热误差补偿技术开发合同",
        "signed_on": (clock.today() - timedelta(days=400)).isoformat(),
        "registration": "not_applied",
        "parties-0-side": "buyer",
        "parties-0-name": accounts_name(app, world["enterprise"]),
        "parties-0-credit_code": make_code,
        "parties-0-party_type": "enterprise",
        "parties-1-side": "seller",
        "parties-1-name": accounts_name(app, world["university"]),
        "parties-1-party_type": "university",
    }
    asked = client.post(f"/agreements/new?pairing={pairing}", data=data)
    text = asked.get_data(as_text=True)
    assert asked.status_code == 422 and "签订日期早于需求发布" in text and "签订日期无误" in text
    with app.app_context():
        assert db.session.scalars(select(Agreement)).first() is None
    confirmed = client.post(f"/agreements/new?pairing={pairing}", data={**data, "date_confirmed": "y"})
    assert confirmed.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Agreement)).one().pairing_id == pairing
