"""Fixtures: an app per test on its own database copied from a migrated template — a SQLite file,
or with MATCHMAKER_TEST_POSTGRES=postgresql+psycopg://… (scripts/test sets it for its second
round) a PostgreSQL database created from a template database — clients, CLI runner, login helper
and factories that build real objects through the services."""

from __future__ import annotations

import copy
import functools
import hashlib
import os
import shutil
import threading
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import event, select

from matchmaker import create_app, search, sqlite_pragmas
from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgStatus, OrgType
from matchmaker.core import clock
from matchmaker.core.extensions import db, limiter
from matchmaker.pairings.values import DeclineReason, PairingState
from matchmaker.postings import operations as postings
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind, PostingStatus
from matchmaker.taxonomy.models import TechField, Town

PASSWORD = "lotus-pond-2026"
POSTGRES = os.environ.get("MATCHMAKER_TEST_POSTGRES", "").rstrip("/")
sqlite_only = pytest.mark.skipif(bool(POSTGRES), reason="about the embedded SQLite database")


def _pg_name(path: Path) -> str:
    """The PostgreSQL database standing for the SQLite file ``path`` would be."""
    return "t_" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:24]


def database_uri(path: Path) -> str:
    """The test database at ``path``: the SQLite file, or the PostgreSQL database named after it."""
    return f"{POSTGRES}/{_pg_name(path)}" if POSTGRES else f"sqlite:///{path}"


@functools.cache
def _pg_admin() -> Any:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    # One connection per statement, closed after it: nothing left open for the collector to find.
    return create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _pg(statement: str) -> None:
    from sqlalchemy import text

    with _pg_admin().connect() as connection:
        connection.execute(text(statement))


def new_database(path: Path) -> Path:
    """An empty database at ``path`` (a SQLite file is created on first use)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if POSTGRES:
        _pg(f'DROP DATABASE IF EXISTS "{_pg_name(path)}" WITH (FORCE)')
        _pg(f'CREATE DATABASE "{_pg_name(path)}"')
    return path


class _Spare(threading.Thread):
    """The next copy of a PostgreSQL template, made while the current test runs: a copy takes
    the server half a second (mostly waiting on the disk), renaming a ready one a few milliseconds.
    A template is never changed once built, so a copy made early is the same as one made late."""

    def __init__(self, template: str) -> None:
        super().__init__(name=f"spare {template}", daemon=True)
        self.template, self.name_ = template, f"{template}_spare"
        self.error: Exception | None = None
        self.start()

    def run(self) -> None:
        try:
            _copy(self.template, self.name_)
        except Exception as error:  # taken up by the test that wanted it: it copies for itself
            self.error = error


_spares: dict[str, _Spare] = {}


def _copy(template: str, name: str) -> None:
    _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    # FILE_COPY copies the files (a checkpoint is cheap without fsync); WAL_LOG, the default,
    # writes every page of the template to the WAL and is several times slower here.
    _pg(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')


def _drop_spare(template: str) -> None:
    spare = _spares.pop(template, None)
    if spare is not None:
        spare.join()
        _pg(f'DROP DATABASE IF EXISTS "{spare.name_}" WITH (FORCE)')


def clone_database(template: Path, path: Path) -> Path:
    """A copy of the migrated, seeded template at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if POSTGRES:
        source, name = _pg_name(template), _pg_name(path)
        _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        spare = _spares.pop(source, None)
        if spare is not None:
            spare.join()
        if spare is not None and spare.error is None:
            _pg(f'ALTER DATABASE "{spare.name_}" RENAME TO "{name}"')
        else:
            _copy(source, name)
        _spares[source] = _Spare(source)
    else:
        shutil.copy(template, path)
    return path


def close_connections() -> None:
    """Close the pooled connections of every app still alive (tests make many and keep none).
    A psycopg connection left for the garbage collector is a ResourceWarning, an error here."""
    for engines in list(db._app_engines.values()):  # Flask-SQLAlchemy's engines per app
        for engine in engines.values():
            engine.dispose()


@pytest.fixture(autouse=True)
def _connections_closed() -> Iterator[None]:
    yield
    close_connections()
    if POSTGRES:
        # Apps a test made and dropped are freed by the cycle collector, whenever it runs; their
        # psycopg connections then warn (an error under filterwarnings) in whichever test is
        # running. Collect them here, quietly: the application itself keeps one app per process.
        import gc
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()
        # What survives the first collection (modules, the template's app, caches) is moved out
        # of the collector's sight: a full collection then walks one test's objects, not the
        # whole interpreter (a quarter of a second per test, seven minutes of the round, before).
        if not gc.get_freeze_count():
            gc.freeze()


