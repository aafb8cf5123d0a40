"""Published lists: chosen by kind/field/town/date, numbered, frozen, printable and downloadable."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import openpyxl
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from matchmaker.accounts.models import User
from matchmaker.accounts.values import OrgType
from matchmaker.core.extensions import db
from matchmaker.postings.imports.rows import COLUMNS
from matchmaker.postings.models import Posting, PublishedList
from matchmaker.postings.values import PostingKind, PostingStatus, Visibility
from matchmaker.taxonomy.models import Town
from tests.conftest import Auth, Factory, clone_database


def preview(client: FlaskClient, **data: object) -> Any:
    return client.post("/lists/new", data={"list_kind": "rd_needs", "tech_field": "", "town": "", **data})


def publish(client: FlaskClient, **data: object) -> Any:
    """Choose, preview and confirm, as staff do."""
    return preview(client, confirmed="yes", **data)


def test_rd_need_list_is_previewed_numbered_frozen_and_downloadable(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    owner = make.user()
    kept = make.posting(owner, PostingKind.RD_NEED, title="入选清单的研发需求", keywords=["电机"])
    make.posting(owner, PostingKind.RD_NEED, title="仅登录可见的需求", visibility=Visibility.MEMBERS)
    make.posting(owner, PostingKind.RD_NEED, PostingStatus.DRAFT, title="草稿需求")
    make.posting(make.user(org_type=OrgType.UNIVERSITY), PostingKind.RESEARCH_OUTCOME, title="一项成果")
    auth.login(make.bureau())
    shown = preview(client)
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "专精特新企业研发攻关需求清单（" in page and "共 1 条" in page
    assert "第1期" in page and "确认发布（1 条）" in page and "入选清单的研发需求" in page
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(PublishedList)) == 0
        )  # preview saves nothing
    response = publish(client)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "专精特新企业研发攻关需求清单" in page and "第1期" in page and "共 1 条" in page
    assert "入选清单的研发需求" in page
    for absent in ("仅登录可见的需求", "草稿需求", "一项成果"):
        assert absent not in page

    with app.app_context():  # a later edit does not change what was published
        db.session.get(Posting, kept).title = "发布后改过的标题"
        db.session.commit()
        plist = db.session.scalars(select(PublishedList)).one()
        list_id = plist.id
    auth.logout()  # anyone can read and download published lists
    assert "入选清单的研发需求" in client.get(f"/lists/{list_id}").get_data(as_text=True)
    download = client.get(f"/lists/{list_id}.xlsx")
    sheet = openpyxl.load_workbook(BytesIO(download.data)).active
    assert [c.value for c in sheet[1]] == list(COLUMNS)  # the import template's columns
    assert sheet[2][1].value == "入选清单的研发需求" and sheet[2][4].value == "电机"


def test_each_list_is_numbered_on_its_own_with_its_own_title(
    client: FlaskClient, auth: Auth, make: Factory
) -> None:
    owner, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    make.posting(owner, PostingKind.RD_NEED)
    make.posting(owner, PostingKind.SUPPLY_NEED)
    make.posting(university, PostingKind.RESEARCH_OUTCOME)
    auth.login(make.bureau())
    for kind, title in (
        ("outcomes", "高校院所创新成果清单"),
        ("rd_needs", "专精特新企业研发攻关需求清单"),
        ("supply", "产品配套供需信息清单"),
        ("rd_needs", "专精特新企业研发攻关需求清单"),
    ):
        page = client.get(publish(client, list_kind=kind).location).get_data(as_text=True)
        assert title in page
    index = client.get("/lists/").get_data(as_text=True)
    assert index.count("第1期") == 3 and index.count("第2期") == 1


def test_an_empty_list_is_refused_with_advice(client: FlaskClient, auth: Auth, make: Factory) -> None:
    make.posting(make.user(), PostingKind.RD_NEED)
    auth.login(make.bureau())
    page = preview(client, published_from="2000-01-01", published_to="2000-12-31").get_data(as_text=True)
    assert "不能发布空清单" in page and "确认发布" not in page
    refused = publish(client, published_from="2000-01-01", published_to="2000-12-31")
    assert refused.status_code in (302, 303)
    assert "共 0 条" not in client.get("/lists/").get_data(as_text=True)


def test_a_wrong_list_is_withdrawn_with_reason_and_keeps_its_number(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    make.posting(make.user(), PostingKind.RD_NEED, title="误发的需求")
    auth.login(make.bureau())
    list_id = int(publish(client).location.rsplit("/", 1)[1])
    missing = client.post(f"/lists/{list_id}/withdraw", data={"reason": ""})
    assert missing.status_code == 422 and "请写明撤回理由" in missing.get_data(as_text=True)
    assert client.post(f"/lists/{list_id}/withdraw", data={"reason": "日期范围选错"}).status_code == 302
    page = client.get(f"/lists/{list_id}").get_data(as_text=True)
    assert "本期清单已撤回" in page and "日期范围选错" in page and "误发的需求" in page
    assert "已撤回" in client.get("/lists/").get_data(as_text=True)
    again = client.get(publish(client).location).get_data(as_text=True)
    assert "第2期" in again  # the withdrawn number is never reused
    auth.logout()
    auth.login(make.user())
    assert client.post(f"/lists/{list_id}/withdraw", data={"reason": "x"}).status_code == 403


def test_contacts_in_lists_only_for_bureau_staff(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    make.posting(make.user(), PostingKind.RD_NEED, contact_name="陈经理", contact_phone="13805250001")
    auth.login(make.bureau())
    list_id = int(publish(client).location.rsplit("/", 1)[1])
    assert "13805250001" in client.get(f"/lists/{list_id}").get_data(as_text=True)
    sheet = openpyxl.load_workbook(BytesIO(client.get(f"/lists/{list_id}.xlsx").data)).active
    assert "13805250001" in [c.value for c in sheet[2]]
    for reader in (None, make.user(org_type=OrgType.UNIVERSITY)):
        auth.logout()
        if reader:
            auth.login(reader)
        page = client.get(f"/lists/{list_id}").get_data(as_text=True)
        assert "13805250001" not in page and "陈经理" not in page and "表达合作意向" in page
        sheet = openpyxl.load_workbook(BytesIO(client.get(f"/lists/{list_id}.xlsx").data)).active
        values = [c.value for c in sheet[2]]
        assert "13805250001" not in values and "陈经理" not in values


def test_concurrent_publishers_never_share_a_number(app: Flask, make: Factory) -> None:
    """Eight staff publish the same list at the same moment: eight different numbers."""
    import threading

    from matchmaker.postings import lists
    from matchmaker.postings.values import ListKind

    make.posting(make.user(), PostingKind.RD_NEED)
    with app.app_context():
        reviewer_id = make.reviewer().id
        db.session.commit()
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def publisher() -> None:
        try:
            with app.app_context():
                actor = db.session.get(User, reviewer_id)
                selection = lists.Selection(ListKind.RD_NEEDS)
                barrier.wait()
                lists.publish_list(selection, actor=actor)
                db.session.commit()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=publisher) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    with app.app_context():
        serials = sorted(db.session.scalars(select(PublishedList.serial)))
    assert serials == list(range(1, 9))


def test_filters_by_town_and_date(app: Flask, client: FlaskClient, auth: Auth, make: Factory) -> None:
    owner = make.user()
    make.posting(owner, PostingKind.RD_NEED, title="安宜镇的需求", town="安宜镇")
    make.posting(owner, PostingKind.RD_NEED, title="范水镇的需求", town="范水镇")
    with app.app_context():
        town_id = db.session.scalar(select(Town.id).where(Town.name == "范水镇"))
    auth.login(make.bureau())
    page = client.get(publish(client, town=str(town_id)).location).get_data(as_text=True)
    assert "范水镇的需求" in page and "安宜镇的需求" not in page


def test_date_range_is_china_standard_time(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    """Published at 2026-03-01 17:30 UTC is 2 March in Baoying: it belongs to a list of 2 March."""
    from datetime import UTC, datetime

    posting = make.posting(make.user(), PostingKind.RD_NEED, title="深夜发布的需求")
    with app.app_context():
        db.session.get(Posting, posting).published_at = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)
        db.session.commit()
    auth.login(make.bureau())
    march_2 = preview(client, published_from="2026-03-02", published_to="2026-03-02")
    assert "深夜发布的需求" in march_2.get_data(as_text=True)
    march_1 = preview(client, published_from="2026-03-01", published_to="2026-03-01")
    assert "深夜发布的需求" not in march_1.get_data(as_text=True)


def test_list_form_errors(client: FlaskClient, auth: Auth, make: Factory) -> None:
    auth.login(make.bureau())
    response = client.post("/lists/new", data={"tech_field": "", "town": "", "list_kind": ""})
    assert response.status_code == 422 and "请选择要发布的清单" in response.get_data(as_text=True)
    response = publish(client, published_from="2026-05-01", published_to="2026-04-01")
    assert response.status_code == 422 and "结束日期不能早于开始日期" in response.get_data(as_text=True)
    response = publish(client, list_kind="bogus")
    assert response.status_code == 422 and "请选择要发布的清单" in response.get_data(as_text=True)


def test_only_bureau_staff_publish_lists(client: FlaskClient, auth: Auth, make: Factory) -> None:
    assert client.get("/lists/").status_code == 200
    assert client.get("/lists/999").status_code == 404
    assert client.get("/lists/999.xlsx").status_code == 404
    auth.login(make.user())
    assert client.get("/lists/new").status_code == 403
    assert publish(client).status_code == 403


def test_export_reimports_in_another_county(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory, tmp_path, template_db
) -> None:

    from matchmaker import create_app
    from tests.conftest import app_config

    owner = make.user()
    make.posting(
        owner,
        PostingKind.RD_NEED,
        title="跨县导入的需求",
        keywords=["绕组", "嵌线"],
        town="曹甸镇",
        tech_field="先进制造",
        cooperation_modes=["joint_dev"],
    )
    auth.login(make.bureau())
    list_id = int(publish(client).location.rsplit("/", 1)[1])
    exported = tmp_path / "list.xlsx"
    exported.write_bytes(client.get(f"/lists/{list_id}.xlsx").data)

    other_db = clone_database(template_db, tmp_path / "other" / "other.sqlite3")
    other = create_app(app_config(other_db))
    runner = other.test_cli_runner()
    assert (
        runner.invoke(
            args=[
                "create-user",
                "b@other.example.com",
                "--role",
                "bureau",
                "--org",
                "他县工信局",
                "--password",
                "lotus-pond-2026",
            ]
        ).exit_code
        == 0
    )
    result = runner.invoke(args=["import-postings", str(exported)])
    assert result.exit_code == 0, result.output
    with other.app_context():
        posting = db.session.scalars(select(Posting)).one()
        assert posting.title == "跨县导入的需求" and posting.keywords == ["绕组", "嵌线"]
        assert posting.town.name == "曹甸镇" and posting.cooperation_modes == ["joint_dev"]
        db.engine.dispose()
