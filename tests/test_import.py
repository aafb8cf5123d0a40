"""Importing postings from .xlsx / .csv via `flask import-postings`: every row checked, nothing
saved on errors (unless --skip-invalid), provenance recorded, postings published and searchable."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgStatus
from matchmaker.core import clock
from matchmaker.core.extensions import db
from matchmaker.postings.models import ImportBatch, Posting
from matchmaker.postings.values import PostingStatus
from tests.conftest import Factory, database_uri

HEADERS = [
    "类型",
    "标题",
    "详细描述",
    "单位名称",
    "关键词",
    "技术领域",
    "统一社会信用代码",
    "所属镇区",
    "联系电话",
    "预算（万元）",
    "截止日期",
    "合作方式",
]
FUTURE = (clock.today() + timedelta(days=90)).isoformat()
GOOD = [
    [
        "研发需求",
        "电机绕组自动嵌线",
        "电机绕组目前靠人工嵌线，效率低，希望实现自动化。",
        "宝应县走访电机有限公司",
        "电机、绕组、自动化",
        "先进制造",
        "91350100M000100Y43",
        "曹甸镇",
        "13900000001",
        "50",
        FUTURE,
        "合作开发、委托开发",
    ],
    [
        "科技成果",
        "高效电机绕组工艺",
        "一种自动嵌线与绕组成型工艺，适用于中小型电机批量生产。",
        "某某理工大学",
        "绕组",
        "先进制造",
        "",
        "",
        "",
        "",
        "",
        "技术转让",
    ],
]


def write_csv(
    path: Path, rows: list[list[str]], encoding: str = "utf-8", headers: list[str] = HEADERS
) -> Path:
    import csv

    with open(path, "w", newline="", encoding=encoding) as handle:
        csv.writer(handle).writerows([headers, *rows])
    return path


def write_xlsx(path: Path, rows: list[list[object]], headers: list[str] = HEADERS) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def bureau(make: Factory) -> str:
    return make.bureau()


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_every_encoding_imports_and_publishes(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, bureau: str, encoding: str
) -> None:
    path = write_csv(tmp_path / "list.csv", GOOD, encoding)
    result = runner.invoke(args=["import-postings", str(path)])
    assert result.exit_code == 0, result.output
    assert "可导入 2 行" in result.output and "已导入 2 条" in result.output
    with app.app_context():
        postings = db.session.scalars(select(Posting).order_by(Posting.id)).all()
        assert [p.status for p in postings] == [PostingStatus.PUBLISHED] * 2
        first = postings[0]
        assert first.keywords == ["电机", "绕组", "自动化"] and first.cooperation_modes == [
            "joint_dev",
            "commissioned_dev",
        ]
        assert str(first.budget) == "50.00" and first.valid_until.isoformat() == FUTURE
        assert first.town.name == "曹甸镇" and first.organization.credit_code == "91350100M000100Y43"
        assert (
            first.organization.status is OrgStatus.PENDING and not first.organization.users
        )  # claimable later
        assert first.import_batch.filename == "list.csv" and first.import_batch.actor.email == bureau
        assert first.history[0].action == "posting.imported"
        assert app.extensions["search"].stored_stamps().keys() == {p.id for p in postings}  # searchable


def test_xlsx_with_excel_dates_and_serial_numbers(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, bureau: str
) -> None:
    future = clock.today() + timedelta(days=40)
    serial = (future - date(1899, 12, 30)).days
    rows = [list(GOOD[0]), list(GOOD[1])]
    rows[0][10] = future  # a real Excel date cell
    rows[1][10] = serial  # a date typed as a number
    path = write_xlsx(tmp_path / "list.xlsx", rows)
    result = runner.invoke(args=["import-postings", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert set(db.session.scalars(select(Posting.valid_until))) == {future}


def test_invalid_rows_are_reported_and_nothing_is_saved(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, bureau: str
) -> None:
    bad = [
        GOOD[0],
        ["研发需求", "", "描述", "甲公司", "", "", "", "", "", "", "", ""],
        ["需求", "标题", "描述", "乙公司", "", "", "", "", "", "", "", ""],
        [
            "研发需求",
            "标题二",
            "描述",
            "丙公司",
            "",
            "火星",
            "91350100M000100Y44",
            "月球镇",
            "123",
            "abc",
            "2026-13-45",
            "借钱",
        ],
        [
            "科技成果",
            "企业发成果",
            "描述",
            "宝应县走访电机有限公司",
            "",
            "",
            "",
            "",
            "",
            "",
            "2020-01-01",
            "",
        ],
        GOOD[0],
    ]
    result = runner.invoke(args=["import-postings", str(write_csv(tmp_path / "bad.csv", bad))])
    assert result.exit_code != 0
    out = result.output
    assert "第3行：缺少标题" in out
    assert "第4行：" in out and "未知的类型“需求”" in out
    for message in (
        "标题应为4到120个字（现有2个字）",  # the posting form's own rules
        "详细描述应为20到10000个字（现有2个字）",
        "未知的技术领域“火星”",
        "校验位不正确",
        "未知的镇区“月球镇”",
        "联系电话：请填写有效的手机号",
        "预算“abc”不是数字",
        "截止日期“2026-13-45”格式不正确",
        "未知的合作方式“借钱”",
    ):
        assert message in out
    assert "第6行" in out and "在第2行为企业，与本行不符" in out and "已过" in out
    assert "第7行：与第2行重复" in out
    assert "未保存任何数据" in out
    assert count(app, Posting) == 0 and count(app, Organization) == 1  # only the bureau's own


def test_skip_invalid_imports_the_rest(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, bureau: str
) -> None:
    rows = [GOOD[0], ["研发需求", "", "描述", "甲公司", "", "", "", "", "", "", "", ""]]
    result = runner.invoke(
        args=["import-postings", "--skip-invalid", str(write_csv(tmp_path / "x.csv", rows))]
    )
    assert result.exit_code == 0 and "已导入 1 条" in result.output
    with app.app_context():
        batch = db.session.scalars(select(ImportBatch)).one()
        assert (batch.rows_total, batch.rows_imported) == (2, 1)


def test_dry_run_saves_nothing(app: Flask, runner: FlaskCliRunner, tmp_path: Path, bureau: str) -> None:
    result = runner.invoke(args=["import-postings", "--dry-run", str(write_csv(tmp_path / "x.csv", GOOD))])
    assert result.exit_code == 0 and "试运行" in result.output
    assert count(app, Posting) == 0


def test_reimport_is_a_duplicate(app: Flask, runner: FlaskCliRunner, tmp_path: Path, bureau: str) -> None:
    path = write_csv(tmp_path / "x.csv", GOOD)
    assert runner.invoke(args=["import-postings", str(path)]).exit_code == 0
    again = runner.invoke(args=["import-postings", str(path)])
    assert again.exit_code != 0 and "与平台已有信息重复" in again.output
    assert count(app, Posting) == 2


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "文件是空的"),
        (b"\xef\xbb\xbf", "bom-only.csv", "文件是空的"),
        ("类型,标题,详细描述,单位名称\n".encode(), "headers.csv", "共 0 行"),
        (b"not a zip", "broken.xlsx", "无法读取该 Excel 文件"),
        (b"a,b", "list.txt", "仅支持 .xlsx"),
        ("标题,单位名称\n某标题,某单位\n".encode(), "missing.csv", "缺少必填列：类型、详细描述"),
    ],
)
def test_unusable_files_get_a_clear_message(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, bureau: str, content: bytes, name: str, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(args=["import-postings", str(path)])
    assert message in result.output
    assert "Traceback" not in result.output
    assert count(app, Posting) == 0


def test_unknown_columns_are_ignored_with_a_warning(
    runner: FlaskCliRunner, tmp_path: Path, bureau: str
) -> None:
    path = write_csv(tmp_path / "x.csv", [[*GOOD[0], "备注内容"]], headers=[*HEADERS, "备注"])
    result = runner.invoke(args=["import-postings", str(path)])
    assert result.exit_code == 0 and "忽略未知的列：备注" in result.output


def test_huge_cell_and_formula_cells(app: Flask, runner: FlaskCliRunner, tmp_path: Path, bureau: str) -> None:
    huge = list(GOOD[0])
    huge[2] = "长" * 50_000
    formula = list(GOOD[1])
    formula[1] = '=CONCATENATE("a","b")'  # never calculated by Excel: no value to import
    result = runner.invoke(args=["import-postings", str(write_xlsx(tmp_path / "x.xlsx", [huge, formula]))])
    assert result.exit_code != 0
    assert "第2行：详细描述应为20到10000个字（现有32767个字）" in result.output
    assert "第3行：“标题”是公式且没有计算结果" in result.output
    assert count(app, Posting) == 0


def test_needs_a_bureau_user(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["import-postings", str(write_csv(tmp_path / "x.csv", GOOD))])
    assert result.exit_code != 0 and "找不到主管部门用户" in result.output


def test_upload_preview_then_confirm(app: Flask, tmp_path: Path, make: Factory) -> None:
    from io import BytesIO

    client = app.test_client()
    client.post("/auth/login", data={"email": make.bureau(), "password": "lotus-pond-2026"})
    rows = [GOOD[0], ["研发需求", "", "描述", "甲公司", "", "", "", "", "", "", "", ""]]
    data = write_csv(tmp_path / "visit.csv", rows, "gbk").read_bytes()
    page = client.post(
        "/admin/imports", data={"file": (BytesIO(data), "走访清单.csv")}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "可导入 1 行" in page and "缺少标题" in page and "尚未保存任何数据" in page
    assert count(app, Posting) == 0
    token = page.split('name="token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/admin/imports/confirm", data={"token": token})
    assert response.status_code == 302
    assert count(app, Posting) == 1
    listing = client.get("/admin/imports").get_data(as_text=True)
    assert "已导入 1 条信息并发布，跳过 1 行" in listing and "走访清单.csv" in listing
    again = client.post(
        "/admin/imports/confirm", data={"token": token}, headers={"Referer": "http://localhost/admin/imports"}
    )
    assert again.status_code == 303 and count(app, Posting) == 1  # a token imports once


@pytest.mark.parametrize("token", ["", "../../etc/passwd", "x" * 30])
def test_confirm_with_a_bad_token_is_refused(app: Flask, make: Factory, token: str) -> None:
    client = app.test_client()
    client.post("/auth/login", data={"email": make.bureau(), "password": "lotus-pond-2026"})
    response = client.post(
        "/admin/imports/confirm", data={"token": token}, headers={"Referer": "http://localhost/admin/imports"}
    )
    assert response.status_code == 303
    assert "导入文件已失效" in client.get("/admin/imports").get_data(as_text=True)


def test_upload_errors_are_shown_next_to_the_field(app: Flask, make: Factory) -> None:
    from io import BytesIO

    client = app.test_client()
    client.post("/auth/login", data={"email": make.bureau(), "password": "lotus-pond-2026"})
    for content, name, message in (
        (b"abc", "x.txt", "仅支持 .xlsx"),
        (b"junk", "x.xlsx", "无法读取该 Excel"),
        (b"", "x.csv", "文件是空的"),
    ):
        response = client.post(
            "/admin/imports", data={"file": (BytesIO(content), name)}, content_type="multipart/form-data"
        )
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    response = client.post("/admin/imports", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "请选择要导入的文件" in response.get_data(as_text=True)


REAL_ROW = {
    "类型": "研发需求",
    "标题": "电机绕组自动嵌线",
    "详细描述": "电机绕组目前靠人工嵌线，效率低，希望实现自动化。",
    "单位名称": "宝应县走访电机有限公司",
    "技术领域": "先进制造",
    "所属镇区": "曹甸镇",
    "截止日期": FUTURE,
}


def _preview_and_confirm(app: Flask, client: FlaskClient, data: bytes) -> str:
    from io import BytesIO

    page = client.post(
        "/admin/imports", data={"file": (BytesIO(data), "走访清单.xlsx")}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    token = page.split('name="token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/admin/imports/confirm", data={"token": token}).status_code == 302
    return page


def _imported(app: Flask) -> tuple[list[str], list[str]]:
    with app.app_context():
        return (
            list(db.session.scalars(select(Posting.title).order_by(Posting.id))),
            list(db.session.scalars(select(Organization.name).order_by(Organization.id))),
        )


def test_template_round_trip_imports_only_the_real_row(app: Flask, tmp_path: Path, make: Factory) -> None:
    """Download 导入模板, add one real row, upload, confirm: the example is not among the data rows
    (it lives on the 说明 sheet, which is never read), so it is neither imported nor published."""
    client = app.test_client()
    client.post("/auth/login", data={"email": make.bureau(), "password": "lotus-pond-2026"})
    response = client.get("/admin/imports/template.xlsx")
    assert response.status_code == 200
    path = tmp_path / "template.xlsx"
    path.write_bytes(response.data)
    book = openpyxl.load_workbook(path)
    data, notes = book.worksheets
    headers = [c.value for c in data[1]]
    assert headers[:4] == ["类型", "标题", "详细描述", "单位名称"] and data.max_row == 1
    assert notes.title == "说明" and "示例电气设备有限公司" in [c.value for c in notes["D"]]
    data.append([REAL_ROW.get(h, "") for h in headers])
    book.save(path)

    page = _preview_and_confirm(app, client, path.read_bytes())
    assert "共 1 行：<strong>可导入 1 行</strong>" in page and "示例电气设备有限公司" not in page
    titles, orgs = _imported(app)
    assert titles == ["电机绕组自动嵌线"] and "示例电气设备有限公司" not in orgs


def test_the_template_example_pasted_into_the_data_rows_is_skipped(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, make: Factory
) -> None:
    """A template downloaded before the example moved to 说明 (or the example pasted back): the
    preview says the example row is skipped, and only the real row is imported."""
    from matchmaker.postings.imports.rows import COLUMNS, EXAMPLE

    client = app.test_client()
    client.post("/auth/login", data={"email": make.bureau(), "password": "lotus-pond-2026"})
    example = {**EXAMPLE, "截止日期": FUTURE}
    path = write_xlsx(
        tmp_path / "old-template.xlsx",
        [[example[h] for h in COLUMNS], [REAL_ROW.get(h, "") for h in COLUMNS]],
        list(COLUMNS),
    )
    result = runner.invoke(args=["import-postings", "--dry-run", str(path)])
    assert "第2行是导入模板中的示例" in result.output and "可导入 1 行" in result.output

    page = _preview_and_confirm(app, client, path.read_bytes())
    assert (
        "第2行是导入模板中的示例（示例电气设备有限公司“箱式变电站温升在线监测”），已跳过，不会导入。" in page
    )
    assert "可导入 1 行" in page
    titles, orgs = _imported(app)
    assert titles == ["电机绕组自动嵌线"] and "示例电气设备有限公司" not in orgs


def test_only_bureau_staff_import(app: Flask, make: Factory) -> None:
    client = app.test_client()
    client.post("/auth/login", data={"email": make.user(), "password": "lotus-pond-2026"})
    assert client.get("/admin/imports").status_code == 403
    assert client.post("/admin/imports/confirm", data={"token": "x" * 30}).status_code == 403


def big_csv(path: Path, rows: int) -> Path:
    lines = [
        [
            "研发需求",
            f"第{i}号走访需求：电机绕组自动嵌线",
            f"电机绕组目前靠人工嵌线，效率低，希望实现自动化。编号{i}。",
            f"走访企业{i % 7}有限公司",
        ]
        for i in range(rows)
    ]
    return write_csv(path, lines, headers=["类型", "标题", "详细描述", "单位名称"])


def upload_and_confirm(client: FlaskClient, path: Path) -> Any:
    from io import BytesIO

    page = client.post(
        "/admin/imports",
        data={"file": (BytesIO(path.read_bytes()), path.name)},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    token = page.split('name="token" type="hidden" value="')[1].split('"')[0]
    return client.post("/admin/imports/confirm", data={"token": token})


def wait_for(app: Flask, batch_id: int, seconds: float = 60) -> ImportBatch:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.app_context():
            batch = db.session.get(ImportBatch, batch_id)
            assert batch is not None
            if batch.is_finished:
                db.session.expunge(batch)
                return batch
        time.sleep(0.1)
    raise AssertionError("import job did not finish")


def test_a_large_confirmation_answers_at_once_and_imports_in_the_background(
    db_path: Path, tmp_path: Path, make: Factory
) -> None:
    from matchmaker import create_app
    from tests.conftest import app_config

    app = create_app(app_config(db_path, IMPORT_INLINE_ROWS=50))
    make = Factory(app)
    client = app.test_client()
    client.post("/auth/login", data={"email": make.bureau(), "password": "lotus-pond-2026"})
    response = upload_and_confirm(client, big_csv(tmp_path / "big.csv", 1200))
    assert response.status_code == 302 and "/admin/imports/" in response.location
    batch_id = int(response.location.rsplit("/", 1)[1])
    assert "导入进度" in client.get(response.location).get_data(as_text=True)
    batch = wait_for(app, batch_id)
    assert (batch.status, batch.rows_imported, batch.rows_valid) == ("done", 1200, 1200)
    assert count(app, Posting) == 1200
    page = client.get(response.location).get_data(as_text=True)
    assert "导入完成" in page and 'http-equiv="refresh"' not in page
    assert "第1199号走访需求" in client.get("/search?q=第1199号走访需求").get_data(as_text=True)
    with app.app_context():
        assert app.extensions["search"].stored_stamps().keys() >= set(db.session.scalars(select(Posting.id)))


def test_a_job_whose_worker_dies_resumes_without_loss_or_duplicates(
    app: Flask, db_path: Path, tmp_path: Path, make: Factory
) -> None:
    """A real worker is killed mid-import; the next look at the page resumes the job."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from matchmaker.postings.imports import jobs, reader, rows, staging

    bureau = make.bureau()
    path = big_csv(tmp_path / "big.csv", 2500)
    folder = Path(app.instance_path) / "imports"
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.email == bureau))
        report = rows.check(reader.read_table(path.read_bytes(), path.name))
        token = staging.stage(folder, path.read_bytes(), path.name)
        batch_id = jobs.queue(report, token=token, filename=path.name, actor=actor).id
        db.session.commit()
    env = {
        **os.environ,
        "MATCHMAKER_SQLALCHEMY_DATABASE_URI": database_uri(db_path),
        "MATCHMAKER_INSTANCE_PATH": app.instance_path,
        "MATCHMAKER_SECRET_KEY": "test",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "matchmaker", "import-resume", str(batch_id)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and count(app, Posting) < 500:
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    done_before = count(app, Posting)
    assert 0 < done_before < 2500, "the worker should die mid-import"
    with app.app_context():  # as if two minutes had passed without a heartbeat
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status == "running" and batch.rows_imported == done_before
        batch.heartbeat_at = batch.heartbeat_at - jobs.STALE * 2
        db.session.commit()
    client = app.test_client()
    client.post("/auth/login", data={"email": bureau, "password": "lotus-pond-2026"})
    assert client.get(f"/admin/imports/{batch_id}").status_code == 200  # resumes it
    batch = wait_for(app, batch_id)
    assert (batch.status, batch.rows_imported) == ("done", 2500)
    with app.app_context():
        titles = db.session.scalars(select(Posting.title)).all()
        assert len(titles) == len(set(titles)) == 2500


def test_imports_obey_the_form_rules_and_trim_harmless_excess(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, bureau: str
) -> None:
    """A 1-character title or 2-character description is refused as on the form; 12 keywords
    from another system keep the first 10, and the preview says so."""
    too_short = ["研发需求", "电", "太短", "短标题公司", "", "", "", "", "", "", "", ""]
    many = list(GOOD[0])
    many[4] = "、".join(f"词{i}" for i in range(12))
    result = runner.invoke(
        args=["import-postings", "--dry-run", str(write_csv(tmp_path / "r.csv", [too_short, many]))]
    )
    assert "标题应为4到120个字（现有1个字）" in result.output
    assert "详细描述应为20到10000个字（现有2个字）" in result.output
    assert "可导入 1 行" in result.output and "可导入 2 行" not in result.output
    from io import BytesIO

    client = app.test_client()
    client.post("/auth/login", data={"email": bureau, "password": "lotus-pond-2026"})
    page = client.post(
        "/admin/imports",
        data={"file": (BytesIO((tmp_path / "r.csv").read_bytes()), "r.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "只保留前10个" in page and "词10、词11" in page
