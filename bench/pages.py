"""Every page at size: in-process time and SQL statements per page, then each page under load.

    .venv/bin/python -m bench.pages [--postings 10000 50000] [--pairings 5000] [--agreements 2000]
                                    [--years 3] [--database sqlite|postgresql] [--load]
                                    [--workers 2] [--users 16] [--phase-seconds 5]

Seeds one installation through the services (organisations and users of every role; postings
created, submitted and published, a few left in the review queue; pairings expressed, answered
and negotiated; agreements recorded from pairings, confirmed and verified), batched, with dates
spread over --years (the services stamp "now"; the seed then moves each row's dates into the
past). It grows to each --postings size in turn — the pairings and agreements are seeded with the
first — and at each size measures every page in-process, one request at a time (p50 ms and SQL
statements per request, counted by a before_cursor_execute listener), and with --load under
gunicorn (bench/load_test.py's servers and clients: --workers workers, --users connections) each
page beside the minimal Flask page of the same run (req/s and its share of the minimal page's).
With --database postgresql a throw-away cluster from scripts/postgres (as bench/load_test.py).
Only 127.0.0.1 is contacted; every loop is bounded.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask, url_for
from sqlalchemy import bindparam, event, func, insert, select, text, update

from bench import load_test
from bench.common import bench_app, percentile
from bench.search_perf import QUERIES, generate
from matchmaker import create_app, search
from matchmaker.accounts import creditcode
from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgType
from matchmaker.agreements import operations as agreements
from matchmaker.agreements.values import AgreementType
from matchmaker.core.exceptions import FieldError, InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.pairings import operations as pairings
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import DeclineReason, PairingState
from matchmaker.postings import operations as postings
from matchmaker.postings import queries as posting_queries
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind, PostingStatus, Visibility
from matchmaker.taxonomy.models import TechField, Town

PASSWORD = load_test.PASSWORD
BATCH = 500
IN_PROCESS_TARGET_MS = {"home": 10, "list": 10, "search": 10}  # the rest: 30 ms (issue 25)
OTHER_TARGET_MS, STATEMENT_TARGET = 30, 30


# --- the installation --------------------------------------------------------------------------


@dataclass
class People:
    bureau: User
    enterprises: list[User] = field(default_factory=list)
    universities: list[User] = field(default_factory=list)
    emails: dict[str, str] = field(default_factory=dict)  # role → who pages are looked at as
    enterprise_org: int = 0  # that enterprise user's organisation

    def merge(self) -> None:
        """The users again in the current session."""
        self.bureau = db.session.merge(self.bureau)
        self.enterprises = [db.session.merge(u) for u in self.enterprises]
        self.universities = [db.session.merge(u) for u in self.universities]


def seed_people(enterprises: int, universities: int) -> People:
    """A bureau reviewer, and members of verified enterprises (with credit codes) and universities."""
    bureau_org = accounts.ensure_organization("规模测试工信局", OrgType.BUREAU)
    people = People(
        accounts.create_user("bureau@pages.example.com", PASSWORD, "审核员", bureau_org, actor=None)
    )
    for n in range(enterprises):
        org = accounts.ensure_organization(f"规模测试企业{n}", OrgType.ENTERPRISE)
        first17 = f"91321023MB{n:07d}"
        org.credit_code = first17 + creditcode.check_digit(first17)
        people.enterprises.append(
            accounts.create_user(f"firm{n}@pages.example.com", PASSWORD, f"工程师{n}", org, actor=None)
        )
    for n in range(universities):
        org = accounts.ensure_organization(f"规模测试大学{n}", OrgType.UNIVERSITY)
        people.universities.append(
            accounts.create_user(f"uni{n}@pages.example.com", PASSWORD, f"教师{n}", org, actor=None)
        )
    db.session.commit()
    people.emails = {
        "bureau": people.bureau.email,
        "enterprise": people.enterprises[0].email,
        "university": people.universities[0].email,
    }
    people.enterprise_org = people.enterprises[0].organization_id
    return people


KEPT = (User, Organization, TechField, Town)


def known_people() -> People:
    """The people an earlier run seeded (--reuse)."""

    def users(prefix: str) -> list[User]:
        found = db.session.scalars(select(User).where(User.email.like(f"{prefix}%@pages.example.com")))
        return sorted(found, key=lambda u: int(u.email[len(prefix) :].split("@")[0]))

    bureau = db.session.scalars(select(User).where(User.email == "bureau@pages.example.com")).one()
    people = People(bureau, users("firm"), users("uni"))
    people.emails = {"bureau": bureau.email, "enterprise": people.enterprises[0].email}
    people.emails["university"] = people.universities[0].email
    people.enterprise_org = people.enterprises[0].organization_id
    return people


def _past(rng: random.Random, years: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=rng.uniform(0, 365 * years))


def _backdate(model: Any, rows: list[dict[str, Any]]) -> None:
    """Move rows' dates into the past (the services stamp "now"): bulk UPDATE by primary key."""
    if rows:
        table = model.__table__
        columns = [k for k in rows[0] if k != "id"]
        stmt = (
            update(table).where(table.c.id == bindparam("row_id")).values({k: bindparam(k) for k in columns})
        )
        db.session.execute(stmt, [{"row_id": r["id"], **{k: r[k] for k in columns}} for r in rows])


