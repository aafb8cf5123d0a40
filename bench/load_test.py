"""A busy day against gunicorn, on SQLite or PostgreSQL, on one web machine or several.

    .venv/bin/python -m bench.load_test [--database sqlite|postgresql] [--hosts 1] [--users 16]
                                        [--workers N] [--seconds 60] [--phase-seconds 8]

Seeds a throw-away installation (enterprises with published 研发需求, universities with published
科技成果, pairings in 洽谈中), then starts --hosts gunicorn servers on 127.0.0.1 with the project's
deploy/gunicorn.conf.py, each with its own instance folder and search index and all on the one
database (with --database postgresql a throw-away cluster from scripts/postgres, or
--database-url). Beside them, a minimal Flask page (bench/minimal_app.py) is served the same way.
Three phases, all with --users concurrent clients spread over the hosts:

1. ceiling: the minimal page alone, for --phase-seconds;
2. each page alone (home, a list, a posting page with its proposals, search, 为我推荐, the JSON
   API), for --phase-seconds each: its throughput beside the ceiling's;
3. the busy day, for --seconds: enterprise users browse, search, read proposals, post needs,
   express interest, write in their pairings and record agreements; university users browse and
   accept the interest shown to them; bureau users publish what was submitted. Halfway through,
   one worker of every host is killed with SIGKILL (gunicorn starts another).

Then every host's index is compared with the database (`search check`'s code), and every write
the clients saw succeed must be in the database exactly once (a write cut by the kill at most
once). Prints throughput and p50/p95/p99 per request type and the targets of docs/PERFORMANCE.md;
exit status 1 on any 5xx, lost or duplicated row, or index difference. Only 127.0.0.1 is
contacted; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from queue import Empty, Queue
from typing import Any

from sqlalchemy import func, select

from bench.common import percentile
from matchmaker import create_app, search
from matchmaker.accounts import creditcode, tokens
from matchmaker.accounts import operations as accounts
from matchmaker.accounts.values import OrgType
from matchmaker.agreements.models import Agreement
from matchmaker.cli import init_db
from matchmaker.core.extensions import db
from matchmaker.pairings import operations as pairings
from matchmaker.pairings.models import Pairing, PairingMessage
from matchmaker.pairings.values import PairingState
from matchmaker.postings import operations as postings
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind, PostingStatus

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-password-2026"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
NEW_PAIRING = re.compile(r"/pairings/(\d+)$")
WORDS = ["锂电池隔膜", "伺服电机", "热变形补偿", "荷藕保鲜", "不锈钢焊接", "PLC 控制", "5G 模组", "水处理膜"]
OUTCOME_WORDS = [
    "涂布面密度在线检测",
    "热误差建模",
    "无线测温预警",
    "植物源保鲜剂",
    "协作机器人上下料",
    "膜污染控制",
]
PAGE_TARGET_MS, SEARCH_TARGET_MS = 200, 500


# --- clients ---------------------------------------------------------------------------------


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.failures: list[str] = []
        self.cut: list[str] = []
        self.refused: list[str] = []

    def record(self, kind: str, path: str, status: int, seconds: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.latencies[kind].append(seconds * 1000)
            if status >= 500:
                self.failures.append(f"{status} {path}")
            elif status == 0:  # the killed worker's connections are cut: expected, reported apart
                self.cut.append(path)
            elif 400 <= status < 500 and status != 422:
                self.refused.append(f"{status} {path}")


class Client:
    """A browser-like HTTP client: cookies, a CSRF token, the status and latency of every call."""

    def __init__(self, base: str, stats: Stats) -> None:
        self.base, self.stats = base, stats
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )
        self.csrf = ""
        self.status = 0
        self.location = ""

    def call(
        self,
        kind: str,
        path: str,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> str:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrf_token": self.csrf}).encode()
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        started = time.perf_counter()
        self.location = ""
        try:
            with self.opener.open(req, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
            self.location = error.headers.get("Location", "")
        except (OSError, http.client.HTTPException) as error:
            status, text = 0, str(error)  # connection reset, or answer cut short, by the killed worker
        self.stats.record(kind, path, status, time.perf_counter() - started)
        self.status = status
        if found := CSRF.search(text):
            self.csrf = found.group(1) or found.group(2)
        return text

    def login(self, email: str) -> None:
        for _ in range(5):  # a login cut by the kill is simply tried again
            self.call("login", "/auth/login")
            self.call("login", "/auth/login", {"email": email, "password": PASSWORD})
            if self.status == 302:
                return
        raise RuntimeError(f"could not log in as {email}: {self.status}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is the answer to a form (measured alone), not a second request."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# --- the installation ------------------------------------------------------------------------


@dataclass
class Seed:
    enterprises: list[str] = field(default_factory=list)
    universities: list[str] = field(default_factory=list)
    bureaus: list[str] = field(default_factory=list)
    needs: list[int] = field(default_factory=list)
    outcomes: list[int] = field(default_factory=list)
    outcome_owner: dict[int, str] = field(default_factory=dict)  # outcome id → its owner's e-mail
    negotiating: dict[str, list[int]] = field(default_factory=dict)  # enterprise e-mail → pairings
    pairing_university: dict[int, str] = field(default_factory=dict)  # pairing → its university user
    org_name: dict[str, str] = field(default_factory=dict)
    credit_code: dict[str, str] = field(default_factory=dict)  # enterprise name → its code
    token: str = ""


def config(db_uri: str, folder: Path) -> dict[str, Any]:
    return {
        "SECRET_KEY": "load-test",
        "INSTANCE_PATH": folder / "instance",
        "SQLALCHEMY_DATABASE_URI": db_uri,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
        "NOTIFY_AFTER_COMMIT": False,  # seeding only: the servers notify as in production
    }


def seed(db_uri: str, folder: Path, enterprises: int, universities: int) -> Seed:
    """Organisations, users, published postings and pairings in 洽谈中, through the services."""
    s = Seed()
    rng = random.Random(7)
    app = create_app(config(db_uri, folder))
    with app.app_context():
        init_db()
        bureau_org = accounts.ensure_organization("压测工信局", OrgType.BUREAU)
        bureaus = [
            accounts.create_user(
                f"bureau{b}@load.example.com", PASSWORD, f"审核员{b}", bureau_org, actor=None
            )
            for b in range(2)
        ]
        s.bureaus = [u.email for u in bureaus]

        def published(user: Any, kind: PostingKind, title: str, text: str) -> Posting:
            posting = postings.create_posting(
                kind, postings.PostingDetails(title=title, description=text), actor=user
            )
            postings.submit_posting(posting, actor=user)
            postings.publish_posting(posting, actor=bureaus[0])
            return posting

        unis = []
        for u in range(universities):
            org = accounts.ensure_organization(f"压测大学{u}", OrgType.UNIVERSITY)
            user = accounts.create_user(f"uni{u}@load.example.com", PASSWORD, f"教师{u}", org, actor=None)
            unis.append(user)
            s.universities.append(user.email)
            s.org_name[user.email] = org.name
            for n in range(20):
                words = rng.choice(OUTCOME_WORDS)
                outcome = published(
                    user,
                    PostingKind.RESEARCH_OUTCOME,
                    f"{words}技术成果{u}-{n}",
                    f"{words}与{rng.choice(WORDS)}相关的科研成果，已完成中试验证，可技术转让或合作开发。",
                )
                s.outcomes.append(outcome.id)
                s.outcome_owner[outcome.id] = user.email
        for e in range(enterprises):
            org = accounts.ensure_organization(f"压测企业{e}", OrgType.ENTERPRISE)
            first17 = f"91321023MA{e:07d}"
            org.credit_code = s.credit_code[org.name] = first17 + creditcode.check_digit(first17)
            user = accounts.create_user(f"firm{e}@load.example.com", PASSWORD, f"工程师{e}", org, actor=None)
            s.enterprises.append(user.email)
            s.org_name[user.email] = org.name
            for n in range(20):
                words = rng.choice(WORDS)
                need = published(
                    user,
                    PostingKind.RD_NEED,
                    f"{words}研发需求{e}-{n}",
                    f"{words}工艺改进，希望与高校合作攻关{rng.choice(OUTCOME_WORDS)}，提升产品良率与一致性。",
                )
                s.needs.append(need.id)
            s.negotiating[user.email] = []
            for k, uni in enumerate(unis):  # each university answered one of this enterprise's needs
                pairing = pairings.express_interest(
                    db.session.get(Posting, s.needs[-1 - k]),
                    "我们有相关成果，希望合作。",
                    actor=uni,
                )
                pairings.accept(pairing, actor=user)
                pairings.advance(pairing, PairingState.NEGOTIATING, actor=user)
                db.session.flush()
                s.negotiating[user.email].append(pairing.id)
                s.pairing_university[pairing.id] = uni.email
        _, s.token = tokens.issue_token(bureaus[0], "压测", actor=bureaus[0])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return s


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    folder: Path

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]


def serve(name: str, folder: Path, db_uri: str, workers: int, app: str | None = None) -> Server:
    """gunicorn with deploy/gunicorn.conf.py on a free loopback port (access log off)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WORKERS": str(workers),
        "MATCHMAKER_INSTANCE_PATH": str(folder / "instance"),
        "MATCHMAKER_SQLALCHEMY_DATABASE_URI": db_uri,
        "MATCHMAKER_SECRET_KEY": "load-test",
        "MATCHMAKER_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "MATCHMAKER_RATELIMIT_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "deploy" / "gunicorn.conf.py")]
    command += ["--access-logfile", "/dev/null", "--error-logfile", str(folder / "gunicorn.log")]
    if app:
        command.append(app)
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/", timeout=2).read()
            return Server(name, url, process, folder)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{name} did not start: {(folder / 'gunicorn.log').read_text()[-2000:]}")


