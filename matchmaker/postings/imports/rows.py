"""Check every row of an import and, once confirmed, create the postings in one transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from matchmaker import policy
from matchmaker.accounts import creditcode
from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgType, Role
from matchmaker.core import rules
from matchmaker.core.extensions import db
from matchmaker.core.journal import record
from matchmaker.postings.imports.reader import MAX_CELL, Table
from matchmaker.postings.models import ImportBatch, Posting
from matchmaker.postings.operations import PostingDetails
from matchmaker.postings.values import CooperationMode, IPStatus, Maturity, PostingKind, PostingStatus
from matchmaker.taxonomy.models import TechField, Town

COLUMNS = {  # header → field; the order is the template's
    "类型": "kind",
    "标题": "title",
    "详细描述": "description",
    "单位名称": "org_name",
    "关键词": "keywords",
    "技术领域": "tech_field",
    "统一社会信用代码": "credit_code",
    "单位类型": "org_type",
    "所属镇区": "town",
    "联系人": "contact_name",
    "联系电话": "contact_phone",
    "预算(万元)": "budget",
    "截止日期": "valid_until",
    "合作方式": "cooperation_modes",
    "成熟度": "maturity",
    "知识产权": "ip_status",
}
REQUIRED = ("类型", "标题", "详细描述", "单位名称")
# The template's example (on its 说明 sheet). A row that is this example — pasted back, or from a
# template downloaded before the example left the data sheet — is skipped, never published.
EXAMPLE = {
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
    "截止日期": "",
    "合作方式": "合作开发、委托开发",
    "成熟度": "",
    "知识产权": "",
}
LIMITS = {"org_name": 100}  # the posting's own fields follow core/rules.py, as the form does
EXCEL_EPOCH = date(1899, 12, 30)
LIST_SPLIT = re.compile(r"[、，,;；\s]+")


def normalize_header(header: str) -> str:
    return header.strip().replace("（", "(").replace("）", ")").replace(" ", "")


@dataclass
class RowResult:
    """One row of the file: what it says, and everything wrong with it."""

    number: int
    values: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # harmless adjustments, shown in the preview
    kind: PostingKind | None = None
    details: PostingDetails | None = None
    org_type: OrgType | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def summary(self) -> str:
        return "；".join(p.rstrip("。") for p in self.problems) + "。"


def is_example(values: dict[str, str]) -> bool:
    """The template's example row: its made-up organisation, or its title with its description."""
    return values.get("org_name") == EXAMPLE["单位名称"] or (
        values.get("title") == EXAMPLE["标题"] and values.get("description") == EXAMPLE["详细描述"]
    )


@dataclass
class Report:
    rows: list[RowResult]
    warnings: list[str]
    missing_headers: list[str]
    skipped: list[RowResult] = field(default_factory=list)  # the template's example, never imported

    @property
    def skipped_lines(self) -> list[str]:
        return [
            f"第{r.number}行是导入模板中的示例（{r.values.get('org_name', '')}“{r.values.get('title', '')}”），"
            "已跳过，不会导入。"
            for r in self.skipped
        ]

    @property
    def valid(self) -> list[RowResult]:
        return [r for r in self.rows if r.ok]

    @property
    def invalid(self) -> list[RowResult]:
        return [r for r in self.rows if not r.ok]


@dataclass
class Lookups:
    """What rows are checked against, read from the database once per file rather than per row
    (a 20,000-row file would otherwise cost 100,000 queries)."""

    orgs: dict[str, Organization]  # by name
    credit_holders: dict[str, str]  # normalised credit code → organisation name
    terms: dict[type[TechField] | type[Town], dict[str, Any]]  # active terms by name
    open_titles: dict[tuple[int, PostingKind, str], int]  # (org id, kind, title) → posting id

    @classmethod
    def load(cls) -> Lookups:
        orgs = list(db.session.scalars(select(Organization)))
        open_titles = {
            (org_id, kind, title): posting_id
            for posting_id, org_id, kind, title in db.session.execute(
                select(Posting.id, Posting.organization_id, Posting.kind, Posting.title).where(
                    Posting.status != PostingStatus.CLOSED
                )
            )
        }
        return cls(
            orgs={o.name: o for o in orgs},
            credit_holders={o.credit_code: o.name for o in orgs if o.credit_code},
            terms={
                model: {t.name: t for t in db.session.scalars(select(model).where(model.active.is_(True)))}
                for model in (TechField, Town)
            },
            open_titles=open_titles,
        )


