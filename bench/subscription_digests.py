"""Subscriptions' digests (订阅推送) at scale: 1,000 subscriptions over a day of 200 new postings.

A throw-away instance gets a base of published postings (the last 30 days', generated from the
evaluation corpus's real Chinese text as bench/search_perf.py does, indexed by the real rebuild),
500 users of 250 organisations, and 1,000 subscriptions: 700 saved searches (a technical term
with, for some, a kind, a 技术领域 or a 镇区) and 300 "new proposals for my postings above N".
Then 200 postings are published through the real services (journal, index), and the worker's
steps are timed as they run on it: ``collect`` (match the day's postings against every
subscription: searches through the search façade, proposals as the pages show them), ``deliver``
(one digest per subscription with news) and the notifications consumer that turns the digests into
notifications with their reasons. Target: the whole under a minute.
Run:  .venv/bin/python -m bench.subscription_digests [--base 5000] [--new 200] [--subscriptions 1000]
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from bench.common import Timer, bench_app, make_user, publish_many
from bench.search_perf import generate, sentences
from matchmaker import search
from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgStatus, OrgType
from matchmaker.core.extensions import db
from matchmaker.notifications import operations as notifications
from matchmaker.notifications.models import Notification
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind
from matchmaker.subscriptions import operations as subscriptions
from matchmaker.subscriptions.models import Subscription, SubscriptionItem
from matchmaker.subscriptions.values import Basis, Frequency
from matchmaker.taxonomy.models import TechField, Town

TERMS = [
    "锂电池",
    "隔膜",
    "伺服电机",
    "神经网络",
    "控制系统",
    "图像识别",
    "故障诊断",
    "数值模拟",
    "复合材料",
    "力学性能",
    "水稻",
    "土壤",
    "重金属",
    "传感器",
    "温度",
    "深度学习",
    "有限元",
    "检测",
    "优化",
    "机器人",
    "光伏",
    "催化剂",
    "纳米",
    "涂层",
    "焊接",
    "电力",
    "变压器",
    "无人机",
    "算法",
    "农药",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", type=int, default=5000, help="published postings already there")
    parser.add_argument("--new", type=int, default=200, help="postings published in the day")
    parser.add_argument("--subscriptions", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(26)
    with bench_app():
        reviewer = make_user("性能测试主管部门", OrgType.BUREAU)
        for i in range(250):
            db.session.add(
                Organization(
                    name=f"订阅测试单位{i}",
                    type=OrgType.ENTERPRISE if i % 3 else OrgType.UNIVERSITY,
                    status=OrgStatus.VERIFIED,
                )
            )
        db.session.commit()
        orgs = list(db.session.scalars(select(Organization).where(Organization.type != OrgType.BUREAU)))
        users = [
            accounts.create_user(
                f"sub{n}-{o.id}@bench.example.com", "bench-password", f"用户{n}", o, actor=None
            )
            for o in orgs
            for n in range(2)
        ]
        db.session.commit()
        fields = list(db.session.scalars(select(TechField.id)))
        towns = list(db.session.scalars(select(Town.id)))
        rows = generate(args.base, [o.id for o in orgs], fields, towns)
        now = datetime.now(UTC)
        for row in rows:  # spread over the last 30 days
            row["published_at"] = now - timedelta(days=rng.uniform(1, 30))
        with Timer() as t_base:
            for start in range(0, len(rows), 5000):
                db.session.execute(insert(Posting), rows[start : start + 5000])
            db.session.commit()
            search.rebuild()

        yesterday = now - timedelta(days=1)
        subs = []
        for n in range(args.subscriptions):
            user = rng.choice(users)
            common = {
                "user_id": user.id,
                "frequency": Frequency.IMMEDIATE,
                "created_at": yesterday,
                "updated_at": yesterday,
                "digests": 0,
            }
            if n % 10 < 7:
                subs.append(
                    {
                        **common,
                        "name": f"订阅{n}",
                        "basis": Basis.SEARCH,
                        "query": rng.choice(TERMS),
                        "kind": rng.choice([None, None, *PostingKind]),
                        "tech_field_id": rng.choice([None, None, None, *fields]),
                        "town_id": rng.choice([None, None, None, *towns]),
                    }
                )
            else:
                subs.append(
                    {
                        **common,
                        "name": f"推荐{n}",
                        "basis": Basis.PROPOSALS,
                        "min_strength": rng.choice([20, 30, 40]),
                    }
                )
        db.session.execute(insert(Subscription), subs)
        db.session.commit()

        titles, parts = sentences()
        authors: dict[PostingKind, User] = {
            kind: db.session.get(User, rng.choice([u.id for u in users if u.role is kind.poster_role]))
            for kind in PostingKind
        }
        reviewer = db.session.merge(reviewer)
        with Timer() as t_publish:
            for kind in PostingKind:
                items = [
                    {
                        "title": rng.choice(titles)[:60].strip() or "新发布的信息",
                        "description": "".join(rng.sample(parts, rng.randint(1, 3)))[:400],
                        "tech_field": db.session.get(TechField, rng.choice(fields)),
                        "town": db.session.get(Town, rng.choice(towns)),
                    }
                    for _ in range(args.new // len(PostingKind))
                ]
                author = db.session.merge(authors[kind])
                publish_many(
                    author,
                    db.session.merge(reviewer),
                    kind,
                    [i for i in items if len(i["title"]) >= 4 and len(i["description"]) >= 20],
                )

        notifications.run(db.engine, patient=True)  # the day's own notices (review, strong proposals)
        with Timer() as t_collect:
            found = subscriptions.collect()
        with Timer() as t_deliver:
            sent = subscriptions.deliver()
        with Timer() as t_notify:
            made = notifications.run(db.engine, patient=True)
        items = db.session.scalar(select(func.count()).select_from(SubscriptionItem)) or 0
        told = db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.kind == "subscription")
        )
        new = db.session.scalar(
            select(func.count()).select_from(Posting).where(Posting.published_at > yesterday)
        )
    total = t_collect.seconds + t_deliver.seconds + t_notify.seconds
    print(
        f"base postings {args.base} (set up in {t_base.seconds:.1f} s); new postings {new} "
        f"(published in {t_publish.seconds:.1f} s); subscriptions {args.subscriptions}"
    )
    print(f"collect  {t_collect.seconds:7.1f} s   {found} matches ({items} stored)")
    print(f"deliver  {t_deliver.seconds:7.1f} s   {sent} digests")
    print(f"notices  {t_notify.seconds:7.1f} s   {made} notifications ({told} subscription digests)")
    print(f"total    {total:7.1f} s   target: under 60 s -> {'OK' if total < 60 else 'MISSED'}")
    return 0 if total < 60 else 1


if __name__ == "__main__":
    sys.exit(main())
