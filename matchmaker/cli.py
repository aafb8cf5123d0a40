"""Flask commands: init-db, create-user, create-token, demo-data, import-postings, import-resume,
backup, restore, audit, send-digests, doctor, search, jobs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from matchmaker.accounts.values import OrgType, Role
from matchmaker.core.exceptions import DomainError
from matchmaker.core.extensions import db
from matchmaker.core.jobs import jobs_cli
from matchmaker.core.journal import record
from matchmaker.postings.models import ImportBatch

ROLE_ORG_TYPES = {
    Role.ENTERPRISE.value: OrgType.ENTERPRISE,
    Role.UNIVERSITY.value: OrgType.UNIVERSITY,
    Role.BUREAU.value: OrgType.BUREAU,
}


def init_db() -> int:
    """Bring the schema to the latest migration, seed empty vocabularies and build a missing or
    outdated search index; idempotent."""
    from matchmaker import search
    from matchmaker.agreements.plans import seed_tier_targets
    from matchmaker.core.database import MIGRATIONS_DIR
    from matchmaker.taxonomy.operations import seed_taxonomies

    current_app.extensions["quiet_migrations"] = True
    try:
        upgrade(directory=str(MIGRATIONS_DIR))
    finally:
        current_app.extensions.pop("quiet_migrations", None)
    added = seed_taxonomies()
    seed_tier_targets()  # the first plan's tier targets, once the tiers exist
    db.session.commit()
    if search.state() != "unreadable":  # a damaged index is reported by `search check`, not hidden
        search.ensure_built()
    return added


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """创建或升级数据库结构，并写入初始分类（可重复执行）。"""
    from matchmaker.accounts.models import User

    added = init_db()
    click.echo(f"数据库已就绪（新增分类条目 {added} 个）。")
    if not db.session.scalar(select(User.id).limit(1)):
        click.echo(
            "还没有任何账号。请先创建第一个主管部门账号：\n"
            "  .venv/bin/flask --app matchmaker create-user 邮箱 --role bureau --org 宝应县工业和信息化局"
        )


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice(list(ROLE_ORG_TYPES)), required=True, help="用户角色")
@click.option("--org", "org_name", required=True, help="所属单位名称（不存在则创建为已认证）")
@click.option("--name", default=None, help="姓名（默认取邮箱前缀）")
@click.option(
    "--password",
    prompt="密码",
    hide_input=True,
    confirmation_prompt="确认密码",
    help="密码（不填则提示输入）",
)
def create_user_command(email: str, role: str, org_name: str, name: str | None, password: str) -> None:
    """创建用户；所属单位不存在时自动创建并设为已认证。"""
    from matchmaker.accounts import operations as accounts

    try:
        org = accounts.ensure_organization(org_name, ROLE_ORG_TYPES[role])
        user = accounts.create_user(email, password, name or email.split("@")[0], org, actor=None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"已创建用户 {user.email}（{user.role.label}，{org.name}）。")


@click.command("create-token")
@with_appcontext
@click.argument("email")
@click.option("--name", default="命令行创建", show_default=True, help="令牌用途，便于辨认和吊销")
@click.option(
    "--days", type=click.IntRange(min=0, max=36500), default=0, help="有效天数（默认 0 = 永不过期）"
)
def create_token_command(email: str, name: str, days: int) -> None:
    """为用户创建 API 令牌，只把令牌打印到标准输出（便于脚本使用）。"""
    from matchmaker.accounts import operations as accounts
    from matchmaker.accounts import tokens

    user = accounts.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"没有邮箱为 {email} 的用户。")
    if not user.is_active:
        raise click.ClickException(f"用户 {email} 已停用，不能创建令牌。")
    try:
        _, secret = tokens.issue_token(user, name, days=days or None, actor=user)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(secret)


@click.command("demo-data")
@with_appcontext
@click.option("--if-new", is_flag=True, help="只在数据库里还没有任何账号时写入（scripts/start --demo 用）")
def demo_data_command(if_new: bool) -> None:
    """写入一套演示数据（企业、高校院所、主管部门账号和各类信息），并打印演示账号。"""
    from matchmaker.accounts.models import User
    from matchmaker.demo import DEMO_PASSWORD, load_demo_data, logins

    init_db()
    if if_new and db.session.scalar(select(User.id).limit(1)):
        click.echo("数据库中已有账号，未写入演示数据（演示数据只写入新建的数据库）。")
        return
    try:
        report = load_demo_data()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    if report.wrote_anything:
        click.echo(
            f"演示数据已写入：新建单位 {len(report.created)} 个"
            + (
                f"，沿用已有单位 {len(report.reused)} 个（{'、'.join(report.reused)}）"
                if report.reused
                else ""
            )
            + f"，信息 {report.postings} 条，对接 {report.pairings} 次，协议 {report.agreements} 份"
            + f"，揭榜挂帅榜单 {report.calls} 个，对接活动 {report.events} 个，走访记录 {report.visits} 条"
            + f"，订阅 {report.subscriptions} 个。"
        )
    else:
        click.echo("演示数据已存在，本次没有写入任何内容。")
    for line in report.skipped:
        click.echo(f"  跳过 {line}")
    if report.plan:
        click.echo(f"已新建演示计划：{report.plan}（计划进展看板和培育库默认按它统计）。")
    click.echo(f"演示账号（密码均为 {DEMO_PASSWORD}，仅供试用，请勿用于正式运行的平台）：")
    for email, label in logins():
        click.echo(f"  {email:<28} {label}")


@click.command("import-postings")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="只检查并报告，不保存")
@click.option("--skip-invalid", is_flag=True, help="跳过有问题的行，导入其余各行")
@click.option("--as", "actor_email", default=None, help="以哪位主管部门用户的身份导入（默认第一位）")
def import_postings_command(path: str, dry_run: bool, skip_invalid: bool, actor_email: str | None) -> None:
    """从 .xlsx 或 .csv 导入信息（主管部门导入的信息直接发布）。"""
    from matchmaker.accounts import operations as accounts
    from matchmaker.accounts.models import Organization, User
    from matchmaker.postings.imports import reader, rows

    if actor_email:
        actor = accounts.find_user_by_email(actor_email)
    else:
        actor = db.session.scalar(
            select(User).join(User.organization).where(Organization.type == OrgType.BUREAU).order_by(User.id)
        )
    if actor is None or not actor.is_bureau:
        raise click.ClickException(
            "找不到主管部门用户：请先用 create-user --role bureau 创建，或用 --as 指定。"
        )
    file = Path(path)
    try:
        table = reader.read_table(file.read_bytes(), file.name)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    with click.progressbar(length=len(table.rows), label="检查", show_pos=True) as bar:
        report = rows.check(table)
        bar.update(len(table.rows))
    for warning in report.warnings + report.skipped_lines:
        click.echo(f"提示：{warning}")
    for row in report.invalid:
        click.echo(f"第{row.number}行：{row.summary}")
    click.echo(f"共 {len(report.rows)} 行：可导入 {len(report.valid)} 行，有问题 {len(report.invalid)} 行。")
    if report.invalid and not skip_invalid:
        raise click.ClickException(
            "存在有问题的行，未保存任何数据（修正后重试，或使用 --skip-invalid 跳过）。"
        )
    if dry_run:
        click.echo("试运行：未保存任何数据。")
        return
    batch = rows.import_rows(report, actor=actor, filename=file.name)
    db.session.commit()
    click.echo(f"已导入 {batch.rows_imported} 条信息（批次 {batch.id}）。")


@click.command("import-resume")
@with_appcontext
@click.argument("batch_id", type=int, required=False)
def import_resume_command(batch_id: int | None) -> None:
    """在前台继续未完成的网页导入任务（服务器中途重启后也会在查看导入页面时自动继续）。"""
    from matchmaker.postings.imports import jobs

    folder = Path(current_app.instance_path) / "imports"
    ids = [batch_id] if batch_id else [b.id for b in jobs.unfinished()]
    if not ids:
        click.echo("没有未完成的导入任务。")
    for job_id in ids:
        jobs.run(job_id, folder)
        batch = db.session.get(ImportBatch, job_id)
        if batch is None:
            raise click.ClickException(f"没有编号为 {job_id} 的导入任务。")
        click.echo(
            f"导入任务 {job_id}（{batch.filename}）：{batch.status_label}，已导入 {batch.rows_imported} / {batch.rows_valid} 行。"
        )


@click.command("backup")
@with_appcontext
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
def backup_command(dest: Path) -> None:
    """在线备份（网站照常运行）：数据库、instance 配置和密钥、上传文件，并写入校验清单。"""
    from matchmaker.core import backup

    try:
        report = backup.backup(current_app._get_current_object(), dest)  # type: ignore[attr-defined]
    except DomainError as error:
        raise click.ClickException(error.message) from error
    rows = sum(report.counts.values())
    click.echo(
        f"已备份到 {report.folder}：{report.files} 个文件，{len(report.counts)} 张表共 {rows} 行（见 manifest.json）。"
    )


@click.command("restore")
@with_appcontext
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--with-config", is_flag=True, help="也用备份中的 config.py 和 secret_key 覆盖现有文件")
def restore_command(src: Path, with_config: bool) -> None:
    """从 backup 生成的文件夹恢复（须先停止服务器）：校验、替换数据库、检查完整性、重建索引。"""
    from matchmaker import search
    from matchmaker.core import backup

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        report = backup.restore(app, src, replace_config=with_config)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    record("system.restored", None, actor=None, object_type="system", note=f"从 {src} 恢复")
    db.session.commit()
    total = search.rebuild()
    rows = sum(report.counts.values())
    extra = f"；另恢复：{'、'.join(report.instance_files)}" if report.instance_files else ""
    click.echo(
        f"已恢复 {len(report.counts)} 张表共 {rows} 行，完整性检查通过，索引已重建（{total} 条）{extra}。"
    )


@click.group("audit", invoke_without_command=True, cls=AppGroup)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="从这一天起（YYYY-MM-DD）")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="到这一天止")
@click.option("--user", "person", default=None, help="操作人的邮箱或姓名（可写一部分）")
@click.option("--org", "organization", default=None, help="单位名称（可写一部分）")
@click.option("--object", "target", default=None, help="对象，如 posting:12 或 organization")
@click.option("--action", default=None, help="操作，如 posting.published")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000))
@click.pass_context
@with_appcontext
def audit_command(
    ctx: click.Context,
    since: datetime | None,
    until: datetime | None,
    person: str | None,
    organization: str | None,
    target: str | None,
    action: str | None,
    limit: int,
) -> None:
    """查看操作记录（最新的在前）；`audit prune` 删除超过保留期限的记录。"""
    if ctx.invoked_subcommand is not None:
        return
    from matchmaker.admin import audit

    filters = audit.Filters(person=person, organization=organization, action=action)
    filters.since, filters.until = (since.date() if since else None), (until.date() if until else None)
    try:
        if target:
            filters.object_type, filters.object_id = audit.Filters.parse_object(target)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    count = 0
    for row in audit.rows(audit.entries(filters), limit=limit):
        entry_id, when, label, kind, object_id, who, _org, address, changes, note = row
        details = "；".join(x for x in (changes, note) if x)
        click.echo(f"{entry_id:>7} {when} {label}（{kind}{object_id}） {who} {address} {details}".rstrip())
        count += 1
    if not count:
        click.echo("没有符合条件的记录。")


@audit_command.command("prune")
def audit_prune_command() -> None:
    """删除超过 JOURNAL_RETENTION_DAYS（至少 180 天）的操作记录。"""
    from matchmaker.admin import audit

    removed = audit.prune()
    db.session.commit()
    click.echo(f"已删除 {removed} 条超过 {audit.retention_days()} 天的操作记录。")


@click.command("doctor")
@with_appcontext
def doctor_command() -> None:
    """检查本安装是否适合正式运行（密钥、调试、Cookie、文件夹、迁移、索引、邮件、限流）；有问题时以非零状态退出。"""
    from matchmaker import doctor

    findings = doctor.examine(current_app._get_current_object())  # type: ignore[attr-defined]
    for f in findings:
        mark = "✓" if f.ok and not f.warning else "!" if f.ok else "✗"
        click.echo(f"{mark} {f.what}")
        if f.todo and (not f.ok or f.warning):
            click.echo(f"    → {f.todo}")
    problems = [f for f in findings if not f.ok]
    if problems:
        raise click.ClickException(f"发现 {len(problems)} 个问题，请按上面的提示处理。")
    click.echo("未发现问题。")


@click.command("send-digests")
@with_appcontext
def send_digests_command() -> None:
    """后台任务进程每天自动运行（DIGEST_HOUR）；也可手动运行：补发通知、提醒即将到期的信息、发送每日邮件汇总并重试失败的邮件。"""
    from matchmaker.notifications import operations as notifications

    made, reminded, sent = notifications.daily()
    click.echo(f"新通知 {made} 条，到期提醒 {reminded} 条。")
    if sent is None:
        click.echo("未配置邮件（MAIL_SERVER、BASE_URL），通知只在平台内显示。")
        return
    click.echo(f"已发送每日汇总邮件 {sent} 封。")


search_group = AppGroup("search", help="全文检索索引：检查与重建。")
STATE_PROBLEMS = {
    "missing": "索引不存在（尚未建立或已被删除）。",
    "outdated": "索引是旧版本格式，与当前程序不符。",
    "unreadable": "索引文件已损坏，无法读取。",
}


@search_group.command("check")
def search_check_command() -> None:
    """比较数据库与索引；有差异时以非零状态退出。"""
    from matchmaker import search

    state = search.state()
    if state != "ok":
        raise click.ClickException(
            STATE_PROBLEMS[state] + "请运行 flask --app matchmaker search reindex 重建。"
        )
    report = search.check()
    click.echo(f"应索引 {report.expected} 条，索引中 {report.indexed} 条，待写入队列 {report.pending} 条。")
    for label, ids in (("缺失", report.missing), ("多余", report.extra), ("过期", report.stale)):
        if ids:
            shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
            click.echo(f"{label} {len(ids)} 条：{shown}")
    if not report.ok:
        raise click.ClickException("索引与数据库不一致，请运行 flask --app matchmaker search reindex。")
    click.echo("索引与数据库一致。")


@search_group.command("reindex")
def search_reindex_command() -> None:
    """从数据库重建索引（重建期间搜索照常可用）。"""
    from matchmaker import search

    with click.progressbar(length=1, label="重建索引", show_pos=True) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        total = search.rebuild(progress)
    click.echo(f"已重建索引：{total} 条已发布信息。")


def register(app: Flask) -> None:
    for command in (
        init_db_command,
        create_user_command,
        create_token_command,
        demo_data_command,
        import_postings_command,
        import_resume_command,
        backup_command,
        restore_command,
        audit_command,
        send_digests_command,
        doctor_command,
        search_group,
        jobs_cli,
    ):
        app.cli.add_command(command)
