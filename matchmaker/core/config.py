"""Safe defaults. Secrets and deployment settings come from instance/config.py or MATCHMAKER_* env.

Order of precedence (later wins): these defaults → instance/config.py → MATCHMAKER_* environment
variables → the ``test_config`` mapping handed to ``create_app``.
"""

from datetime import timedelta

# Never defaulted: set it in instance/config.py or MATCHMAKER_SECRET_KEY; left unset, each
# installation generates its own random key once in instance/secret_key.
SECRET_KEY: str | None = None

# Filled in by create_app relative to the instance folder when left empty.
SQLALCHEMY_DATABASE_URI = ""
SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}
SQLITE_BUSY_TIMEOUT_MS = 5000
# The longest path + query string the app reads (bytes as sent). Longer URLs are a 414 in the app's
# own shape (JSON under /api/): gunicorn's request line (deploy/gunicorn.conf.py) allows more, so
# its HTML 414 is not what a client sees for a URL between the two limits.
MAX_URL_LENGTH = 4096

PASSWORD_HASH_METHOD = "scrypt"  # werkzeug method string

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
# Logins are sessions on the server (accounts/models.py): logout, a password change or a disabled
# account ends them everywhere. A login lasts at most PERMANENT_SESSION_LIFETIME, or
# REMEMBER_COOKIE_DURATION with 保持登录; unused, it ends after the idle minutes (0: no idle limit).
PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
REMEMBER_COOKIE_DURATION = timedelta(days=30)
SESSION_IDLE_MINUTES_BUREAU = 30  # bureau staff, remembered or not
SESSION_IDLE_MINUTES = 240  # everyone else, unless they chose 保持登录

# Login throttling (accounts/logins.py): failures within the window lock an e-mail / an address for
# 1, 2, 4 … minutes, at most LOGIN_MAX_LOCK_MINUTES.
LOGIN_FAILURE_WINDOW = 60  # minutes
LOGIN_ACCOUNT_FAILURES = 5
LOGIN_ADDRESS_FAILURES = 20
LOGIN_MAX_LOCK_MINUTES = 60

# The site's public address, e.g. "https://zjtx.baoying.gov.cn": links in API responses and e-mails
# are built from it (never from the request's Host header). Empty: site-relative links.
BASE_URL = ""

# E-mail (matchmaker/mail.py): notifications, daily digests and password-reset links. Set in
# instance/config.py; without MAIL_SERVER (and BASE_URL, for the links) nothing is mailed and
# notifications stay on the platform. Mail goes out from the job worker (`flask jobs worker`), the
# digests in its daily run at DIGEST_HOUR.
MAIL_SERVER = ""
MAIL_PORT = 25
MAIL_USE_SSL = False  # SMTPS (port 465)
MAIL_USE_TLS = False  # STARTTLS (port 587)
MAIL_USERNAME = ""
MAIL_PASSWORD = ""
MAIL_SENDER = ""  # e.g. "宝应县专精特新平台 <noreply@zjtx.baoying.gov.cn>"
MAIL_TIMEOUT = 10  # seconds
# Whom users without e-mail ask for a one-time password (shown on 忘记密码).
PASSWORD_HELP = "请联系工信局或科技局工作人员，核实身份后为您发放一次性密码。"

# Served over HTTPS only? Then tell browsers to never use plain HTTP for this many seconds
# (Strict-Transport-Security; e.g. 31536000 = a year). 0 sends no header.
HSTS_SECONDS = 0

# Every process of the installation holds a shared lock on instance/in-use.lock, so `flask restore`
# refuses while a server (or another command) is using it. Tests switch it off.
HOLD_INSTANCE_LOCK = True

# Behind a reverse proxy, how many proxies' X-Forwarded-For / -Proto to trust (0: none; nginx in
# front of gunicorn: 1). Login throttling and the audit trail need the real client address.
PROXY_COUNT = 0

WTF_I18N_ENABLED = False  # use WTForms' own zh catalogue (Meta.locales), no Babel needed
WTF_CSRF_TIME_LIMIT = None  # tie the token to the session rather than a clock: long forms are normal here
MAX_CONTENT_LENGTH = 16 * 1024 * 1024

# How long the journal (the audit log) keeps entries, in days; `flask audit prune` removes older ones.
# Never less than 180 (China's Cybersecurity Law asks network logs to be kept six months).
JOURNAL_RETENTION_DAYS = 3650

# The site's time zone: it decides "today", deadlines and the current year everywhere (web, API,
# CLI, mail digests), whatever zone the server runs in (matchmaker/clock.py).
TIMEZONE = "Asia/Shanghai"