def check(table: Table) -> Report:
    """Validate every row against the database; nothing is written."""
    lookups = Lookups.load()
    headers = [normalize_header(h) for h in table.headers]
    index = {h: i for i, h in enumerate(headers) if h in COLUMNS}
    warnings = [f"忽略未知的列：{h}" for h in headers if h and h not in COLUMNS]
    missing = [h for h in REQUIRED if h not in index]
    results, skipped = [], []
    seen: dict[tuple[str, str, str], int] = {}
    org_types: dict[str, tuple[OrgType, int]] = {}  # organisation name → type and row it came from
    formulas_by_row: dict[int, list[int]] = {}
    for row_number, col in sorted(table.formulas):
        formulas_by_row.setdefault(row_number, []).append(col)
    for number, cells in table.rows:
        values = {COLUMNS[h]: cells[i] if i < len(cells) else None for h, i in index.items()}
        result = RowResult(number, {k: _text(v) for k, v in values.items()})
        if is_example(result.values):
            skipped.append(result)
            continue
        for col in formulas_by_row.get(number, []):
            header = headers[col] if col < len(headers) else f"第{col + 1}列"
            result.problems.append(f"“{header}”是公式且没有计算结果，请复制后“粘贴为数值”。")
        if missing:
            result.problems.append("缺少必填列：" + "、".join(missing))
        else:
            _check_row(result, values, lookups)
            key = (
                result.values.get("org_name", ""),
                result.values.get("kind", ""),
                result.values.get("title", ""),
            )
            if result.ok and key in seen:
                result.problems.append(f"与第{seen[key]}行重复。")
            seen.setdefault(key, number)
            earlier = org_types.get(key[0])
            if result.org_type is not None and earlier and earlier[0].role is not result.org_type.role:
                result.problems.append(f"单位“{key[0]}”在第{earlier[1]}行为{earlier[0].label}，与本行不符。")
            elif result.org_type is not None and key[0]:
                org_types.setdefault(key[0], (result.org_type, number))
        results.append(result)
    return Report(results, warnings, missing, skipped)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _check_row(result: RowResult, raw: dict[str, Any], lookups: Lookups) -> None:
    v, problems = result.values, result.problems
    for key, limit in LIMITS.items():
        if len(v.get(key, "")) > limit:
            problems.append(f"{_label(key)}超过{limit}个字（现有{len(v[key])}个字）。")
            v[key] = v[key][:MAX_CELL]
    for key in ("kind", "title", "description", "org_name"):
        if not v.get(key):
            problems.append(f"缺少{_label(key)}。")
    for key, check in (("title", rules.title_problem), ("description", rules.description_problem)):
        if v.get(key) and (problem := check(v[key])):
            problems.append(problem)
    if problem := rules.length_problem("contact_name", "联系人", v.get("contact_name")):
        problems.append(problem)
    kind = PostingKind.from_label(v["kind"]) if v.get("kind") else None
    if v.get("kind") and kind is None:
        problems.append(f"未知的类型“{v['kind']}”（应为研发需求、配套需求、配套供给或科技成果）。")
    result.kind = kind

    org_type = _org_type(v, kind, problems)
    result.org_type = org_type
    credit = v.get("credit_code", "")
    if credit and (problem := creditcode.problem(credit)):
        problems.append(problem)
    org = lookups.orgs.get(v.get("org_name", ""))
    if org is not None and org_type is not None and org.role is not org_type.role:
        problems.append(f"单位“{org.name}”已存在，类型为{org.type.label}，与本行不符。")
    if credit and not creditcode.problem(credit):
        holder = lookups.credit_holders.get(creditcode.normalize(credit))
        if holder is not None and holder != v.get("org_name"):
            problems.append(f"统一社会信用代码已属于“{holder}”。")
    if kind is not None and org_type is not None and kind.poster_role is not org_type.role:
        problems.append(f"{org_type.label}不能发布“{kind.label}”。")

    field_ = _term(lookups.terms[TechField], v.get("tech_field", ""), "技术领域", problems)
    town = _term(lookups.terms[Town], v.get("town", ""), "镇区", problems)
    phone = v.get("contact_phone", "")
    if problem := rules.phone_problem(phone):
        problems.append(f"联系电话：{problem}")
    budget = _budget(v.get("budget", ""), problems)
    valid_until = _date(raw.get("valid_until"), problems)
    modes = _choices(CooperationMode, v.get("cooperation_modes", ""), "合作方式", problems)
    maturity = _choice(Maturity, v.get("maturity", ""), "成熟度", problems)
    ip_status = _choice(IPStatus, v.get("ip_status", ""), "知识产权", problems)
    keywords, note = rules.trim_keywords(v.get("keywords", ""))
    if note:
        result.notes.append(note)
    if problems:
        return
    if kind is not None and org is not None:
        duplicate = lookups.open_titles.get((org.id, kind, v["title"]))
        if duplicate:
            problems.append(f"与平台已有信息重复（信息编号 {duplicate}）。")
            return
    result.details = PostingDetails(
        title=v["title"],
        description=v["description"],
        keywords=keywords,
        tech_field=field_,
        town=town,
        budget=budget,
        valid_until=valid_until,
        cooperation_modes=[m.value for m in modes],
        maturity=maturity,
        ip_status=ip_status,
        contact_name=v.get("contact_name") or None,
        contact_phone=phone or None,
    )