def seed_postings(people: People, count: int, years: int, seed: int) -> None:
    """``count`` postings of every kind through create → submit → publish, 1 in 10 members-only,
    1 in 20 expired, one commit (and index update) per batch; their dates spread over ``years``."""
    rng = random.Random(seed)
    fields = list(db.session.scalars(select(TechField)))
    towns = list(db.session.scalars(select(Town)))
    rows = generate(count, [0], [0], [0], seed=seed)
    bureau, dated = people.bureau, []
    for n, row in enumerate(rows):
        kind: PostingKind = row["kind"]
        author = rng.choice(
            people.universities if kind is PostingKind.RESEARCH_OUTCOME else people.enterprises
        )
        description = row["description"]
        if len(description) < 40:
            description = (description + row["title"] + "，欢迎有意向的单位联系洽谈合作。" * 2)[:400]
        details = postings.PostingDetails(
            title=(row["title"].strip() + f"（{n}）")[:60],
            description=description,
            tech_field=rng.choice(fields),
            town=rng.choice(towns),
            visibility=Visibility.MEMBERS if n % 10 == 9 else Visibility.PUBLIC,
        )
        posting = postings.create_posting(kind, details, actor=author)
        postings.submit_posting(posting, actor=author)
        postings.publish_posting(posting, actor=bureau)
        moment = _past(rng, years)
        dated.append(
            {
                "id": posting.id,
                "created_at": moment - timedelta(days=1),
                "submitted_at": moment - timedelta(hours=3),
                "published_at": moment,
                "updated_at": moment,
                "valid_until": (moment + timedelta(days=30)).date() if n % 20 == 19 else None,
            }
        )
        if len(dated) >= BATCH:
            _commit_batch(people, dated)
            dated = []
    _commit_batch(people, dated)


def insert_postings(people: People, count: int, years: int, seed: int) -> None:
    """``count`` published postings inserted in bulk, as an import bypassing the services would
    (bench/search_perf.py's generator and path), then the index rebuilt by the real rebuild."""
    if count <= 0:
        return
    rng = random.Random(seed)
    fields = list(db.session.scalars(select(TechField.id)))
    towns = list(db.session.scalars(select(Town.id)))
    firms = [u.organization_id for u in people.enterprises]
    unis = [u.organization_id for u in people.universities]
    rows = generate(count, firms, fields, towns, seed=seed)
    for n, row in enumerate(rows):
        moment = _past(rng, years)
        row.update(
            organization_id=rng.choice(unis if row["kind"] is PostingKind.RESEARCH_OUTCOME else firms),
            visibility=Visibility.MEMBERS if n % 10 == 9 else Visibility.PUBLIC,
            valid_until=(moment + timedelta(days=30)).date() if n % 20 == 19 else None,
            created_at=moment - timedelta(days=1),
            submitted_at=moment - timedelta(hours=3),
            published_at=moment,
            updated_at=moment,
        )
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Posting), rows[start : start + 5000])
    db.session.commit()
    started = time.monotonic()
    search.rebuild()
    print(
        f"  {count} postings inserted in bulk; index rebuilt in {time.monotonic() - started:.0f} s",
        flush=True,
    )


