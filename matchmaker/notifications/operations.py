"""Notifications as a journal consumer, and the e-mail that carries them.

After a commit that wrote journal entries, this process reads the journal past the shared
"notifications" cursor (one row in consumer_cursors, taken with a lock so two machines never
notify twice) and turns each entry that concerns someone into notifications that say what happened
and link to it — in the same transaction that moves the cursor, so a crash loses or repeats none.
What is said to whom is each capability's own (``<capability>/notices.py``, registered with
``notifications.rules``); this module only runs the rules, keeps the cursor and sends the mail.
The user's request never waits on it and never fails because of it; e-mail is sent afterwards,
off the request, by the job worker (core/jobs.py), and a failing mail server only delays mail
(the daily run, a periodic job of the worker or ``send-digests``, retries).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app, has_app_context
from sqlalchemy import Engine, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from matchmaker.accounts.models import User
from matchmaker.core import clock, config, jobs, mail
from matchmaker.core.consumers import Cursor, unread
from matchmaker.core.database import execute_dml
from matchmaker.core.extensions import db
from matchmaker.core.journal import WRITTEN, JournalEntry
from matchmaker.core.models import utcnow
from matchmaker.core.web import absolute
from matchmaker.notifications import rules
from matchmaker.notifications.models import ConsumerCursor, Notification
from matchmaker.notifications.values import EmailMode

NAME = "notifications"
DAILY = "daily-digests"  # a row in consumer_cursors: the day the daily run last ran (any machine)
CLAIM_WAIT_MS = 200  # right after a user's commit: how long to wait for another run to finish
MAIL_WINDOW = timedelta(days=7)  # older notifications are never mailed (e.g. when SMTP is set up later)
MAX_MAIL_ATTEMPTS = 5


# --- the consumer -------------------------------------------------------------------------


def _claim(session: Session, *, wait: bool = False, name: str = NAME) -> ConsumerCursor | None:
    """This consumer's cursor row, locked for this transaction; None if another process has it
    (unless told to wait for it)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(ConsumerCursor).values(name=name, state={}, updated_at=utcnow()).on_conflict_do_nothing()
    )
    if dialect == "postgresql":
        return session.scalar(
            select(ConsumerCursor).where(ConsumerCursor.name == name).with_for_update(skip_locked=not wait)
        )
    session.execute(update(ConsumerCursor).where(ConsumerCursor.name == name).values(updated_at=utcnow()))
    return session.get(ConsumerCursor, name)  # the UPDATE took SQLite's write lock


def run(bind: Engine, *, patient: bool = False) -> int:
    """Turn unread journal entries into notifications; returns how many were made.

    Impatient (the default, used right after a user's commit) it gives up at once when another
    process holds the cursor; patient it waits its turn. See ``consume`` for telling the two apart."""
    return consume(bind, patient=patient) or 0


def consume(bind: Engine, *, patient: bool = False) -> int | None:
    """Like ``run``, but None when the cursor was taken by someone else and nothing was read."""
    with Session(bind) as session:
        impatient_sqlite = bind.dialect.name == "sqlite" and not patient
        if impatient_sqlite:  # give up at once if another process is at it
            session.connection().exec_driver_sql(f"PRAGMA busy_timeout={CLAIM_WAIT_MS}")
        try:
            return _consume(session, patient=patient)
        finally:
            if impatient_sqlite:  # the pooled connection goes back with its usual patience
                session.rollback()
                busy_ms = (current_app.config if has_app_context() else vars(config))[
                    "SQLITE_BUSY_TIMEOUT_MS"
                ]
                session.connection().exec_driver_sql(f"PRAGMA busy_timeout={int(busy_ms)}")


def _consume(session: Session, *, patient: bool) -> int | None:
    try:
        row = _claim(session, wait=patient)
    except OperationalError:
        return None
    if row is None:
        return None
    made = 0
    answered = rules.actions()  # what each capability's notices.py registered
    cursor = Cursor.from_json(row.state or {})  # the migration starts it at the journal's end
    for changes in unread(session.get_bind().engine, cursor):
        wanted = [c.id for c in changes if c.action in answered]
        if wanted:
            for entry in session.scalars(
                select(JournalEntry).where(JournalEntry.id.in_(wanted)).order_by(JournalEntry.id)
            ):
                for notification in rules.notices(session, entry):
                    session.add(notification)
                    made += 1
        cursor.advance([c.id for c in changes])
    cursor.advance([])
    row.state = cursor.to_json()
    session.commit()
    return made


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        # SQLAlchemy calls after_commit when a savepoint is released too: the transaction is still
        # open (on SQLite it holds the write lock), so its entries wait for its own commit.
        return
    if (
        not session.info.pop(WRITTEN, False)
        or not has_app_context()
        or not current_app.config.get("NOTIFY_AFTER_COMMIT", True)
    ):
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        made = consume(session.get_bind().engine)
    except Exception:  # the user's change is committed; the journal keeps it for the next run
        app.logger.exception("notifications deferred")
        made = None
    if made is None:
        # Someone else had the cursor (a mail being claimed, another worker's run) and may have read
        # the journal before this change was committed: catch up off the request, waiting our turn,
        # rather than leave the notice to the next change or to tomorrow's daily run.
        deliver_in_background(catch_up=True)
    elif made and mail.configured():
        deliver_in_background()


def init_app(app: Flask) -> None:
    """Run the consumer after each commit that journaled something (registered once)."""
    if not getattr(init_app, "registered", False):
        event.listen(Session, "after_commit", _after_commit)
        init_app.registered = True  # type: ignore[attr-defined]


