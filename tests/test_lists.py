"""Published lists: chosen by kind/field/town/date, numbered, frozen, printable and downloadable."""

from __future__ import annotations

from io import BytesIO

import openpyxl
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.imports.rows import COLUMNS
from matchmaker.models import OrgType, Posting, PostingKind, PostingStatus, PublishedList, Town, Visibility
from tests.conftest import Auth, Factory


def publish(client: FlaskClient, **data: object) -> object:
    return client.post("/lists/new", data={"kinds": ["rd_need"], "tech_field": "", "town": "", **data})


def test_rd_need_list_is_numbered_frozen_and_downloadable(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    owner = make.user()
    kept = make.posting(owner, PostingKind.RD_NEED, title="入选清单的研发需求", keywords=["电机"])
    make.posting(owner, PostingKind.RD_NEED, title="仅登录可见的需求", visibility=Visibility.MEMBERS)
    make.posting(owner, PostingKind.RD_NEED, PostingStatus.DRAFT, title="草稿需求")
    make.posting(make.user(org_type=OrgType.UNIVERSITY), PostingKind.RESEARCH_OUTCOME, title="一项成果")
    auth.login(make.bureau())
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

    auth.login(make.bureau())
    publish(client, kinds=["research_outcome"])
    publish(client, kinds=["supply_need", "supply_offer"])
    index = client.get("/lists/").get_data(as_text=True)
    assert (
        "高校院所创新成果清单" in index
        and "第2期" in index
        and "产业链供需信息清单" in index
        and "第3期" in index
    )


def test_filters_by_town_and_date(app: Flask, client: FlaskClient, auth: Auth, make: Factory) -> None:
    owner = make.user()
    make.posting(owner, PostingKind.RD_NEED, title="安宜镇的需求", town="安宜镇")
    make.posting(owner, PostingKind.RD_NEED, title="范水镇的需求", town="范水镇")
    with app.app_context():
        town_id = db.session.scalar(select(Town.id).where(Town.name == "范水镇"))
    auth.login(make.bureau())
    page = client.get(publish(client, town=str(town_id)).location).get_data(as_text=True)
    assert "范水镇的需求" in page and "安宜镇的需求" not in page
    page = client.get(
        publish(client, published_from="2000-01-01", published_to="2000-12-31").location
    ).get_data(as_text=True)
    assert "共 0 条" in page and "没有符合条件的信息" in page


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
    march_2 = client.get(publish(client, published_from="2026-03-02", published_to="2026-03-02").location)
    assert "深夜发布的需求" in march_2.get_data(as_text=True)
    march_1 = client.get(publish(client, published_from="2026-03-01", published_to="2026-03-01").location)
    assert "深夜发布的需求" not in march_1.get_data(as_text=True)


def test_list_form_errors(client: FlaskClient, auth: Auth, make: Factory) -> None:
    auth.login(make.bureau())
    response = client.post("/lists/new", data={"tech_field": "", "town": ""})
    assert response.status_code == 422 and "请至少选择一种信息类型" in response.get_data(as_text=True)
    response = publish(client, published_from="2026-05-01", published_to="2026-04-01")
    assert response.status_code == 422 and "结束日期不能早于开始日期" in response.get_data(as_text=True)
    response = publish(client, kinds=["bogus"])
    assert response.status_code == 422 and "信息类型选项无效" in response.get_data(as_text=True)


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
    import shutil

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

    other_db = tmp_path / "other" / "other.sqlite3"
    other_db.parent.mkdir()
    shutil.copy(template_db, other_db)
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