def _commit_batch(people: People, dated: list[dict[str, Any]]) -> None:
    db.session.commit()  # the commit drains the outbox into the index
    _backdate(Posting, dated)
    db.session.commit()
    for row in list(db.session):  # postings and journal entries go; users and terms stay
        if not isinstance(row, KEPT):
            db.session.expunge(row)


def seed_pending(people: People, count: int, seed: int) -> None:
    """Postings submitted and waiting in the review queue."""
    rng = random.Random(seed)
    for n in range(count):
        author = rng.choice(people.enterprises)
        posting = postings.create_posting(
            PostingKind.RD_NEED,
            postings.PostingDetails(
                title=f"待审核的研发需求{n}",
                description="希望与高校院所合作攻关关键工艺，提升产品良率与一致性，欢迎联系。",
            ),
            actor=author,
        )
        postings.submit_posting(posting, actor=author)
    db.session.commit()


def seed_pairings(people: People, count: int, agreement_count: int, years: int, seed: int) -> tuple[int, int]:
    """``count`` pairings (universities on R&D needs, enterprises on the rest): a quarter left
    interested, some declined, the rest accepted and negotiating; ``agreement_count`` of those
    signed by recording an agreement, confirmed by the other side and verified."""
    rng = random.Random(seed)
    users_of = {u.organization_id: u for u in [*people.enterprises, *people.universities]}
    targets = list(
        db.session.execute(
            select(Posting.id, Posting.kind).where(
                Posting.status == PostingStatus.PUBLISHED, Posting.valid_until.is_(None)
            )
        )
    )
    rng.shuffle(targets)
    made = signed = 0
    dated: list[dict[str, Any]] = []
    for posting_id, kind in targets:
        if made >= count:
            break
        target = db.session.get(Posting, posting_id)
        assert target is not None
        # universities answer R&D needs; enterprises answer outcomes and each other's supply
        answering = people.universities if kind is PostingKind.RD_NEED else people.enterprises
        initiator = rng.choice(answering)
        while initiator.organization_id == target.organization_id:
            initiator = rng.choice(answering)
        pairing = pairings.express_interest(
            target, "我们有相关的成果和团队，希望进一步对接合作。", actor=initiator
        )
        owner = users_of[target.organization_id]
        roll = rng.random()
        if roll < 0.1:
            pairings.decline(pairing, DeclineReason.OTHER, "方向不一致", actor=owner)
        elif roll >= 0.35 or (signed < agreement_count and made > count - agreement_count):
            pairings.accept(pairing, actor=owner)
            pairings.advance(pairing, PairingState.NEGOTIATING, actor=initiator)
            if signed < agreement_count and (rng.random() < 0.7 or made > count - agreement_count):
                signed += _sign(pairing, initiator, people.bureau, users_of, rng, years)
        made += 1
        moment = _past(rng, years)
        dated.append({"id": pairing.id, "created_at": moment, "last_activity_at": moment + timedelta(days=3)})
        if len(dated) >= 200:
            db.session.commit()
            _backdate(Pairing, dated)
            db.session.commit()
            dated = []
    db.session.commit()
    _backdate(Pairing, dated)
    db.session.commit()
    return made, signed


def _sign(
    pairing: Pairing, by: User, bureau: User, users_of: dict[int, User], rng: random.Random, years: int
) -> int:
    signed_on = date.today() - timedelta(days=rng.randint(0, 365 * years))
    try:
        agreement = agreements.record_agreement(
            agreements.AgreementDetails(
                type=AgreementType.TECH_DEV_COMMISSIONED,
                title=f"技术开发合同（对接{pairing.id}）",
                signed_on=signed_on,
                parties=agreements.parties_of_pairing(pairing),
                contract_amount=Decimal(rng.randint(5, 300)),
            ),
            actor=by,
            pairing=pairing,
        )
        for org_id in agreements.confirmers(agreement):
            agreements.confirm_agreement(agreement, actor=users_of[org_id])
        agreements.verify_agreement(agreement, "已核对合同扫描件。", actor=bureau)
    except (FieldError, InvalidTransition) as refused:
        print(f"  agreement from pairing {pairing.id} refused: {refused}", file=sys.stderr)
        return 0
    return 1


def published_count() -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(Posting).where(Posting.status == PostingStatus.PUBLISHED)
        )
        or 0
    )


