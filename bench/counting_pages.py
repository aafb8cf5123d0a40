"""The counting pages at size: the 计划进展 dashboard, the 对接漏斗, the 培育库 and the ledger, in-process.

    .venv/bin/python -m bench.counting_pages [--database sqlite|postgresql] [--sizes 10000,50000]
                                             [--pairings 5000] [--agreements 2000] [--years 3]
                                             [--requests 25]

For each size (published postings) a fresh installation is seeded: enterprises in towns and
tiers, universities, postings published over the last --years years (some proposed a
counterpart), pairings in every state with their journal steps, and agreements — most from a
pairing (which is then 已签约), verified, a few recorded twice or not yet verified — with their
parties and dedupe keys as the services make them. Organisations, users and tiers go through the
services; the bulk (postings, pairings, agreements) is inserted in batches with the values the
services would write, so a 50k installation is ready in seconds. Then each page is requested
--requests times by a logged-in bureau user (Flask's test client, after a warm-up request) and the
p50 time and the SQL statements per request are printed, with the machine's load average (the
machine may be shared). With --database postgresql a throw-away cluster from scripts/postgres (as
bench/load_test.py), one database per size.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, event, insert, select, text

from matchmaker import create_app
from matchmaker.accounts import creditcode
from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgType
from matchmaker.agreements.models import Agreement, AgreementParty
from matchmaker.agreements.values import AgreementStatus, AgreementType, PartySide, PartyType, Registration
from matchmaker.cli import init_db
from matchmaker.core.extensions import db
from matchmaker.core.journal import JournalEntry
from matchmaker.pairings.models import Pairing, ProposalMark
from matchmaker.pairings.values import DeclineReason, PairingState
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind, PostingStatus
from matchmaker.profiles import operations as profiles
from matchmaker.taxonomy.models import EnterpriseTier, TechField, Town

PASSWORD = "bench-password-2026"
BUREAU = "bureau@counting.example.com"
BATCH = 5000
ENTERPRISES, UNIVERSITIES = 300, 40
KINDS = [  # agreement types as the county records them
    AgreementType.TECH_DEV_COMMISSIONED,
    AgreementType.TECH_DEV_COOPERATIVE,
    AgreementType.TECH_TRANSFER,
    AgreementType.IUR,
    AgreementType.NEW_PRODUCT,
    AgreementType.INNOVATION_PLAN,
    AgreementType.TECH_SERVICE,
]


def _batched(table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start : start + BATCH])


def _moment(rng: random.Random, first: date, last: datetime) -> datetime:
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    return start + (last - start) * rng.random()


def seed(app: Flask, postings: int, pairings: int, agreements: int, years: int) -> dict[str, int]:
    """The installation described above; returns how many of each were made."""
    rng = random.Random(25)
    now = datetime.now(UTC)
    first = date(now.year - years + 1, 1, 1)
    with app.app_context():
        init_db()
        towns = list(db.session.scalars(select(Town)))
        fields = list(db.session.scalars(select(TechField)))
        tiers = list(db.session.scalars(select(EnterpriseTier)))
        bureau_org = accounts.ensure_organization("计数压测工信局", OrgType.BUREAU)
        bureau = accounts.create_user(BUREAU, PASSWORD, "审核员", bureau_org, actor=None)
        firms: list[Organization] = []
        for e in range(ENTERPRISES):
            org = accounts.ensure_organization(f"计数压测企业{e:03d}", OrgType.ENTERPRISE)
            first17 = f"91321023MB{e:07d}"
            org.credit_code = first17 + creditcode.check_digit(first17)
            org.town = towns[e % len(towns)]
            firms.append(org)
        unis: list[tuple[Organization, User]] = []
        for u in range(UNIVERSITIES):
            org = accounts.ensure_organization(f"计数压测大学{u:02d}", OrgType.UNIVERSITY)
            user = accounts.create_user(f"uni{u}@counting.example.com", PASSWORD, f"教师{u}", org, actor=None)
            unis.append((org, user))
        db.session.flush()
        for org in firms:
            if rng.random() < 0.4:
                profiles.change_tier(org, rng.choice(tiers), date(first.year, 3, 1), None, actor=bureau)
        db.session.commit()

        # postings: needs by enterprises, outcomes by universities, published over the years
        rows = []
        for n in range(postings):
            kind = rng.choice(
                [PostingKind.RD_NEED] * 4
                + [PostingKind.RESEARCH_OUTCOME] * 3
                + [
                    PostingKind.SUPPLY_NEED,
                    PostingKind.SUPPLY_OFFER,
                ]
            )
            owner = rng.choice(unis)[0] if kind is PostingKind.RESEARCH_OUTCOME else rng.choice(firms)
            published = _moment(rng, first, now)
            rows.append(
                {
                    "kind": kind,
                    "status": PostingStatus.PUBLISHED,
                    "title": f"{kind.label}第{n}号：工艺改进与检测",
                    "description": "希望与高校院所合作攻关在线检测与工艺改进，提升良率与一致性。",
                    "keywords": [],
                    "cooperation_modes": [],
                    "tech_field_id": rng.choice(fields).id,
                    "town_id": owner.town_id,
                    "organization_id": owner.id,
                    "created_at": published - timedelta(days=2),
                    "updated_at": published,
                    "submitted_at": published - timedelta(days=1),
                    "published_at": published,
                }
            )
        _batched(Posting.__table__, rows)
        posted = db.session.execute(
            select(Posting.id, Posting.kind, Posting.organization_id, Posting.published_at)
        ).all()
        needs = [p for p in posted if p.kind is PostingKind.RD_NEED]
        outcomes: dict[int, list[int]] = {}
        for p in posted:
            if p.kind is PostingKind.RESEARCH_OUTCOME:
                outcomes.setdefault(p.organization_id, []).append(p.id)
        _batched(
            ProposalMark.__table__,
            [{"posting_id": p.id, "first_at": p.published_at} for p in posted if rng.random() < 0.6],
        )

        # pairings: universities answer needs; every state, with the journal's steps
        states = (
            [PairingState.INTERESTED] * 5
            + [PairingState.CONTACTED] * 3
            + [PairingState.NEGOTIATING] * 6
            + [PairingState.DECLINED] * 3
            + [PairingState.FAILED] * 2
        )
        shuffled = rng.sample(needs, len(needs))
        rows, journal = [], []
        for k in range(min(pairings, len(needs) * len(unis))):  # one pairing per need and university
            need = shuffled[k % len(shuffled)]
            org, user = unis[(k + k // len(shuffled)) % len(unis)]
            state = rng.choice(states)
            created = need.published_at + (now - need.published_at) * rng.random() * 0.5
            answered = (
                min(created + timedelta(hours=rng.uniform(1, 240)), now)
                if state is not PairingState.INTERESTED
                else None
            )
            last = min(answered + timedelta(days=rng.uniform(0, 30)), now) if answered else created
            rows.append(
                {
                    "target_id": need.id,
                    "own_posting_id": rng.choice(outcomes[org.id])
                    if org.id in outcomes and k % 3 == 0
                    else None,
                    "target_org_id": need.organization_id,
                    "initiator_org_id": org.id,
                    "initiator_id": user.id,
                    "message": "我们有相关成果，希望合作。",
                    "state": state,
                    "decline_reason": DeclineReason.COST if state is PairingState.DECLINED else None,
                    "fail_reason": "价格未谈拢" if state is PairingState.FAILED else None,
                    "created_at": created,
                    "answered_at": answered,
                    "last_activity_at": last,
                    "closed_at": last if state in (PairingState.DECLINED, PairingState.FAILED) else None,
                }
            )
        _batched(Pairing.__table__, rows)
        made = db.session.execute(
            select(
                Pairing.id,
                Pairing.state,
                Pairing.created_at,
                Pairing.answered_at,
                Pairing.last_activity_at,
                Pairing.initiator_org_id,
                Pairing.target_org_id,
                Pairing.initiator_id,
                Pairing.target_id,
            )
        ).all()
        for p in made:
            journal.append(
                {
                    "action": "pairing.interest",
                    "object_type": "pairing",
                    "object_id": p.id,
                    "at": p.created_at,
                    "actor_id": p.initiator_id,
                }
            )
            if p.answered_at is not None:
                action = "pairing.declined" if p.state is PairingState.DECLINED else "pairing.accepted"
                journal.append(
                    {
                        "action": action,
                        "object_type": "pairing",
                        "object_id": p.id,
                        "at": p.answered_at,
                        "actor_id": None,
                    }
                )
            if p.state in (PairingState.NEGOTIATING, PairingState.FAILED):
                journal.append(
                    {
                        "action": "pairing.negotiating",
                        "object_type": "pairing",
                        "object_id": p.id,
                        "at": p.last_activity_at,
                        "actor_id": None,
                    }
                )
        _batched(JournalEntry.__table__, journal)

        # agreements: most from a pairing in 洽谈中 (then 已签约), the rest reached off the platform
        negotiating = [p for p in made if p.state is PairingState.NEGOTIATING]
        rng.shuffle(negotiating)
        firm_by_id = {o.id: o for o in firms}
        uni_by_id = {o.id: o for o, _ in unis}
        agreement_rows, party_rows, signed_pairings = [], [], []
        for n in range(agreements):
            pairing = negotiating.pop() if negotiating and n % 5 else None
            if pairing is not None:
                firm, uni = firm_by_id[pairing.target_org_id], uni_by_id[pairing.initiator_org_id]
                earliest = pairing.last_activity_at.date()
                signed = earliest + timedelta(days=rng.randrange(0, max((now.date() - earliest).days, 0) + 1))
                signed_pairings.append(pairing.id)
            else:
                firm, uni = rng.choice(firms), rng.choice(unis)[0]
                signed = first + timedelta(days=rng.randrange(0, (now.date() - first).days + 1))
            kind = rng.choice(KINDS)
            amount = Decimal(rng.choice(["10.00", "25.50", "80.00", "120.75", "300.00"]))
            parties = [
                (PartySide.BUYER, firm.name, firm.credit_code, PartyType.ENTERPRISE, firm.id),
                (PartySide.SELLER, uni.name, None, PartyType.UNIVERSITY, uni.id),
            ]
            key_parts = sorted((code or name).strip().upper() for _, name, code, _, _ in parties)
            dedupe = hashlib.sha256(
                "|".join([kind.value, signed.isoformat(), f"{amount:.2f}", *key_parts]).encode()
            ).hexdigest()
            verified = rng.random() < 0.85
            recorded_at = datetime(signed.year, signed.month, signed.day, 2, tzinfo=UTC)
            copies = 2 if n % 40 == 0 else 1  # the same contract recorded by both bureaus
            for _ in range(copies):
                agreement_rows.append(
                    {
                        "type": kind,
                        "equity": False,
                        "title": f"{firm.name}与{uni.name}合作协议{n}",
                        "signed_on": signed,
                        "contract_amount": amount,
                        "tech_amount": amount / 2,
                        "tech_field_id": rng.choice(fields).id,
                        "registration": Registration.NOT_APPLIED,
                        "pairing_id": pairing.id if pairing is not None else None,
                        "status": AgreementStatus.VERIFIED if verified else AgreementStatus.CONFIRMED,
                        "recorded_by_id": bureau.id,
                        "recorded_org_id": bureau_org.id,
                        "confirmed_at": recorded_at,
                        "verified_by_id": bureau.id if verified else None,
                        "verified_at": recorded_at + timedelta(days=3) if verified else None,
                        "dedupe_key": dedupe,
                        "created_at": recorded_at,
                        "updated_at": recorded_at,
                        "version": 1,
                    }
                )
                party_rows.append(parties)
        _batched(Agreement.__table__, agreement_rows)
        ids = list(db.session.scalars(select(Agreement.id).order_by(Agreement.id)))
        _batched(
            AgreementParty.__table__,
            [
                {
                    "agreement_id": agreement_id,
                    "position": position,
                    "side": side,
                    "name": name,
                    "credit_code": code,
                    "party_type": party_type,
                    "organization_id": org_id,
                }
                for agreement_id, parties in zip(ids, party_rows, strict=True)
                for position, (side, name, code, party_type, org_id) in enumerate(parties)
            ],
        )
        if signed_pairings:
            db.session.execute(
                Pairing.__table__.update()
                .where(Pairing.id.in_(select(Agreement.pairing_id).where(Agreement.pairing_id.isnot(None))))
                .values(state=PairingState.SIGNED)
            )
        db.session.commit()
        return {
            "postings": len(posted),
            "pairings": len(made),
            "agreements": len(agreement_rows),
            "signed pairings": len(signed_pairings),
        }


def pages(years: int) -> dict[str, str]:
    this = date.today().year
    period = f"{this - years + 1}-{this}"
    return {
        "dashboard (period)": f"/agreements/dashboard?year={period}",
        "dashboard (year)": f"/agreements/dashboard?year={this}",
        "drill-down: published": f"/agreements/dashboard/list?year={period}&what=published",
        "funnel": "/pairings/funnel",
        "pool": "/profiles/pool",
        "ledger": "/agreements/",
    }


def measure(app: Flask, requests: int, years: int) -> dict[str, tuple[float, float, int]]:
    """Each page's p50 in ms (wall clock, and this process's CPU time: on SQLite the database's
    work too, and less disturbed by other work on a shared machine) and its statements per
    request."""
    client = app.test_client()
    response = client.post("/auth/login", data={"email": BUREAU, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    with app.app_context():
        engine = db.engine
    sent: list[int] = [0]

    def note(*_: Any) -> None:
        sent[0] += 1

    result = {}
    for name, url in pages(years).items():
        assert client.get(url).status_code == 200, url  # warm
        times, cpu, counts = [], [], []
        event.listen(engine, "before_cursor_execute", note)
        try:
            for _ in range(requests):
                sent[0] = 0
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
                counts.append(sent[0])
                assert response.status_code == 200, (url, response.status_code)
        finally:
            event.remove(engine, "before_cursor_execute", note)
        result[name] = (statistics.median(times), statistics.median(cpu), max(counts))
    return result


def postgres_server() -> tuple[str, Callable[[], None]]:
    """A throw-away cluster (scripts/postgres, as bench/load_test.py)."""
    from bench.load_test import postgres

    url, stop = postgres(Path(tempfile.gettempdir()))  # (the cluster makes its own folder)
    return url.rsplit("/", 1)[0], stop


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--sizes", default="10000,50000", help="published postings, comma-separated")
    parser.add_argument("--pairings", type=int, default=5000)
    parser.add_argument("--agreements", type=int, default=2000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--requests", type=int, default=25, help="requests per page")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    server, stop = postgres_server() if args.database == "postgresql" else ("", lambda: None)
    results: dict[int, dict[str, tuple[float, float, int]]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="matchmaker-counting-") as tmp:
            for size in sizes:
                folder = Path(tmp) / str(size)
                if args.database == "postgresql":
                    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
                    with admin.connect() as connection:
                        connection.execute(text(f"CREATE DATABASE counting_{size}"))
                    admin.dispose()
                    uri = f"{server}/counting_{size}"
                else:
                    uri = f"sqlite:///{folder / 'counting.sqlite3'}"
                app = create_app(
                    {
                        "SECRET_KEY": "bench",
                        "INSTANCE_PATH": folder / "instance",
                        "SQLALCHEMY_DATABASE_URI": uri,
                        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
                        "NOTIFY_AFTER_COMMIT": False,
                        "RATELIMIT_ENABLED": False,
                        "WTF_CSRF_ENABLED": False,
                    }
                )
                started = time.perf_counter()
                made = seed(app, size, args.pairings, args.agreements, args.years)
                print(
                    f"{args.database}, {size:,} postings: seeded in {time.perf_counter() - started:.0f} s "
                    f"({', '.join(f'{v:,} {k}' for k, v in made.items())})",
                    flush=True,
                )
                if args.database == "postgresql":
                    with app.app_context():
                        db.session.execute(text("ANALYZE"))
                        db.session.commit()
                results[size] = measure(app, args.requests, args.years)
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
    finally:
        stop()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"\n{args.database}; {os.cpu_count()} cores; load average {load}; {args.requests} requests per page"
    )
    head = "".join(f"{f'{s:,}: p50 ms':>16s}{'cpu ms':>8s}{'stmts':>7s}" for s in sizes)
    growth = f"{'growth (p50, cpu)':>20s}" if len(sizes) > 1 else ""
    print(f"{'page':26s}{head}{growth}")
    for name in pages(args.years):
        cells = "".join(
            f"{results[s][name][0]:16.1f}{results[s][name][1]:8.1f}{results[s][name][2]:7d}" for s in sizes
        )
        first, last = results[sizes[0]][name], results[sizes[-1]][name]
        ratio = f"{last[0] / first[0]:12.2f}× {last[1] / first[1]:5.2f}×" if len(sizes) > 1 else ""
        print(f"{name:26s}{cells}{ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
