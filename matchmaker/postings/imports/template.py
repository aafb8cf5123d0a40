"""The downloadable import template: a data sheet with the headers only, and a 说明 sheet with what
each column takes and an example. The example never sits among the data rows, so filling in the
template and uploading it cannot publish it (and rows.check skips it if someone pastes it back)."""

from __future__ import annotations

from datetime import timedelta

from matchmaker.core import clock
from matchmaker.core.spreadsheets import workbook_of
from matchmaker.postings.imports.rows import COLUMNS, EXAMPLE, REQUIRED

DATA_SHEET = "信息导入"
NOTES_SHEET = "说明"

NOTES = {
    "类型": "研发需求、配套需求、配套供给或科技成果",
    "标题": "一句话说清要解决的问题或能提供的能力",
    "详细描述": "具体问题、关键技术指标、应用场景",
    "单位名称": "与营业执照一致；已在平台的单位按名称对应",
    "关键词": "用顿号或逗号分隔",
    "技术领域": "须为平台的技术领域之一（见 信息导入 页面）",
    "统一社会信用代码": "18 位，可不填",
    "单位类型": "企业、高等院校、科研院所或新型研发机构；不填则按类型推断",
    "所属镇区": "须为平台的镇区之一",
    "联系人": "可不填",
    "联系电话": "手机或座机",
    "预算(万元)": "数字，单位万元",
    "截止日期": "YYYY-MM-DD，如 2026-12-31",
    "合作方式": "可填多个，用顿号分隔",
    "成熟度": "可不填",
    "知识产权": "可不填",
}


def template_xlsx() -> bytes:
    """The template: fill the first sheet from row 2 down; the 说明 sheet is never read."""
    example = {**EXAMPLE, "截止日期": (clock.today() + timedelta(days=180)).isoformat()}
    notes = [
        [header, "必填" if header in REQUIRED else "选填", NOTES.get(header, ""), example.get(header, "")]
        for header in COLUMNS
    ]
    notes.append(["", "", "", ""])
    notes.append(["提示", "", "只有第一个工作表“信息导入”会被导入；本页的示例不会导入。", ""])
    return workbook_of(
        [
            (DATA_SHEET, list(COLUMNS), []),
            (NOTES_SHEET, ["列名", "是否必填", "填写说明", "示例"], notes),
        ],
        widths={"填写说明": 48, "示例": 48},
        highlight=REQUIRED,
    )