# --- the pages -----------------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    group: str  # home / list / search / other: which target applies
    role: str  # anonymous, enterprise, university or bureau
    paths: list[str]  # cycled through, request after request


def pages(app: Flask, people: People) -> list[Page]:
    """Every page worth measuring, as each role sees it."""
    with app.test_request_context():
        field_id = db.session.scalar(select(TechField.id).order_by(TechField.id))
        town_id = db.session.scalar(select(Town.id).order_by(Town.id))
        own = db.session.scalars(
            select(Posting.id)
            .where(
                Posting.organization_id == people.enterprise_org, Posting.status == PostingStatus.PUBLISHED
            )
            .order_by(Posting.id)
            .limit(10)
        ).all()
        outcomes = db.session.scalars(
            select(Posting.id)
            .where(Posting.kind == PostingKind.RESEARCH_OUTCOME, Posting.status == PostingStatus.PUBLISHED)
            .order_by(Posting.id)
            .limit(20)
        ).all()
        found: list[Page] = [
            Page("home (visitor)", "home", "anonymous", ["/"]),
            Page("home (enterprise)", "home", "enterprise", [url_for("main.home")]),
            Page("home (university)", "home", "university", [url_for("main.home")]),
            Page("home (bureau)", "home", "bureau", [url_for("main.home")]),
        ]
        for kind in PostingKind:
            base = url_for("postings.browse", kind=kind)
            found.append(Page(f"list: {kind.label}", "list", "anonymous", [base]))
        need = url_for("postings.browse", kind=PostingKind.RD_NEED)
        found += [
            Page("list: 研发需求, logged in", "list", "enterprise", [need]),
            Page("list: 研发需求 by 技术领域", "list", "anonymous", [f"{need}?field={field_id}"]),
            Page("list: 研发需求 by 镇区", "list", "anonymous", [f"{need}?town={town_id}"]),
            Page("list: 研发需求 by both", "list", "anonymous", [f"{need}?field={field_id}&town={town_id}"]),
            Page("list: 研发需求 page 10", "list", "anonymous", [f"{need}?page=10"]),
            Page("search", "search", "anonymous", [url_for("matches.search_page", q=q) for q in QUERIES]),
            Page(
                "posting + proposals",
                "other",
                "enterprise",
                [url_for("postings.detail", posting_id=i) for i in [*outcomes, *own]],
            ),
            Page("为我推荐", "other", "enterprise", [url_for("matches.mine")]),
            Page("我的发布", "other", "enterprise", [url_for("postings.mine")]),
            Page("我的对接 (enterprise)", "other", "enterprise", [url_for("pairings.mine")]),
            Page("我的对接 (university)", "other", "university", [url_for("pairings.mine")]),
            Page("review queue", "other", "bureau", [url_for("review.posting_queue")]),
            Page("计划进展 dashboard", "other", "bureau", [url_for("agreements.dashboard")]),
            Page("对接漏斗", "other", "bureau", [url_for("pairings.funnel")]),
            Page("培育库 pool", "other", "bureau", [url_for("profiles.pool")]),
            Page("协议台账 ledger", "other", "bureau", [url_for("agreements.index")]),
        ]
    return found


def target_ms(page: Page) -> int:
    return IN_PROCESS_TARGET_MS.get(page.group, OTHER_TARGET_MS)


@dataclass
class Measured:
    p50: float  # wall-clock ms
    statements: int
    status: int
    cpu: float = 0.0  # this process's CPU ms (p50): less disturbed by other processes on a shared machine