def drop_database(path: Path) -> None:
    if POSTGRES:
        close_connections()
        _drop_spare(_pg_name(path))  # when ``path`` was a template
        _pg(f'DROP DATABASE IF EXISTS "{_pg_name(path)}" WITH (FORCE)')


def app_config(db_path: Path, **overrides: Any) -> dict[str, Any]:
    return {
        "INSTANCE_PATH": db_path.parent / "instance",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_uri(db_path),
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",  # hashing cost is not under test; speed is
        "HOLD_INSTANCE_LOCK": False,  # hundreds of apps per run; the restore tests switch it on
        # Jobs (imports, reindex, mail) run when asked, before the request answers: a test sees
        # "the job ran" at once. test_jobs.py runs a real worker on the SQLite queue instead.
        "JOBS_IMMEDIATE": True,
        **overrides,
    }


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throw-away Redis server on loopback (Debian's redis-server; scripts/test installs it),
    for what several web machines must share: the API's rate-limit counts."""
    import socket
    import subprocess
    import time

    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing (apt-get install redis-server)")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One database migrated to head and seeded, copied for every test (migrations run once)."""
    from matchmaker.cli import init_db

    path = new_database(tmp_path_factory.mktemp("template") / "template.sqlite3")
    app = create_app(app_config(path))
    with app.app_context():
        init_db()
        db.engine.dispose()
    yield path
    drop_database(path)


@pytest.fixture
def db_path(tmp_path: Path, template_db: Path) -> Iterator[Path]:
    path = clone_database(template_db, tmp_path / "matchmaker.sqlite3")
    yield path
    drop_database(path)


class _WorkerApp:
    """One app per pytest worker, pointed at each test's own database copy and instance folder.

    Building an app costs about a quarter of a second (Werkzeug compiling some 190 URL rules);
    two thousand tests paid it once each. Isolation comes from what the app is pointed at, as
    before: a fresh copy of the template database and an empty instance folder (search index,
    uploads, imports) per test, the configuration and extensions as they were when the app was
    built, the rate-limit counts emptied. Commits stay real, so the journal's consumers run."""

    def __init__(self, template: Path, home: Path) -> None:
        self.path = clone_database(template, home / "matchmaker.sqlite3")
        self.app = create_app(app_config(self.path))
        self.config = copy.deepcopy(dict(self.app.config))
        self.extensions = dict(self.app.extensions)
        self.limits = (limiter.enabled, limiter._storage, limiter._limiter)

    def point(self, db_path: Path) -> Flask:
        """The app as new, on ``db_path`` and the instance folder beside it (app_config's)."""
        app = self.app
        config = app_config(db_path)
        app.config.clear()
        app.config.update(copy.deepcopy(self.config))
        app.config.update(config)
        app.instance_path = str(Path(config["INSTANCE_PATH"]).resolve())
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.extensions.clear()
        app.extensions.update(self.extensions)
        # Flask-SQLAlchemy makes its engines once, in init_app: replace this app's with one on the
        # test's database, configured as the factory configures it.
        engines = db._app_engines[app]
        for engine in engines.values():
            engine.dispose()
        options = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "url": config["SQLALCHEMY_DATABASE_URI"]}
        db._apply_driver_defaults(options, app)
        engines[None] = engine = db._make_engine(None, options, app)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", sqlite_pragmas(app.config["SQLITE_BUSY_TIMEOUT_MS"]))
        search.init_app(app)  # a store on the test's own index folder
        limiter.enabled, limiter._storage, limiter._limiter = self.limits
        with app.app_context():
            limiter.reset()
        return app

    def settle(self) -> None:
        """After a test: no connection is left open (its jobs ran when asked: JOBS_IMMEDIATE)."""
        for engine in db._app_engines[self.app].values():
            engine.dispose()

    def close(self) -> None:
        self.settle()
        drop_database(self.path)


