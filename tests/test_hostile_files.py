"""Uploads built to exhaust memory or time get a clear Chinese error quickly, within a bounded
amount of memory (docs/SECURITY.md), instead of taking the worker down.

Each hostile file is read in a child process capped at CAP_MB of address space and TIME_LIMIT
seconds, so a regression fails the test instead of the machine.
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from matchmaker.core.exceptions import DomainError
from matchmaker.postings.imports import reader

ROOT = Path(__file__).resolve().parents[1]
MEMORY_BOUND_MB = 120  # Python heap while reading any upload (docs/SECURITY.md)
CAP_MB = 2048
TIME_LIMIT = 60


def small_xlsx(rows: int = 2) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["类型", "标题", "详细描述", "单位名称"])
    for i in range(rows):
        sheet.append(["研发需求", f"标题{i}", "一段足够长的详细描述，用于测试导入文件。", "某公司"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite(data: bytes, replace: dict[str, Callable[[bytes], bytes]]) -> bytes:
    """The same archive with some members' contents replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename in replace:
                content = replace[item.filename](content)
            dst.writestr(item.filename, content)
    return out.getvalue()


def claim_whole_sheet(xml: bytes) -> bytes:
    return xml.replace(b'<dimension ref="A1:D3" />', b'<dimension ref="A1:XFD1048576" />')


def claim_whole_sheet_and_fill_last_cell(xml: bytes) -> bytes:
    last = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    return claim_whole_sheet(xml).replace(b"</sheetData>", last)


def million_rows_sheet(_: bytes) -> bytes:
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>研发需求</t></is></c>'
        f'<c r="B{r}" t="inlineStr"><is><t>标题{r}</t></is></c></row>'
        for r in range(1, 1_000_001)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:B1000000"/><sheetData>{rows}</sheetData></worksheet>'
    ).encode()


def zip_bomb() -> bytes:
    """A valid workbook whose one shared string is 200 MB, about 200 KB zipped."""
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(io.BytesIO(small_xlsx())) as src:
            for item in src.infolist():
                if item.filename != "xl/sharedStrings.xml":
                    archive.writestr(item.filename, src.read(item.filename))
        with archive.open("xl/sharedStrings.xml", "w") as member:
            member.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            chunk = b"A" * 2**20
            for _ in range(200):
                member.write(chunk)
            member.write(b"</t></si></sst>")
    return bomb.getvalue()


FILES: dict[str, Callable[[], tuple[bytes, str]]] = {
    "dimensions": lambda: (rewrite(small_xlsx(), {"xl/worksheets/sheet1.xml": claim_whole_sheet}), "x.xlsx"),
    "dimensions_far_cell": lambda: (
        rewrite(small_xlsx(), {"xl/worksheets/sheet1.xml": claim_whole_sheet_and_fill_last_cell}),
        "x.xlsx",
    ),
    "zip_bomb": lambda: (zip_bomb(), "x.xlsx"),
    "million_rows_xlsx": lambda: (
        rewrite(small_xlsx(0), {"xl/worksheets/sheet1.xml": million_rows_sheet}),
        "x.xlsx",
    ),
    "million_rows_csv": lambda: (
        ("类型,标题,详细描述,单位名称\n" + "研发需求,a,b,c\n" * 600_000).encode(),
        "x.csv",
    ),
}


def child(name: str) -> None:
    """In the capped child: build the file, read it, print what happened as JSON."""
    data, filename = FILES[name]()
    resource.setrlimit(resource.RLIMIT_AS, (CAP_MB * 2**20, CAP_MB * 2**20))
    tracemalloc.start()
    outcome: dict[str, object] = {"size_mb": len(data) / 2**20}
    try:
        table = reader.read_table(data, filename)
        outcome["rows"] = len(table.rows)
    except DomainError as error:
        outcome["error"] = error.message
    outcome["peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    print(json.dumps(outcome, ensure_ascii=False))


def read_in_child(name: str) -> dict[str, object]:
    code = f"from tests.test_hostile_files import child; child({name!r})"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=TIME_LIMIT
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_declared_dimensions_are_ignored() -> None:
    outcome = read_in_child("dimensions")
    assert outcome.get("rows") == 2 and outcome["peak_mb"] < MEMORY_BOUND_MB


def test_a_sheet_claiming_every_cell_gets_a_chinese_error() -> None:
    outcome = read_in_child("dimensions_far_cell")
    assert "一次最多导入 20000 行" in str(outcome.get("error")) and outcome["peak_mb"] < MEMORY_BOUND_MB


def test_zip_bomb_is_refused_before_parsing() -> None:
    outcome = read_in_child("zip_bomb")
    assert outcome["size_mb"] < 2
    assert "解压后过大" in str(outcome.get("error")) and outcome["peak_mb"] < MEMORY_BOUND_MB


@pytest.mark.parametrize("name", ["million_rows_xlsx", "million_rows_csv"])
def test_ten_megabytes_of_rows_stop_at_the_row_limit(name: str) -> None:
    outcome = read_in_child(name)
    assert outcome["size_mb"] > 10
    assert "一次最多导入 20000 行" in str(outcome.get("error")) and outcome["peak_mb"] < MEMORY_BOUND_MB


def test_wide_rows_are_cut_at_the_column_limit() -> None:
    wide = ",".join(f"列{i}" for i in range(5000))
    table = reader.read_table(f"类型,标题,{wide}\n研发需求,标题,{wide}\n".encode(), "wide.csv")
    assert len(table.headers) == reader.MAX_COLUMNS and len(table.rows[0][1]) == reader.MAX_COLUMNS


@pytest.mark.parametrize("garbage", [b"PK\x03\x04not really a zip", b"", b"\x00" * 1000])
def test_garbage_xlsx_gets_a_chinese_error(garbage: bytes) -> None:
    with pytest.raises(DomainError, match="Excel"):
        reader.read_table(garbage, "bad.xlsx")