# --- e-mail ------------------------------------------------------------------------------


def _claim_mail(notification_id: int, attempts: int) -> bool:
    """Take one notification for sending: marked as mailed before the send, so that no other
    thread or machine can take it while it is in flight (a failed send hands it back). At most once
    beats twice: a process killed mid-send leaves it marked."""
    taken = execute_dml(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.emailed_at.is_(None),
            Notification.mail_attempts == attempts,
        )
        .values(mail_attempts=attempts + 1, emailed_at=utcnow())
    )
    db.session.commit()
    return bool(taken.rowcount)


def _hand_back(notification_id: int) -> None:
    db.session.execute(update(Notification).where(Notification.id == notification_id).values(emailed_at=None))
    db.session.commit()


def _text(n: Notification) -> str:
    return f"{n.title}\n{n.body or ''}\n{absolute(n.link)}\n".replace("\n\n", "\n")


def deliver_immediate(now: datetime | None = None) -> int:
    """Mail every recent, unmailed notification of users who want mail at once."""
    if not mail.configured():
        return 0
    now = now or utcnow()
    pending = db.session.scalars(
        select(Notification)
        .join(User, Notification.user_id == User.id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.created_at > now - MAIL_WINDOW,
            Notification.mail_attempts < MAX_MAIL_ATTEMPTS,
            (User.email_mode == EmailMode.IMMEDIATE.value) | (Notification.kind == "account"),
        )
        .order_by(Notification.id)
    ).all()
    sent = 0
    for notification in pending:
        if not _claim_mail(notification.id, notification.mail_attempts):
            continue
        try:
            mail.send(
                notification.user.email,
                f"【{current_app.config['SITE_NAME']}】{notification.title}",
                _text(notification),
            )
        except mail.MailError:
            current_app.logger.warning("mail to user %s failed; will retry", notification.user_id)
            _hand_back(notification.id)
            continue
        except Exception:  # one notice that cannot be mailed never stops the others
            current_app.logger.exception("mail of notification %s failed; handed back", notification.id)
            db.session.rollback()
            _hand_back(notification.id)
            continue
        sent += 1
    return sent


def deliver_in_background(*, catch_up: bool = False) -> None:
    """Mail what is due, on the job worker; first, if asked, make the notifications a contended
    after-commit run had to leave. A burst of commits queues a burst of small jobs, run one after
    another by the worker's few threads: connections in use stay bounded by those threads."""
    jobs.enqueue("notifications.deliver", catch_up=catch_up)


@jobs.task("notifications.deliver")
def _deliver_job(catch_up: bool = False) -> None:
    try:
        if catch_up:
            run(db.engine, patient=True)
    except Exception:
        current_app.logger.exception("notifications deferred")
    deliver_immediate()


def daily(now: datetime | None = None) -> tuple[int, int, int | None]:
    """The daily run: notifications a run left, expiry reminders, digests and mail retries;
    returns (notifications made, reminders, digests sent — None without mail)."""
    made = run(db.engine)
    reminded = rules.remind()  # each capability's daily reminders (postings: expiring soon)
    db.session.commit()
    if not mail.configured():
        return made, reminded, None
    return made, reminded, send_digests(now)


def _due_daily(now: datetime) -> bool:
    """Once a day at DIGEST_HOUR, site time (``now`` is the worker's clock, in UTC)."""
    local = clock.local(now)
    return local.hour == int(current_app.config.get("DIGEST_HOUR", 7)) and local.minute == 0


@jobs.periodic("notifications.daily", when=_due_daily)
def _daily_job() -> None:
    """The worker's daily run; on several machines (each with its worker) one of them does it."""
    today = clock.today().isoformat()
    with Session(db.engine) as session:
        row = _claim(session, wait=True, name=DAILY)
        if row is None or (row.state or {}).get("day") == today:
            return
        row.state = {"day": today}
        session.commit()
    made, reminded, sent = daily()
    current_app.logger.info("daily run: %s notifications, %s reminders, %s digests", made, reminded, sent)


def send_digests(now: datetime | None = None) -> int:
    """One mail per user who wants a daily digest, with everything not yet mailed; returns how
    many mails went out. Also retries immediate mails that failed."""
    if not mail.configured():
        return 0
    now = now or utcnow()
    deliver_immediate(now)
    sent = 0
    users = db.session.scalars(
        select(User).where(User.active.is_(True), User.email_mode == EmailMode.DAILY.value)
    ).all()
    for user in users:
        items = db.session.scalars(
            select(Notification)
            .where(
                Notification.user_id == user.id,
                Notification.emailed_at.is_(None),
                Notification.created_at > now - MAIL_WINDOW,
            )
            .order_by(Notification.id)
        ).all()
        if not items:
            continue
        body = (
            "\n".join(f"· {n.title}\n  {absolute(n.link)}" for n in items)
            + f"\n\n共 {len(items)} 条。登录平台查看全部通知。\n"
        )
        try:
            mail.send(user.email, f"【{current_app.config['SITE_NAME']}】今日通知（{len(items)} 条）", body)
        except mail.MailError:
            current_app.logger.warning("digest to user %s failed; will retry", user.id)
            continue
        except Exception:  # one user's digest that cannot be built never stops the others'
            current_app.logger.exception("digest to user %s failed; will retry", user.id)
            db.session.rollback()
            continue
        for n in items:
            n.emailed_at = now
        user.last_digest_at = now
        db.session.commit()
        sent += 1
    return sent


# --- reminders, reading -------------------------------------------------------------------


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(db.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_all_read(user: User) -> int:
    result = execute_dml(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount or 0