# --- phases ----------------------------------------------------------------------------------


def hammer(
    stats: Stats,
    servers: list[Server],
    users: int,
    seconds: float,
    step: Callable[[Client, int], None],
    login: Callable[[int], str | None] = lambda n: None,
) -> float:
    """``users`` threads, each calling ``step`` on its own client for ``seconds``; returns elapsed."""
    deadline = time.monotonic() + seconds

    def run(n: int) -> None:
        client = Client(servers[n % len(servers)].url, stats)
        try:
            if email := login(n):
                client.login(email)
            i = 0
            while time.monotonic() < deadline:
                step(client, i)
                i += 1
        except Exception as error:  # a client that breaks is a failed run, not a silent thread
            with stats.lock:
                stats.failures.append(f"client {n}: {error!r}")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(users)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - started


def pages(s: Seed) -> dict[str, tuple[str, Callable[[int], str]]]:
    """Page → (who looks at it: anonymous or an enterprise, the path for the i-th request)."""
    return {
        "page: home (logged in)": ("enterprise", lambda i: "/"),
        "page: list of needs": ("anonymous", lambda i: "/postings/rd-need/?page=" + str(1 + i % 3)),
        "page: posting + proposals": ("enterprise", lambda i: f"/postings/{random.choice(s.needs)}"),
        "search": ("anonymous", lambda i: "/search?" + urllib.parse.urlencode({"q": random.choice(WORDS)})),
        "proposals: 为我推荐": ("enterprise", lambda i: "/matches"),
        "api: postings": (
            "api",
            lambda i: "/api/v1/postings?" + urllib.parse.urlencode({"q": random.choice(WORDS)}),
        ),
    }