def measure_in_process(
    seeded: Flask, people: People, found: list[Page], repeat: int, show_sql: str | None = None
) -> dict[str, Measured]:
    """Each page ``repeat`` times after two warm-up requests, one at a time, in this process, by
    an app of its own as a worker would have (the seeding app's context stays pushed)."""
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": seeded.instance_path,
            "SQLALCHEMY_DATABASE_URI": seeded.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            # One request at a time on a machine shared with other work: time it, never cut it.
            "REQUEST_TIMEOUT": 0,
            # The seeded history is not news: no notifications consumer catching up on it after
            # the first commit (the seeding app does not notify either).
            "NOTIFY_AFTER_COMMIT": False,
        }
    )
    statements = [0]
    shown: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements[0] += 1
        shown.append(" ".join(statement.split())[:300])

    emails = people.emails
    clients: dict[str, Any] = {"anonymous": app.test_client()}
    for role, email in emails.items():
        clients[role] = app.test_client()
        answer = clients[role].post("/auth/login", data={"email": email, "password": PASSWORD})
        assert answer.status_code == 302, f"{role} could not log in: {answer.status_code}"
    results: dict[str, Measured] = {}
    with app.test_request_context():  # outside a request's deadline: the first proposal builds
        engine = db.engines[None]  # the character view (search/grams.py), as a worker's first does
        started = time.perf_counter()
        first = db.session.scalar(select(Posting).where(Posting.status == PostingStatus.PUBLISHED).limit(1))
        if first is not None:
            posting_queries.proposals(first, None)
        print(
            f"  first proposal (builds the character view): {time.perf_counter() - started:.1f} s", flush=True
        )
    event.listen(engine, "before_cursor_execute", count)
    try:
        for page in found:
            client = clients[page.role]
            print(f"  measuring {page.name} …", file=sys.stderr, flush=True)
            for path in page.paths[:2]:
                client.get(path)
            times, cpus, counts, status = [], [], [], 200
            for i in range(repeat):
                path = page.paths[i % len(page.paths)]
                statements[0] = 0
                started, cpu = time.perf_counter(), time.process_time()
                answer = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
                counts.append(statements[0])
                if answer.status_code != 200:
                    status = answer.status_code
            results[page.name] = Measured(
                percentile(times, 0.5), int(statistics.median(counts)), status, percentile(cpus, 0.5)
            )
            if show_sql is not None and show_sql in page.name:
                shown.clear()
                client.get(page.paths[0])
                print(f"--- {page.name}: {len(shown)} statements", *shown, sep="\n  ")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return results


def measure_under_load(
    db_uri: str, folder: Path, people: People, found: list[Page], args: argparse.Namespace
) -> tuple[float, dict[str, tuple[float, float]]]:
    """The minimal Flask page, then each page alone, each under --users connections against
    gunicorn (--workers); req/s of each, and its p95 ms."""
    emails = people.emails
    os.environ["MATCHMAKER_NOTIFY_AFTER_COMMIT"] = "false"  # as in-process: the seed is not news
    server = load_test.serve("matchmaker", folder, db_uri, args.workers)  # folder/instance: the seeded index
    minimal = load_test.serve(
        "minimal Flask page", folder / "minimal", db_uri, args.workers, "bench.minimal_app:app"
    )
    rates: dict[str, tuple[float, float]] = {}
    try:
        ceiling = load_test.Stats()
        elapsed = load_test.hammer(
            ceiling, [minimal], args.users, args.phase_seconds, lambda c, i: c.call("minimal", "/")
        )
        ceiling_rate = len(ceiling.latencies["minimal"]) / elapsed
        for page in found:
            warm = load_test.Stats()  # every worker builds what it caches on its first requests
            login = (lambda n, page=page: emails[page.role]) if page.role != "anonymous" else (lambda n: None)

            def step(c: load_test.Client, i: int, page: Page = page) -> None:
                c.call(page.name, page.paths[i % len(page.paths)])

            load_test.hammer(warm, [server], args.workers * 2, 2, step, login=login)
            stats = load_test.Stats()
            elapsed = load_test.hammer(stats, [server], args.users, args.phase_seconds, step, login=login)
            values = stats.latencies.get(page.name, [])
            rates[page.name] = (len(values) / elapsed, percentile(values, 0.95))
            if stats.failures:
                print(f"  {page.name}: FAILED {stats.failures[:3]}", flush=True)
    finally:
        for s in (server, minimal):
            s.process.terminate()
            s.process.wait(timeout=60)
    return ceiling_rate, rates


# --- the run -------------------------------------------------------------------------------------


