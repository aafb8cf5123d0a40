"""Read the first sheet of an .xlsx, or a .csv (UTF-8 with or without BOM, or GBK), into rows."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from matchmaker.exceptions import DomainError

MAX_ROWS = 20_000
MAX_CELL = 20_000  # characters; longer cells are cut and reported


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number as the user sees it, cell values)
    formulas: set[tuple[int, int]] = field(default_factory=set)  # (row, column) with no value


def read_table(data: bytes, filename: str) -> Table:
    """The table in ``data``; a DomainError (in Chinese) when the file can't be read at all."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv"):
        return _read_csv(data)
    raise DomainError("仅支持 .xlsx（Excel）或 .csv 文件。")


def _read_csv(data: bytes) -> Table:
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 is a superset of GBK (older Excel)
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV。")
    try:
        lines = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise DomainError(f"CSV 格式有误：{error}") from error
    return _table(lines)


def _read_xlsx(data: bytes) -> Table:
    try:
        values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise DomainError("无法读取该 Excel 文件，请确认是 .xlsx 格式且未加密。") from error
    try:
        rows = [list(r) for r in values.worksheets[0].iter_rows(values_only=True)][: MAX_ROWS + 1]
        raw = [list(r) for r in formulas.worksheets[0].iter_rows(values_only=True)][: MAX_ROWS + 1]
    finally:
        values.close()
        formulas.close()
    table = _table(rows)
    for number, cells in table.rows:  # a formula Excel never calculated has no value to import
        source = raw[number - 1] if number - 1 < len(raw) else []
        for col, original in enumerate(source):
            if (
                isinstance(original, str)
                and original.startswith("=")
                and (col >= len(cells) or cells[col] is None)
            ):
                table.formulas.add((number, col))
    return table


def _table(lines: list[list[Any]]) -> Table:
    if not lines or not any(_filled(v) for v in lines[0]):
        raise DomainError("文件是空的：第一行应为表头（类型、标题、详细描述、单位名称……）。")
    headers = [str(v).strip() if v is not None else "" for v in lines[0]]
    rows = [
        (number, list(cells))
        for number, cells in enumerate(lines[1:], start=2)
        if any(_filled(v) for v in cells)
    ]
    if len(rows) > MAX_ROWS:
        raise DomainError(f"一次最多导入 {MAX_ROWS} 行，请拆分文件。")
    return Table(headers, rows)


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""