# Seconds a web request may run before its long loops stop it with a 503 at their next check
# (matchmaker/deadline.py); keep it below gunicorn's ``timeout`` (deploy/gunicorn.conf.py, 30 s),
# which kills whatever does not stop, so the client gets an answer, not a cut connection.
REQUEST_TIMEOUT = 25

POSTINGS_PER_PAGE = 20
# A list counts its rows only this far (then says "1000+ 条"): a count past it would read every
# matching row on every request, whatever page is shown; pages beyond it are still reachable.
LIST_COUNT_LIMIT = 1000

# The plan's dashboard (协议与指标) is for bureau staff; True also shows a read-only version to
# everyone (indicator counts, charts and the verified agreements behind them, without amounts).
DASHBOARD_PUBLIC = False

# A pairing with no activity for this many days counts as stalled on the bureau's funnel.
PAIRING_STALL_DAYS = 14

# A specialist (服务专员) serves at most this many enterprises by the province's rule: assigning
# more is allowed, with a warning to the bureau staff who do it.
SPECIALIST_MAX_ENTERPRISES = 5
# Results per specialist (人员业绩): with a number, e.g. 1.5, the table adds a reward basis (奖励基数)
# column — that percent of the 技术交易额 of the verified agreements each person brokered. None: no column.
SPECIALIST_REWARD_PERCENT: float | None = None
# 回访: both sides of every accepted pairing are asked how it is going this many months after it
# was accepted (one round each; a side that answered 已签约 or 已终止 is not asked again), and an
# answer left for more than FOLLOW_UP_ANSWER_DAYS days is told to the side's assigned specialists.
FOLLOW_UP_MONTHS = (3, 6)
FOLLOW_UP_ANSWER_DAYS = 14

# The job queue (matchmaker/core/jobs.py; the worker is `flask jobs worker`, started by
# scripts/start and deploy/matchmaker-worker.service). By default a SQLite file under instance/
# (JOBS_FILE: empty means instance/jobs.sqlite3); with REDIS_URL (e.g. redis://localhost:6379/0),
# or a redis:// RATELIMIT_STORAGE_URI, a Redis queue named JOBS_QUEUE (empty: matchmaker:<host>,
# one per machine, as imports and the search index are per machine). JOBS_IMMEDIATE runs each job
# at once in the process that asks for it (the tests), with no worker.
REDIS_URL = ""
JOBS_FILE = ""
JOBS_QUEUE = ""
JOBS_IMMEDIATE = False
# The worker's daily run (expiry reminders, digests, mail retries) at this hour, site time.
DIGEST_HOUR = 7

# Confirmed imports with more valid rows than this run in the background with a progress page.
IMPORT_INLINE_ROWS = 500

# Search index folder; empty means instance/search.
SEARCH_INDEX_DIR = ""
SEARCH_WRITE_TIMEOUT = 5.0  # seconds to wait for Whoosh's own write lock before deferring to the outbox
SEARCH_MAX_QUERY_CHARS = 100  # longer input is cut: user text can't slow the server down
SEARCH_MAX_TERMS = 12
# A full reindex writes segments side by side in this many processes (0: one per core) once there
# are this many published postings (docs/PERFORMANCE.md, "The shared character view").
SEARCH_REBUILD_PROCS = 0
SEARCH_REBUILD_PARALLEL_FROM = 5000
SEARCH_CANDIDATES = 2000  # hits ranked per query, every one reachable page by page; more are counted
# 为我推荐 shows this many of an organisation's postings per page, each with its proposals.
MATCHES_POSTINGS_PER_PAGE = 5
# Subscriptions (订阅推送, matchmaker/subscriptions/): how many each user may keep, how many matches
# a day (averaged over the last SUBSCRIPTION_FLOOD_DAYS days of postings) refuse one as a flood,
# and the weekday (0 = Monday) of weekly digests, sent at DIGEST_HOUR like daily ones.
SUBSCRIPTIONS_PER_USER = 10
SUBSCRIPTION_FLOOD_PER_DAY = 10
SUBSCRIPTION_FLOOD_DAYS = 30
SUBSCRIPTION_WEEKDAY = 0
SITE_NAME = "宝应县专精特新产学研供需对接平台"

# JSON API rate limits (Flask-Limiter syntax), counted per token, or per address without one.
API_RATE_LIMIT = "120 per minute;2000 per hour"
API_WRITE_RATE_LIMIT = "30 per minute"  # creating postings, on top of the above
# Where counts are kept. memory:// is per worker process (N gunicorn workers allow N× the limit);
# point it at Redis or Memcached (e.g. redis://localhost:6379) to share counts between workers.
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = True