@pytest.fixture(scope="session")
def worker_app(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Iterator[_WorkerApp]:
    shared = _WorkerApp(template_db, tmp_path_factory.mktemp("worker-app"))
    yield shared
    shared.close()


@pytest.fixture
def app(worker_app: _WorkerApp, db_path: Path) -> Iterator[Flask]:
    yield worker_app.point(db_path)
    worker_app.settle()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


class Auth:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD) -> Any:
        return self.client.post("/auth/login", data={"email": email, "password": password})

    def logout(self) -> Any:
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


class Factory:
    """Builds organisations, users and postings through the real services; returns ids."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._n = count(1)

    def org(
        self,
        org_type: OrgType = OrgType.ENTERPRISE,
        *,
        status: OrgStatus = OrgStatus.VERIFIED,
        name: str | None = None,
        town: str | None = "安宜镇",
    ) -> int:
        n = next(self._n)
        with self.app.app_context():
            org = Organization(
                name=name or f"测试单位{n}",
                type=org_type,
                town=db.session.query(Town).filter_by(name=town).one() if town else None,
            )
            org.status = status
            db.session.add(org)
            db.session.commit()
            return org.id

    def user(
        self,
        org_id: int | None = None,
        *,
        org_type: OrgType = OrgType.ENTERPRISE,
        status: OrgStatus = OrgStatus.VERIFIED,
        email: str | None = None,
    ) -> str:
        """A user (and, unless given, a fresh organisation of ``org_type``); returns the e-mail."""
        if org_id is None:
            org_id = self.org(org_type, status=status)
        email = email or f"user{next(self._n)}@example.com"
        with self.app.app_context():
            accounts.create_user(
                email,
                PASSWORD,
                "测试用户",
                db.session.get(Organization, org_id),
                phone="13800000000",
                actor=None,
            )
            db.session.commit()
        return email

    def user_id(self, email: str) -> int:
        with self.app.app_context():
            user = accounts.find_user_by_email(email)
            assert user is not None
            return user.id

    def org_of(self, email: str) -> int:
        with self.app.app_context():
            user = accounts.find_user_by_email(email)
            assert user is not None
            return user.organization_id

    def token(self, email: str, *, days: int | None = None) -> str:
        """A new API token's secret for the user ``email``."""
        from matchmaker.accounts import tokens

        with self.app.app_context():
            user = accounts.find_user_by_email(email)
            assert user is not None
            _, secret = tokens.issue_token(user, "测试", days=days, actor=user)
            db.session.commit()
            return secret

    def token_id(self, secret: str) -> int:
        from matchmaker.accounts.models import ApiToken, digest

        with self.app.app_context():
            return db.session.scalars(select(ApiToken.id).where(ApiToken.token_hash == digest(secret))).one()

    def bureau(self) -> str:
        return self.user(org_type=OrgType.BUREAU)

    def posting(
        self,
        owner_email: str,
        kind: PostingKind | None = None,
        status: PostingStatus = PostingStatus.PUBLISHED,
        **details: Any,
    ) -> int:
        """A posting by ``owner_email``'s organisation, moved to ``status`` by real transitions."""
        with self.app.app_context():
            owner = accounts.find_user_by_email(owner_email)
            assert owner is not None
            kind = kind or postings.PostingKind.for_role(owner.role)[0]
            if "tech_field" in details and isinstance(details["tech_field"], str):
                details["tech_field"] = (
                    db.session.query(TechField).filter_by(name=details["tech_field"]).one()
                )
            if "town" in details and isinstance(details["town"], str):
                details["town"] = db.session.query(Town).filter_by(name=details["town"]).one()
            details.setdefault("title", f"测试信息{next(self._n)}")
            details.setdefault("description", "这是一条用于测试的详细描述，内容足够具体，超过二十个字。")
            posting = postings.create_posting(kind, postings.PostingDetails(**details), actor=owner)
            if status is not PostingStatus.DRAFT:
                reviewer = self._reviewer()
                postings.submit_posting(posting, actor=owner)
                if status is PostingStatus.RETURNED:
                    postings.return_posting(posting, "请补充技术指标。", actor=reviewer)
                elif status in (PostingStatus.PUBLISHED, PostingStatus.CLOSED):
                    postings.publish_posting(posting, actor=reviewer)
                    if status is PostingStatus.CLOSED:
                        postings.close_posting(posting, postings.CloseReason.ABANDONED, actor=owner)
            db.session.commit()
            return posting.id

    def pairing(
        self,
        initiator_email: str,
        target_id: int,
        state: PairingState = PairingState.INTERESTED,
        *,
        own_id: int | None = None,
        message: str = "我们有相关成果，希望与贵单位合作。",
        reason: DeclineReason = DeclineReason.COST,
    ) -> int:
        """A pairing of ``initiator_email``'s organisation about ``target_id``, moved to ``state``
        by the real transitions (the target's first user answers)."""
        from matchmaker.pairings import operations as pairings

        with self.app.app_context():
            initiator = accounts.find_user_by_email(initiator_email)
            target = db.session.get(Posting, target_id)
            assert initiator is not None and target is not None
            own = db.session.get(Posting, own_id) if own_id else None
            pairing = pairings.express_interest(target, message, actor=initiator, own_posting=own)
            owner = db.session.scalars(
                select(User).where(User.organization_id == target.organization_id).order_by(User.id)
            ).first()
            assert owner is not None
            if state is PairingState.DECLINED:
                pairings.decline(pairing, reason, actor=owner)
            elif state is not PairingState.INTERESTED:
                pairings.accept(pairing, actor=owner)
                if state is PairingState.NEGOTIATING:
                    pairings.advance(pairing, state, actor=owner)
                elif state is PairingState.FAILED:
                    pairings.advance(pairing, state, "价格未谈拢", actor=owner)
                elif state is PairingState.SIGNED:  # 已签约 only by recording its agreement
                    self._sign(pairing, owner)
            db.session.commit()
            return pairing.id

    def _sign(self, pairing: Any, by: User) -> None:
        """Record an agreement from ``pairing`` (its two sides, prefilled as on the web), which
        moves it to 已签约; enterprises get a valid credit code if they have none."""
        from datetime import date

        from matchmaker.accounts import creditcode
        from matchmaker.agreements import operations as agreements
        from matchmaker.agreements.values import AgreementType

        parties = agreements.parties_of_pairing(pairing)
        for party in parties:
            org = party.organization
            if org is not None and org.credit_code is None and org.type is OrgType.ENTERPRISE:
                first17 = f"91321023MA{org.id:07d}"
                org.credit_code = party.credit_code = first17 + creditcode.check_digit(first17)
        agreements.record_agreement(
            agreements.AgreementDetails(
                type=AgreementType.TECH_DEV_COMMISSIONED,
                title=f"对接签约协议{next(self._n)}",
                signed_on=date.today(),
                parties=parties,
            ),
            actor=by,
            pairing=pairing,
        )

    def agreement(
        self,
        recorder_email: str,
        parties: list[tuple[str, str]],
        *,
        status: str = "verified",
        kind: str = "tech_dev_commissioned",
        signed_on: Any = None,
        amount: Any = None,
        title: str | None = None,
        registration_number: str | None = None,
        pairing_id: int | None = None,
    ) -> int:
        """An agreement recorded by ``recorder_email`` between ``parties`` — (e-mail of a platform
        user of the party, "buyer"/"seller") or (name, side) for one off the platform — moved to
        ``status`` ("recorded", "confirmed", "verified", "returned") by the real steps."""
        from decimal import Decimal

        from matchmaker.accounts import creditcode
        from matchmaker.agreements import operations as agreements
        from matchmaker.agreements.models import Agreement
        from matchmaker.agreements.values import AgreementType, PartySide, PartyType, Registration
        from matchmaker.pairings.models import Pairing

        with self.app.app_context():
            recorder = accounts.find_user_by_email(recorder_email)
            assert recorder is not None
            details = []
            for who, side in parties:
                user = accounts.find_user_by_email(who) if "@" in who else None
                if user is not None:
                    org = user.organization
                    code = org.credit_code
                    if code is None and org.type is OrgType.ENTERPRISE:
                        first17 = f"91321023MA{org.id:07d}"
                        org.credit_code = code = first17 + creditcode.check_digit(first17)
                    details.append(
                        agreements.PartyDetails(PartySide(side), org.name, PartyType.of(org.type), code, org)
                    )
                else:
                    details.append(agreements.PartyDetails(PartySide(side), who, PartyType.UNIVERSITY))
            number = registration_number
            agreement = agreements.record_agreement(
                agreements.AgreementDetails(
                    type=AgreementType(kind),
                    title=title or f"测试协议{next(self._n)}",
                    signed_on=signed_on or clock.today(),
                    parties=details,
                    contract_amount=Decimal(amount) if amount is not None else None,
                    registration=Registration.REGISTERED if number else Registration.NOT_APPLIED,
                    registration_number=number,
                ),
                actor=recorder,
                pairing=db.session.get(Pairing, pairing_id) if pairing_id else None,
            )
            reviewer = self._reviewer()
            if status in ("confirmed", "verified") and agreements.confirmers(agreement):
                org_id = next(iter(agreements.confirmers(agreement)))
                other = db.session.scalars(select(User).where(User.organization_id == org_id)).first()
                agreements.confirm_agreement(agreement, actor=other)
            if status == "verified":
                agreements.verify_agreement(agreement, actor=reviewer)
            elif status == "returned":
                agreements.return_agreement(agreement, "请上传合同扫描件。", actor=reviewer)
            db.session.commit()
            assert isinstance(agreement, Agreement)
            return agreement.id

    def call(
        self,
        creator_email: str,
        need_ids: list[int],
        *,
        deadline: Any = None,
        status: str = "open",
        budget: str = "80",
        criteria: list[tuple[str, int]] | None = None,
        title: str | None = None,
    ) -> int:
        """A 揭榜挂帅 call on ``need_ids`` published by ``creator_email`` (an enterprise's is approved
        by the factory's reviewer unless ``status="pending"``); ``deadline`` may be in the past."""
        from datetime import timedelta
        from decimal import Decimal

        from matchmaker.calls import operations as calls

        with self.app.app_context():
            creator = accounts.find_user_by_email(creator_email)
            assert creator is not None
            details = calls.CallDetails(
                title=title or f"测试榜单{next(self._n)}",
                problem="高精度数控机床主轴热变形导致加工精度下降，需要热误差建模与实时补偿。",
                deliverables="热误差补偿系统一套，精度提升50%以上。",
                budget=Decimal(budget),
                deadline=clock.today() + timedelta(days=30),
                eligibility="江苏省内高校院所",
                needs=[db.session.get(Posting, n) for n in need_ids],
                criteria=criteria or [("技术方案", 60), ("报价", 40)],
            )
            call = calls.create_call(details, actor=creator)
            if status == "open" and call.status.value == "pending":
                calls.approve_call(call, actor=self._reviewer())
            if deadline is not None:
                call.deadline = deadline
            db.session.commit()
            return call.id

    def proposal(self, author_email: str, call_id: int, *, price: str = "60") -> int:
        """A proposal to an accepting call by ``author_email``'s university."""
        from decimal import Decimal

        from matchmaker.calls import operations as calls
        from matchmaker.calls.models import ChallengeCall

        with self.app.app_context():
            author = accounts.find_user_by_email(author_email)
            call = db.session.get(ChallengeCall, call_id)
            assert author is not None and call is not None
            details = calls.ProposalDetails(
                approach="采用多传感器温度场测量与神经网络热误差建模，实时补偿主轴热伸长。",
                team="教授1名、副教授2名、博士生4名，长期从事机床热误差研究。",
                schedule="3个月完成建模，6个月完成样机验证。",
                price=Decimal(price),
            )
            proposal = calls.submit_proposal(call, details, actor=author)
            db.session.commit()
            return proposal.id

    def reviewer(self) -> User:
        """The bureau user the factory reviews with (inside the caller's app context)."""
        return self._reviewer()

    def _reviewer(self) -> User:
        reviewer = accounts.find_user_by_email("reviewer@example.com")
        if reviewer is None:
            org = accounts.ensure_organization("测试主管部门", OrgType.BUREAU)
            reviewer = accounts.create_user("reviewer@example.com", PASSWORD, "审核员", org, actor=None)
        return reviewer

    def get_posting(self, posting_id: int) -> dict[str, Any]:
        """A plain snapshot of a posting's state for assertions."""
        with self.app.app_context():
            p = db.session.get(Posting, posting_id)
            assert p is not None
            return {
                "status": p.status,
                "return_reason": p.return_reason,
                "title": p.title,
                "close_reason": p.close_reason,
                "events": [(e.action, e.note) for e in p.history if e.status_change],
                "keywords": p.keywords,
                "cooperation_modes": p.cooperation_modes,
                "confidential_detail": p.confidential_detail,
                "visibility": p.visibility,
            }

    def get_org(self, org_id: int) -> dict[str, Any]:
        with self.app.app_context():
            o = db.session.get(Organization, org_id)
            assert o is not None
            return {
                "status": o.status,
                "status_reason": o.status_reason,
                "name": o.name,
                "events": [(e.action, e.note, e.actor_id) for e in o.history if e.status_change],
            }