@dataclass
class Writes:
    """What the clients wrote: marker → 'ok' (seen to succeed) or 'cut' (answer lost to the kill)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    seen: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))

    def note(self, table: str, marker: str, client: Client) -> bool:
        with self.lock:
            if client.status in (302, 303):
                self.seen[table][marker] = "ok"
                return True
            if client.status == 0:
                self.seen[table][marker] = "cut"
            return False


def busy_day(s: Seed, servers: list[Server], args: argparse.Namespace, stats: Stats) -> dict[str, Any]:
    writes = Writes()
    submitted: Queue[int] = Queue()
    to_answer: dict[str, Queue[int]] = {email: Queue() for email in s.universities}
    deadline = time.monotonic() + args.seconds
    page = pages(s)
    api = {"Authorization": f"Bearer {s.token}"}
    counter = iter(range(10**9))
    count_lock = threading.Lock()

    def unique() -> int:
        with count_lock:
            return next(counter)

    def browse(client: Client, *, bureau: bool = False) -> None:
        weights = [10, 15, 25, 25, 0 if bureau else 15, 10]  # 为我推荐 is for enterprises and universities
        kind = random.choices(list(page), weights=weights)[0]
        who, path = page[kind]
        client.call(kind, path(0), headers=api if who == "api" else None)

    def enterprise(email: str, n: int) -> None:
        client = Client(servers[n % len(servers)].url, stats)
        client.login(email)
        outcomes = random.sample(s.outcomes, len(s.outcomes))
        while time.monotonic() < deadline:
            action = random.choices(
                ["browse", "post", "interest", "message", "agreement"], weights=[76, 5, 6, 10, 3]
            )[0]
            if action == "browse":
                browse(client)
            elif action == "post":
                title = f"{random.choice(WORDS)}压测新需求{unique()}"
                client.call("write: new posting", "/postings/new/rd-need")
                client.call(
                    "write: new posting",
                    "/postings/new/rd-need",
                    {
                        "title": title,
                        "description": f"{title}：希望与高校院所合作攻关关键工艺，提升产品一致性和良率。",
                        "visibility": "public",
                        "action": "submit",
                    },
                )
                if writes.note("postings", title, client) and (
                    m := re.search(r"/postings/(\d+)", client.location)
                ):
                    submitted.put(int(m.group(1)))
            elif action == "interest" and outcomes:
                target = outcomes.pop()
                text = f"我们对贵方成果很感兴趣，希望进一步对接（压测{unique()}）。"
                client.call("write: interest", f"/pairings/new/{target}")
                client.call(
                    "write: interest", f"/pairings/new/{target}", {"message": text, "own_posting": ""}
                )
                if writes.note("pairings", text, client) and (m := NEW_PAIRING.search(client.location)):
                    to_answer[s.outcome_owner[target]].put(int(m.group(1)))
            elif action == "message":
                pairing = random.choice(s.negotiating[email])
                text = f"关于样品测试的安排，我们下周可以到校交流（压测{unique()}）。"
                client.call("write: message", f"/pairings/{pairing}/messages", {"text": text})
                writes.note("messages", text, client)
            elif action == "agreement":
                pairing = random.choice(s.negotiating[email])
                number = unique()
                title = f"压测技术开发合同{number}"
                path = f"/agreements/new?pairing={pairing}"
                client.call("write: agreement", path)
                fields = {
                    "type": "tech_dev_commissioned",
                    "title": title,
                    "signed_on": date.today().isoformat(),
                    "contract_amount": "30",
                    "registration": "not_applied",
                    "parties-0-side": "buyer",
                    "parties-0-name": s.org_name[email],
                    "parties-0-party_type": "enterprise",
                    "parties-0-credit_code": s.credit_code[s.org_name[email]],
                    "parties-1-side": "seller",
                    "parties-1-name": s.org_name[s.pairing_university[pairing]],
                    "parties-1-party_type": "university",
                }
                page_text = client.call("write: agreement", path, fields)
                if not writes.note("agreements", title, client) and client.status:
                    errors = re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>', page_text, re.S)
                    with stats.lock:
                        stats.refused.append(f"agreement {client.status} {errors[:2]}")

    def university(email: str, n: int) -> None:
        client = Client(servers[n % len(servers)].url, stats)
        client.login(email)
        while time.monotonic() < deadline:
            try:
                pairing = to_answer[email].get_nowait()
            except Empty:
                browse(client)
                continue
            client.call("write: accept", f"/pairings/{pairing}/accept", {})
            if client.status not in (302, 303, 0):
                with stats.lock:
                    stats.refused.append(f"accept {client.status} (pairing {pairing})")

    def bureau(email: str, n: int) -> None:
        client = Client(servers[n % len(servers)].url, stats)
        client.login(email)
        while time.monotonic() < deadline + 3:
            try:
                posting = submitted.get(timeout=0.5)
            except Empty:
                if time.monotonic() >= deadline:
                    return
                browse(client, bureau=True)
                continue
            client.call("write: publish", f"/review/postings/{posting}/publish", {"note": ""})
            if client.status == 0:
                submitted.put(posting)  # cut by the kill: publish it again

    def kill_one_worker_each() -> None:
        time.sleep(args.seconds / 2)
        if args.no_kill:
            return
        for server in servers:
            if pids := server.worker_pids():
                os.kill(pids[0], signal.SIGKILL)
                print(f"  killed worker {pids[0]} of {server.name} with SIGKILL at {args.seconds / 2:.0f} s")

    users = args.users
    bureaus = max(1, users // 8)
    universities = max(1, users // 4)
    enterprises = users - bureaus - universities

    def guarded(body: Callable[[str, int], None]) -> Callable[[str, int], None]:
        def run(email: str, n: int) -> None:
            try:
                body(email, n)
            except Exception as error:  # a client that breaks is a failed run, not a silent thread
                with stats.lock:
                    stats.failures.append(f"{body.__name__} {n}: {error!r}")

        return run

    enterprise, university, bureau = guarded(enterprise), guarded(university), guarded(bureau)
    threads = [
        threading.Thread(target=enterprise, args=(s.enterprises[n % len(s.enterprises)], n))
        for n in range(enterprises)
    ]
    threads += [
        threading.Thread(target=university, args=(s.universities[n % len(s.universities)], n))
        for n in range(universities)
    ]
    threads += [
        threading.Thread(target=bureau, args=(s.bureaus[n % len(s.bureaus)], n)) for n in range(bureaus)
    ]
    threads.append(threading.Thread(target=kill_one_worker_each))
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "elapsed": time.monotonic() - started,
        "writes": writes,
        "roles": (enterprises, universities, bureaus),
    }


# --- checks ----------------------------------------------------------------------------------


def check_rows(db_uri: str, folder: Path, writes: Writes) -> list[str]:
    """Every write seen to succeed is there once; one cut by the kill at most once."""
    columns = {
        "postings": Posting.title,
        "pairings": Pairing.message,
        "messages": PairingMessage.text,
        "agreements": Agreement.title,
    }
    problems = []
    app = create_app(config(db_uri, folder))
    with app.app_context():
        for table, seen in writes.seen.items():
            column = columns[table]
            counts = dict(
                db.session.execute(
                    select(column, func.count()).where(column.in_(list(seen))).group_by(column)
                ).all()
            )
            lost = [m for m, how in seen.items() if how == "ok" and counts.get(m, 0) == 0]
            doubled = [m for m in seen if counts.get(m, 0) > 1]
            print(
                f"  {table:10s} written {sum(1 for h in seen.values() if h == 'ok'):5d}, "
                f"cut by the kill {sum(1 for h in seen.values() if h == 'cut')}, lost {len(lost)}, "
                f"duplicated {len(doubled)}"
            )
            problems += [f"lost {table}: {m}" for m in lost] + [f"duplicated {table}: {m}" for m in doubled]
        db.session.remove()
        db.engine.dispose()
    return problems


def check_index(db_uri: str, server: Server) -> bool:
    app = create_app(config(db_uri, server.folder))
    with app.app_context():
        search.find("需求")  # this machine's index catches up with the journal, as any reader does
        report = search.check()
        published = db.session.scalar(
            select(func.count()).select_from(Posting).where(Posting.status == PostingStatus.PUBLISHED)
        )
        db.session.remove()
        db.engine.dispose()
    ok = report.ok and not report.pending
    print(
        f"  {server.name}: {'consistent' if ok else 'NOT consistent'} — {published} published, {report.as_dict()}"
    )
    return ok


# --- the run ---------------------------------------------------------------------------------


def table(stats: Stats, elapsed: float, kinds: list[str] | None = None) -> None:
    print(f"  {'request':28s} {'count':>6s} {'per s':>6s} {'p50':>6s} {'p95':>6s} {'p99':>6s}  ms")
    for kind in kinds or sorted(stats.latencies):
        values = stats.latencies.get(kind) or []
        if values:
            print(
                f"  {kind:28s} {len(values):6d} {len(values) / elapsed:6.1f} {percentile(values, 0.5):6.0f} "
                f"{percentile(values, 0.95):6.0f} {percentile(values, 0.99):6.0f}"
            )


def postgres(folder: Path) -> tuple[str, Callable[[], None]]:
    """A throw-away PostgreSQL cluster (scripts/postgres) with an empty database ``load``."""
    from sqlalchemy import create_engine, text

    # Its own folder right under /tmp: the server runs as the unprivileged postgres user, who
    # cannot enter this run's private temporary folder.
    cluster = Path(tempfile.mkdtemp(prefix="matchmaker-load-pg-"))
    server = subprocess.run(
        ["bash", str(ROOT / "scripts" / "postgres"), "start", str(cluster)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PGPORT_TEST": str(free_port())},
    ).stdout.strip()
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE load"))
    admin.dispose()

    def stop() -> None:
        subprocess.run(["bash", str(ROOT / "scripts" / "postgres"), "stop", str(cluster)], check=False)
        shutil.rmtree(cluster, ignore_errors=True)

    return f"{server}/load", stop


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--database-url", help="an empty PostgreSQL database instead of a throw-away cluster")
    parser.add_argument(
        "--hosts", type=int, default=1, help="web machines (gunicorn servers) on the one database"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per host")
    parser.add_argument("--users", type=int, default=16, help="concurrent users")
    parser.add_argument("--seconds", type=float, default=60, help="length of the busy day")
    parser.add_argument("--phase-seconds", type=float, default=8, help="length of each one-page phase")
    parser.add_argument("--no-kill", action="store_true", help="kill no worker during the busy day")
    args = parser.parse_args()

    failed = False
    with tempfile.TemporaryDirectory(prefix="matchmaker-load-") as tmp:
        base = Path(tmp)
        stop_db = lambda: None  # noqa: E731
        if args.database_url:
            db_uri = args.database_url
        elif args.database == "postgresql":
            db_uri, stop_db = postgres(base)
        else:
            db_uri = f"sqlite:///{base / 'load.sqlite3'}"
        servers: list[Server] = []
        minimal: Server | None = None
        try:
            print(f"seeding ({args.database}) …", flush=True)
            started = time.monotonic()
            s = seed(db_uri, base / "seed", enterprises=10, universities=4)
            print(
                f"  seeded in {time.monotonic() - started:.0f} s: {len(s.needs)} needs, {len(s.outcomes)} outcomes"
            )
            servers = [
                serve(f"host {h + 1}", base / f"host{h + 1}", db_uri, args.workers) for h in range(args.hosts)
            ]
            minimal = serve(
                "minimal Flask page", base / "minimal", db_uri, args.workers, "bench.minimal_app:app"
            )
            print(
                f"\n{args.hosts} host(s) × {args.workers} gunicorn workers, {args.users} users, "
                f"{os.cpu_count()} cores, database {args.database}"
            )

            print("\n1. ceiling: the minimal Flask page")
            ceiling = Stats()
            elapsed = hammer(
                ceiling, [minimal], args.users, args.phase_seconds, lambda c, i: c.call("minimal page", "/")
            )
            table(ceiling, elapsed)
            ceiling_rate = len(ceiling.latencies["minimal page"]) / elapsed
            failed |= bool(ceiling.failures)

            print("\n2. each page alone (throughput beside the ceiling)")
            alone = Stats()
            rates: dict[str, float] = {}
            api = {"Authorization": f"Bearer {s.token}"}
            for kind, (who, path) in pages(s).items():
                elapsed = hammer(
                    alone,
                    servers,
                    args.users,
                    args.phase_seconds,
                    lambda c, i, kind=kind, who=who, path=path: c.call(
                        kind, path(i), headers=api if who == "api" else None
                    ),
                    login=(lambda n: s.enterprises[n % len(s.enterprises)])
                    if who == "enterprise"
                    else (lambda n: None),
                )
                rates[kind] = len(alone.latencies[kind]) / elapsed
            print(f"  {'page':28s} {'per s':>6s} {'of ceiling':>10s} {'p95 ms':>7s}")
            for kind, rate in rates.items():
                share = rate / ceiling_rate
                print(
                    f"  {kind:28s} {rate:6.1f} {share:9.0%}{'' if share >= 1 / 3 else ' (< 1/3)'} "
                    f"{percentile(alone.latencies[kind], 0.95):7.0f}"
                )
            if alone.failures:
                print(f"  FAILED requests ({len(alone.failures)}): {alone.failures[:10]}")
                failed = True

            print(f"\n3. the busy day ({args.seconds:.0f} s)")
            day = Stats()
            result = busy_day(s, servers, args, day)
            e, u, b = result["roles"]
            total = sum(day.statuses.values())
            print(
                f"  {e} enterprise, {u} university and {b} bureau users; {total} requests ({total / result['elapsed']:.0f}/s)"
            )
            print(f"  status codes: {dict(sorted(day.statuses.items()))}")
            table(day, result["elapsed"])
            print(f"  connections cut by the kills: {len(day.cut)}; refused writes: {Counter(day.refused)}")
            for kind, values in sorted(day.latencies.items()):
                target = (
                    SEARCH_TARGET_MS
                    if kind.startswith(("search", "proposals", "page: posting"))
                    else PAGE_TARGET_MS
                )
                if not kind.startswith(("write", "login")) and percentile(values, 0.95) > target:
                    print(f"  target missed: {kind} p95 {percentile(values, 0.95):.0f} ms > {target} ms")
            if day.failures:
                print(f"  FAILED requests ({len(day.failures)}): {day.failures[:10]}")
                failed = True

            print("\nrows written during the day")
            problems = check_rows(db_uri, base / "seed", result["writes"])
            for p in problems[:10]:
                print("  ", p)
            failed |= bool(problems)
        finally:
            running = [*servers, *([minimal] if minimal else [])]
            for server in running:
                server.process.send_signal(signal.SIGTERM)
            for server in running:
                try:
                    server.process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    server.process.kill()
        print("\nsearch index of each host against the database")
        for server in servers:
            failed |= not check_index(db_uri, server)
        for server in servers:
            log = (server.folder / "gunicorn.log").read_text()
            if "Traceback" in log or "LockError" in log:
                print(f"  {server.name}'s log has errors:", *log.splitlines()[-15:], sep="\n    ")
                failed = True
        stop_db()
    print("\nresult:", "FAILED" if failed else "0 errors, nothing lost or duplicated, every index consistent")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
