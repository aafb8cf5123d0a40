"""Read the first sheet of an .xlsx, or a .csv (UTF-8 with or without BOM, or GBK), into rows —
with bounded time and memory whatever the file claims.

An .xlsx is a zip archive of XML. Before anything is parsed, its directory is checked: at most
MAX_MEMBERS members, MAX_UNCOMPRESSED bytes in all, MAX_SHARED_STRINGS for the shared-string table
(openpyxl holds it in memory), and no large member compressed more than MAX_RATIO times (a zip
bomb). Python's zip reader never inflates a member beyond its declared size, so these declared
figures bound the work. Rows are then read lazily, at most MAX_COLUMNS columns each, ignoring the
sheet's declared dimensions (a sheet claiming A1:XFD1048576 would otherwise be padded to 17 billion
cells), and reading stops past MAX_ROWS data rows. docs/SECURITY.md states the resulting bound.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice, zip_longest
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from matchmaker.core.exceptions import DomainError

MAX_ROWS = 20_000
MAX_CELL = 20_000  # characters; longer cells are cut and reported
MAX_COLUMNS = 40  # the template has 16; more columns are ignored
MAX_SCANNED = 2 * MAX_ROWS  # physical rows, blank ones included, read before giving up

MAX_MEMBERS = 500
MAX_UNCOMPRESSED = 150 * 1024 * 1024
MAX_SHARED_STRINGS = 60 * 1024 * 1024
MAX_RATIO = 200  # for members over RATIO_FROM bytes
RATIO_FROM = 1024 * 1024

TOO_MANY_ROWS = f"一次最多导入 {MAX_ROWS} 行，请拆分文件。"
UNREADABLE = "无法读取该 Excel 文件，请确认是 .xlsx 格式且未加密。"


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
    lines = (row[:MAX_COLUMNS] for row in csv.reader(io.StringIO(text)))
    try:
        return _table(lines)
    except csv.Error as error:
        raise DomainError(f"CSV 格式有误：{error}") from error


def check_archive(data: bytes) -> None:
    """Refuse an .xlsx whose zip directory promises more work than any real import needs."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise DomainError(UNREADABLE) from error
    too_big = "该 Excel 文件解压后过大或结构异常（可能被恶意构造），请另存为新的 .xlsx 或改用 CSV 后重试。"
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNCOMPRESSED:
        raise DomainError(too_big)
    for member in members:
        if member.filename.endswith("sharedStrings.xml") and member.file_size > MAX_SHARED_STRINGS:
            raise DomainError(too_big)
        if member.file_size > RATIO_FROM and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise DomainError(too_big)


def _read_xlsx(data: bytes) -> Table:
    check_archive(data)
    try:
        values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise DomainError(UNREADABLE) from error
    try:
        sheets = []
        for book in (values, formulas):
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # never trust the declared size
            sheets.append(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True))
        found: set[tuple[int, int]] = set()
        table = _table(_note_formulas(zip_longest(*sheets, fillvalue=()), found))
        by_number = dict(table.rows)
        table.formulas = {(n, col) for n, col in found if n in by_number and _unvalued(by_number[n], col)}
        return table
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile) as error:
        raise DomainError("该 Excel 文件内容无法解析，请另存为新的 .xlsx 后重试。") from error
    finally:
        values.close()
        formulas.close()


def _note_formulas(
    pairs: Iterable[tuple[tuple[Any, ...], ...]], found: set[tuple[int, int]]
) -> Iterator[list[Any]]:
    """The computed values row by row, noting (row, column) where the raw cell is a formula."""
    for number, (computed, raw) in enumerate(pairs, start=1):
        for col, original in enumerate(raw):
            if isinstance(original, str) and original.startswith("="):
                found.add((number, col))
        yield list(computed)


def _unvalued(cells: list[Any], col: int) -> bool:
    """A formula Excel never calculated has no value to import."""
    return col >= len(cells) or cells[col] is None


def _table(lines: Iterable[list[Any]]) -> Table:
    """Header and non-blank rows, stopping as soon as the file proves too long."""
    lines = iter(lines)
    header = next(lines, None)
    if header is None or not any(_filled(v) for v in header):
        raise DomainError("文件是空的：第一行应为表头（类型、标题、详细描述、单位名称……）。")
    headers = [str(v).strip() if v is not None else "" for v in header]
    rows: list[tuple[int, list[Any]]] = []
    for number, cells in enumerate(islice(lines, MAX_SCANNED), start=2):
        if any(_filled(v) for v in cells):
            rows.append((number, list(cells)))
            if len(rows) > MAX_ROWS:
                raise DomainError(TOO_MANY_ROWS)
    if next(lines, None) is not None:
        raise DomainError(TOO_MANY_ROWS)
    return Table(headers, rows)


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""