@pytest.fixture
def make(app: Flask) -> Factory:
    return Factory(app)


# --- which tests the PostgreSQL round runs --------------------------------------------------------
# The second engine matters where SQL, locking or the journal behave differently: these files, and
# one end-to-end scenario per capability (posting → pairing → agreement → dashboard; event; call;
# import; list; pool). scripts/test runs only them on PostgreSQL (`-m dialect`) unless it is given
# --all-engines, which runs everything on both — docs/PERFORMANCE.md says when a change needs that.
DIALECT_FILES = {
    "test_migrations.py",  # Alembic on both engines, batch mode on SQLite
    "test_journal.py",  # journal cursors, gaps and locks; the audit filters' ILIKE
    "test_consumers.py",  # the consumers' cursors across processes
    "test_notifications.py",  # claiming mail with conditional UPDATEs
    "test_two_machines.py",  # two processes on one database
    "test_search_concurrency.py",  # the indexer's lock against parallel writers
    "test_backup.py",
    "test_database_busy.py",
    "test_sessions.py",  # bookkeeping writes that never wait (lock_timeout on PostgreSQL)
    "test_login_throttle.py",
    "test_lists.py",  # numbering counters under concurrency, JSON rows, the list scenario
    "test_api_schema.py",  # hostile input: integer ranges, NUL bytes and text PostgreSQL refuses
    "test_plans.py",  # plans, their migration and counting per plan
    "test_agreement_state.py",  # the agreement lock under concurrent uploads, the count's states
    "test_funnels_agree.py",  # the two funnels' SQL agree
    "test_counting_sql.py",  # figures as aggregate queries, statements per page constant
    "test_clock.py",  # "today" in SQL filters with the process in another zone
    "test_page_cost.py",  # the pages' statements and the indexes they use, on both planners
}
DIALECT_TESTS = {
    "test_agreements.py::test_from_a_pairing_to_a_counted_agreement",
    "test_agreements.py::test_counting_rules_on_a_known_set",
    "test_agreements.py::test_every_dashboard_number_equals_its_drill_down",
    "test_agreements.py::test_recording_the_same_contract_at_once_from_two_sessions",
    "test_pairings.py::test_a_university_expresses_interest_and_the_enterprise_accepts",
    "test_pairings.py::test_two_people_accepting_at_the_same_moment_end_in_one_state",
    "test_pairings.py::test_concurrent_accepts_over_the_web",
    "test_events.py::test_staff_run_an_event_through_the_api_from_creation_to_a_counted_outcome",
    "test_events.py::test_outcomes_become_pairings_and_agreements_counted_on_the_event",
    "test_events.py::test_seven_registrations_at_once_for_two_places_keep_two",
    "test_hostile_input.py::test_two_identical_interests_at_once_through_the_api_are_one_and_a_409",
    "test_hostile_input.py::test_two_identical_interests_at_once_on_the_web_are_one_and_a_message",
    "test_hostile_input.py::test_two_proposals_at_once_are_one_and_a_409_or_a_message",
    "test_hostile_input.py::test_two_messages_at_the_same_moment_in_one_thread_are_both_kept",
    "test_calls.py::test_award_tells_everyone_and_opens_a_pairing_then_an_agreement",
    "test_calls.py::test_the_api_scores_and_awards_and_the_pairing_follows",
    "test_import.py::test_csv_in_every_encoding_imports_and_publishes",
    "test_import.py::test_upload_preview_then_confirm",
    "test_import.py::test_a_job_whose_worker_dies_resumes_without_loss_or_duplicates",
    "test_browse.py::test_filters_by_field_town_mode_and_title",  # LIKE over a JSON column's text
    "test_browse.py::test_percent_in_title_search_is_literal",
    "test_profiles.py::test_pool_counts_equal_their_drill_downs_by_town",
    "test_profiles.py::test_an_existing_database_gets_the_targets_from_the_migration",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        name = Path(str(item.fspath)).name
        if name in DIALECT_FILES or f"{name}::{item.originalname}" in DIALECT_TESTS:  # type: ignore[attr-defined]
            item.add_marker(pytest.mark.dialect)
