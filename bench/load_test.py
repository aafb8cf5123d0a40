"""Several gunicorn workers under HTTP load, one of them killed mid-run: do the database and the
search index stay consistent, and does every user get an answer (no 5xx, no LockError)?

Starts gunicorn (--workers, default 4) on 127.0.0.1 on a throw-away instance seeded with
published postings, then for --seconds:
  - enterprise users (--writers threads, each with its own postings) withdraw a published posting,
    edit its title and resubmit it, over and over;
  - a bureau user publishes whatever was resubmitted;
  - readers (--readers threads) search, open posting pages (which compute proposals) and call the
    JSON API;
halfway through one worker is killed with SIGKILL (gunicorn starts a new one). Afterwards the
outbox is drained and the index compared with the database (the code behind `search check`),
including that every published title is the one last written. Exit status 1 on any 5xx,
connection failure or difference. Only 127.0.0.1 is contacted; every loop is bounded.
Run:  .venv/bin/python -m bench.load_test [--workers 4 --writers 6 --readers 6 --seconds 60]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
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
from collections import Counter
from pathlib import Path
from queue import Empty, Queue

from bench.common import percentile
from matchmaker import create_app, search
from matchmaker.cli import init_db
from matchmaker.extensions import db
from matchmaker.models import OrgType, Posting, PostingKind, PostingStatus
from matchmaker.services import accounts, postings, tokens

PASSWORD = "load-password"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
WORDS = ["锂电池隔膜", "伺服电机", "热变形补偿", "荷藕保鲜", "不锈钢焊接", "PLC 控制", "5G 模组", "水处理膜"]


class Client:
    """A browser-like HTTP client: cookies, a CSRF token, status and latency of every call."""

    def __init__(self, base: str, stats: Stats) -> None:
        self.base, self.stats = base, stats
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.csrf = ""
        self.last_status = 0

    def request(
        self, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> str:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrf_token": self.csrf}).encode()
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        except OSError as error:
            status, text = 0, str(error)  # connection reset by the killed worker
        self.stats.record(path, status, time.perf_counter() - started)
        self.last_status = status
        found = CSRF.search(text)
        if found:
            self.csrf = found.group(1) or found.group(2)
        return text

    def login(self, email: str) -> None:
        self.request("/auth/login")
        self.request("/auth/login", {"email": email, "password": PASSWORD})


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.latencies: dict[str, list[float]] = {}
        self.failures: list[str] = []
        self.cut: list[str] = []

    def record(self, path: str, status: int, seconds: float) -> None:
        kind = re.sub(r"\d+", "N", path.split("?")[0])
        with self.lock:
            self.statuses[status] += 1
            self.latencies.setdefault(kind, []).append(seconds * 1000)
            if status >= 500:
                self.failures.append(f"{status} {path}")
            elif status == 0:  # the killed worker's connections are cut: expected, reported apart
                self.cut.append(path)


def seed(base: Path, writers: int, per_writer: int) -> tuple[dict[str, list[int]], str, str]:
    """Users and published postings; returns {writer email: posting ids}, the bureau e-mail and a token."""
    app = create_app(instance_config(base))
    with app.app_context():
        init_db()
        bureau_org = accounts.ensure_organization("压测主管部门", OrgType.BUREAU)
        bureau = accounts.create_user("bureau@load.example.com", PASSWORD, "审核员", bureau_org, actor=None)
        owned: dict[str, list[int]] = {}
        for w in range(writers):
            org = accounts.ensure_organization(f"压测企业{w}", OrgType.ENTERPRISE)
            user = accounts.create_user(f"writer{w}@load.example.com", PASSWORD, f"用户{w}", org, actor=None)
            ids = []
            for n in range(per_writer):
                posting = postings.create_posting(
                    PostingKind.RD_NEED,
                    postings.PostingDetails(
                        title=f"{random.choice(WORDS)}研发需求{w}-{n}",
                        description=f"{random.choice(WORDS)}工艺改进，希望与高校合作攻关，提升产品良率与一致性。",
                    ),
                    actor=user,
                )
                postings.submit_posting(posting, actor=user)
                postings.publish_posting(posting, actor=bureau)
                ids.append(posting.id)
            owned[user.email] = ids
        _, secret = tokens.issue_token(bureau, "压测", actor=bureau)
        db.session.commit()
        db.engine.dispose()
    return owned, "bureau@load.example.com", secret


def instance_config(base: Path) -> dict[str, object]:
    return {
        "SECRET_KEY": "load-test",
        "INSTANCE_PATH": base / "instance",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{base / 'load.sqlite3'}",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--writers", type=int, default=6)
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--postings", type=int, default=20, help="published postings per writer at the start")
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="matchmaker-load-") as tmp:
        base = Path(tmp)
        owned, bureau_email, api_token = seed(base, args.writers, args.postings)
        port = free_port()
        env = {
            **os.environ,
            "MATCHMAKER_INSTANCE_PATH": str(base / "instance"),
            "MATCHMAKER_SQLALCHEMY_DATABASE_URI": f"sqlite:///{base / 'load.sqlite3'}",
            "MATCHMAKER_SECRET_KEY": "load-test",
            "MATCHMAKER_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "MATCHMAKER_RATELIMIT_ENABLED": "false",
        }
        command = [sys.executable, "-m", "gunicorn", "--workers", str(args.workers)]
        command += ["--bind", f"127.0.0.1:{port}", "--timeout", "120", "matchmaker:create_app()"]
        url = f"http://127.0.0.1:{port}"
        with open(base / "gunicorn.log", "w") as log:
            server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
            try:
                for _ in range(300):  # wait up to 30 s for the server
                    try:
                        urllib.request.urlopen(url + "/", timeout=2).read()
                        break
                    except OSError:
                        time.sleep(0.1)
                failed, last_title = run_load(url, owned, bureau_email, api_token, args, server.pid)
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=60)
        log_text = (base / "gunicorn.log").read_text()
        if "LockError" in log_text:
            print("gunicorn log mentions LockError")
            failed = True
        if failed:
            errors = [line for line in log_text.splitlines() if "Error" in line or "Traceback" in line]
            print("gunicorn log, error lines (last 15):", *errors[-15:], sep="\n  ")
            (Path(tempfile.gettempdir()) / "matchmaker-load-gunicorn.log").write_text(log_text)
        return 1 if failed or not verify(base, last_title) else 0


def run_load(
    url: str,
    owned: dict[str, list[int]],
    bureau_email: str,
    api_token: str,
    args: argparse.Namespace,
    master_pid: int,
) -> tuple[bool, dict[int, str]]:
    """Run the threads; returns whether any request failed, and each edited posting's last title."""
    stats: Stats = Stats()
    resubmitted: Queue[int] = Queue()
    last_title: dict[int, str] = {}
    deadline = time.monotonic() + args.seconds
    title_lock = threading.Lock()

    def writer(email: str, ids: list[int]) -> None:
        client = Client(url, stats)
        client.login(email)
        n = 0
        while time.monotonic() < deadline:
            posting_id = random.choice(ids)
            client.request(f"/postings/{posting_id}/withdraw", {})
            n += 1
            title = f"{random.choice(WORDS)}研发需求修订{posting_id}-{n}"
            client.request(
                f"/postings/{posting_id}/edit",
                {
                    "title": title,
                    "description": f"{random.choice(WORDS)}工艺改进第{n}版，希望与高校合作攻关，提升良率。",
                    "visibility": "public",
                    "action": "submit",
                },
            )
            with title_lock:
                if client.last_status:
                    last_title[posting_id] = title
                else:  # cut by the killed worker: whether it was saved is unknown
                    last_title.pop(posting_id, None)
            resubmitted.put(posting_id)

    def reviewer() -> None:
        client = Client(url, stats)
        client.login(bureau_email)
        while time.monotonic() < deadline + 5:
            try:
                posting_id = resubmitted.get(timeout=1)
            except Empty:
                if time.monotonic() >= deadline:
                    return
                continue
            client.request(f"/review/postings/{posting_id}/publish", {"note": ""})
            if not client.last_status:  # cut by the killed worker: publish it again later
                resubmitted.put(posting_id)

    def reader() -> None:
        client = Client(url, stats)
        all_ids = [i for ids in owned.values() for i in ids]
        api = {"Authorization": f"Bearer {api_token}"}
        while time.monotonic() < deadline:
            choice = random.random()
            if choice < 0.4:
                client.request("/search?" + urllib.parse.urlencode({"q": random.choice(WORDS)}))
            elif choice < 0.8:
                client.request(f"/postings/{random.choice(all_ids)}")
            else:
                client.request(
                    "/api/v1/postings?" + urllib.parse.urlencode({"q": random.choice(WORDS)}), headers=api
                )

    def crash_one_worker() -> None:
        time.sleep(args.seconds / 2)
        children = subprocess.run(
            ["pgrep", "-P", str(master_pid)], capture_output=True, text=True
        ).stdout.split()
        if children:
            os.kill(int(children[0]), signal.SIGKILL)
            print(f"killed worker {children[0]} with SIGKILL at {args.seconds / 2:.0f} s")

    threads = [threading.Thread(target=writer, args=item) for item in owned.items()]
    threads += [threading.Thread(target=reviewer) for _ in range(2)]
    threads += [threading.Thread(target=reader) for _ in range(args.readers)]
    threads.append(threading.Thread(target=crash_one_worker))
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    # The last resubmissions may still be pending: publish them so the check sees final titles.
    client = Client(url, stats)
    client.login(bureau_email)
    while not resubmitted.empty():
        client.request(f"/review/postings/{resubmitted.get()}/publish", {"note": ""})

    total = sum(stats.statuses.values())
    print(
        f"\n{args.workers} gunicorn workers, {len(owned)} writers, 2 reviewers, {args.readers} readers, {elapsed:.0f} s"
    )
    print(
        f"requests: {total} ({total / elapsed:.0f}/s); status codes: {dict(sorted(stats.statuses.items()))}"
    )
    print(f"{'request':40s} {'count':>6s} {'p50 ms':>7s} {'p95 ms':>7s}")
    for kind, values in sorted(stats.latencies.items()):
        print(f"{kind:40s} {len(values):6d} {percentile(values, 0.5):7.0f} {percentile(values, 0.95):7.0f}")
    print(f"connections cut when the worker was killed: {len(stats.cut)} {stats.cut[:5]}")
    if stats.failures:
        print(f"FAILED requests ({len(stats.failures)}): {stats.failures[:10]}")
    return bool(stats.failures), last_title


def verify(base: Path, titles: dict[int, str]) -> bool:
    """Drain what is queued, then compare index and database, and the last edits with the database."""
    app = create_app(instance_config(base))
    with app.app_context():
        search.find("需求")  # this process catches up with the journal, as any reader does
        report = search.check()
        wrong = []
        for posting_id, title in titles.items():
            posting = db.session.get(Posting, posting_id)
            if posting is None or posting.title != title or posting.status is not PostingStatus.PUBLISHED:
                wrong.append((posting_id, posting.status.value if posting else None, title))
        db.engine.dispose()
    print(f"\nindex check after the run: {report.as_dict()}")
    print(
        f"postings edited during the run: {len(titles)}; not ending published with their last title: {len(wrong)}"
    )
    for item in wrong[:5]:
        print("  ", item)
    ok = report.ok and not report.pending and not wrong
    print("consistent: yes" if ok else "consistent: NO")
    return ok


if __name__ == "__main__":
    sys.exit(main())