def report(
    size: int,
    found: list[Page],
    inproc: dict[str, Measured],
    load: tuple[float, dict[str, tuple[float, float]]] | None,
    earlier: dict[str, Measured] | None,
) -> None:
    header = f"  {'page':28s} {'p50 ms':>7s} {'cpu ms':>7s} {'SQL':>4s}"
    if earlier:
        header += f" {'growth':>7s}"
    if load:
        header += f" {'req/s':>7s} {'share':>6s} {'p95 ms':>7s}"
    print(header)
    if load:
        print(
            f"  {'minimal Flask page':28s} {'':>7s} {'':>4s}{'':>8s}" * 0
            + f"  minimal Flask page: {load[0]:.0f} req/s"
        )
    for page in found:
        m = inproc[page.name]
        line = f"  {page.name:28s} {m.p50:7.1f} {m.cpu:7.1f} {m.statements:4d}"
        if earlier:
            line += f" {m.p50 / earlier[page.name].p50:6.2f}×"
        if load:
            rate, p95 = load[1][page.name]
            line += f" {rate:7.1f} {rate / load[0]:6.1%} {p95:7.0f}"
        marks = []
        if m.status != 200:
            marks.append(f"status {m.status}")
        if m.p50 > target_ms(page):
            marks.append(f"> {target_ms(page)} ms")
        if m.statements > STATEMENT_TARGET:
            marks.append(f"> {STATEMENT_TARGET} statements")
        if earlier and m.p50 / earlier[page.name].p50 > 1.3:
            marks.append("grows > 1.3×")
        print(line + ("  ← " + ", ".join(marks) if marks else ""), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postings", type=int, nargs="+", default=[10_000, 50_000], help="sizes, grown in turn"
    )
    parser.add_argument("--pairings", type=int, default=5000)
    parser.add_argument("--agreements", type=int, default=2000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--enterprises", type=int, default=300)
    parser.add_argument("--universities", type=int, default=60)
    parser.add_argument("--pending", type=int, default=200, help="postings left in the review queue")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=20, help="requests per page in-process")
    parser.add_argument(
        "--bulk", action="store_true", help="insert the postings in bulk and rebuild the index (faster)"
    )
    parser.add_argument(
        "--reuse", help="grow the SQLite installation an earlier (killed) run left in this folder"
    )
    parser.add_argument("--show-sql", help="print the statements of one request of the pages so named")
    parser.add_argument("--load", action="store_true", help="also measure each page under gunicorn")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--phase-seconds", type=float, default=5)
    args = parser.parse_args()

    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
        f"{os.getloadavg()[2]:.2f} (the machine is shared), database {args.database}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="matchmaker-pages-") as tmp:
        base = Path(args.reuse or tmp)
        stop_db: Callable[[], None] = lambda: None  # noqa: E731
        db_uri = f"sqlite:///{base / 'bench.sqlite3'}"
        if args.database == "postgresql":
            db_uri, stop_db = load_test.postgres(base)
        try:
            with bench_app(
                keep=str(base), database_uri=db_uri, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False
            ) as app:
                started = time.monotonic()
                people = known_people() if args.reuse else seed_people(args.enterprises, args.universities)
                earlier: dict[str, Measured] | None = None
                for step, size in enumerate(args.postings):
                    seeded = time.monotonic()
                    if args.bulk:
                        insert_postings(people, size - published_count(), args.years, seed=step)
                    else:
                        seed_postings(people, size - published_count(), args.years, seed=step)
                    line = f"\n{size} postings seeded in {time.monotonic() - seeded:.0f} s"
                    if step == 0 and not args.reuse:
                        seeded = time.monotonic()
                        made, signed = seed_pairings(
                            people, args.pairings, args.agreements, args.years, seed=99
                        )
                        seed_pending(people, args.pending, seed=5)
                        line += f"; {made} pairings, {signed} verified agreements in {time.monotonic() - seeded:.0f} s"
                    print(line + f" (load average {os.getloadavg()[0]:.2f})", flush=True)
                    if args.database == "postgresql":
                        db.session.execute(text("ANALYZE"))  # what autovacuum does for a real database
                        db.session.commit()
                    db.session.remove()
                    found = pages(app, people)
                    inproc = measure_in_process(app, people, found, args.repeat, args.show_sql)
                    load = measure_under_load(db_uri, base, people, found, args) if args.load else None
                    report(size, found, inproc, load, earlier)
                    earlier = inproc
                    people.merge()
                print(
                    f"\nwhole run {time.monotonic() - started:.0f} s; load average {os.getloadavg()[0]:.2f}"
                )
        finally:
            stop_db()
    return 0


if __name__ == "__main__":
    sys.exit(main())
