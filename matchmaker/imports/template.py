"""The downloadable import template: the headers and one example row."""

from __future__ import annotations

from datetime import timedelta

from matchmaker import clock
from matchmaker.imports.rows import COLUMNS, REQUIRED
from matchmaker.spreadsheets import workbook


def template_xlsx() -> bytes:
    example = {
        "类型": "研发需求",
        "标题": "箱式变电站温升在线监测",
        "详细描述": "现有箱变仅靠温控器报警，希望开发无线测温在线监测系统，测温精度±1℃，预警准确率90%以上。",
        "单位名称": "示例电气设备有限公司",
        "关键词": "在线监测、无线测温、箱式变电站",
        "技术领域": "电子信息",
        "统一社会信用代码": "91350100M000100Y43",
        "单位类型": "企业",
        "所属镇区": "安宜镇",
        "联系人": "陈经理",
        "联系电话": "13805250001",
        "预算(万元)": 80,
        "截止日期": (clock.today() + timedelta(days=180)).isoformat(),
        "合作方式": "合作开发、委托开发",
        "成熟度": "",
        "知识产权": "",
    }
    return workbook("信息导入", list(COLUMNS), [[example[h] for h in COLUMNS]], highlight=REQUIRED)