LABELS = {
    "kind": "类型",
    "title": "标题",
    "description": "详细描述",
    "org_name": "单位名称",
    "contact_name": "联系人",
}


def _label(key: str) -> str:
    return LABELS.get(key, key)


def _org_type(v: dict[str, str], kind: PostingKind | None, problems: list[str]) -> OrgType | None:
    if v.get("org_type"):
        org_type = OrgType.from_label(v["org_type"])
        if org_type is None or org_type is OrgType.BUREAU:
            problems.append(
                f"未知的单位类型“{v['org_type']}”（应为企业、高等院校、科研院所或新型研发机构）。"
            )
            return None
        return org_type
    if kind is None:
        return None
    return OrgType.UNIVERSITY if kind.poster_role is Role.UNIVERSITY else OrgType.ENTERPRISE


def _term(terms: dict[str, Any], name: str, label: str, problems: list[str]) -> Any:
    if not name:
        return None
    term = terms.get(name)
    if term is None:
        problems.append(f"未知的{label}“{name}”。")
    return term


def _budget(text: str, problems: list[str]) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        problems.append(f"预算“{text}”不是数字（单位：万元）。")
        return None
    if problem := rules.budget_problem(value):
        problems.append(f"预算“{text}”：{problem}")
        return None
    return value.quantize(Decimal("0.01"))


def _date(value: Any, problems: list[str]) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, int | float) and 1 <= value < 2958466:  # an Excel serial day number
        parsed = EXCEL_EPOCH + timedelta(days=int(value))
    else:
        text = str(value).strip()
        try:
            parsed = datetime.strptime(text.replace("/", "-"), "%Y-%m-%d").date()
        except ValueError:
            problems.append(f"截止日期“{text}”格式不正确，应为 YYYY-MM-DD，如 2026-12-31。")
            return None
    if problem := rules.valid_until_problem(parsed):
        problems.append(f"截止日期 {parsed.isoformat()} 已过：{problem}")
        return None
    return parsed


def _choice(enum: Any, text: str, label: str, problems: list[str]) -> Any:
    if not text:
        return None
    member = enum.from_label(text)
    if member is None:
        problems.append(f"未知的{label}“{text}”（可选：{'、'.join(m.label for m in enum)}）。")
    return member


def _choices(enum: Any, text: str, label: str, problems: list[str]) -> list[Any]:
    return [m for m in (_choice(enum, part, label, problems) for part in LIST_SPLIT.split(text) if part) if m]


def import_rows(report: Report, *, actor: User, filename: str) -> ImportBatch:
    """Create the valid rows' organisations (unverified, no users) and postings (published)."""
    policy.require(actor, "import.run")
    batch = ImportBatch(
        actor=actor, filename=filename[:255], rows_total=len(report.rows), rows_valid=len(report.valid)
    )
    db.session.add(batch)
    add_rows(batch, report.valid, actor=actor)
    record_confirmation(batch, actor=actor)
    return batch


def record_confirmation(batch: ImportBatch, *, actor: User) -> None:
    """The import as one journal entry (each posting it creates has its own as well)."""
    record(
        "import.confirmed",
        batch,
        actor=actor,
        changes={
            "filename": [None, batch.filename],
            "rows": [None, batch.rows_total],
            "valid": [None, batch.rows_valid],
        },
    )


def add_rows(batch: ImportBatch, rows: list[RowResult], *, actor: User) -> None:
    """Import checked rows into ``batch`` (all in the caller's transaction) and note the last one."""
    policy.require(actor, "import.run")
    names = {row.values["org_name"] for row in rows}
    orgs = {o.name: o for o in db.session.scalars(select(Organization)) if o.name in names}
    for row in rows:
        assert row.details is not None and row.kind is not None and row.org_type is not None
        org = orgs.get(row.values["org_name"])
        if org is None:
            credit = row.values.get("credit_code") or None
            org = Organization(
                name=row.values["org_name"],
                type=row.org_type,
                credit_code=creditcode.normalize(credit) if credit else None,
                town=row.details.town if row.org_type is OrgType.ENTERPRISE else None,
            )
            db.session.add(org)
            record("organization.created", org, actor=actor, note=f"导入：{batch.filename}")
            orgs[org.name] = org
        posting = Posting(kind=row.kind, organization=org, author=actor, import_batch=batch)
        row.details.apply_to(posting)
        posting.publish_imported(actor)
        db.session.add(posting)
        batch.rows_imported += 1
        batch.last_row = row.number
    db.session.flush()
