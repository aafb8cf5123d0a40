"""gunicorn settings for matchmaker; scripts/start serves with this file (docs/DEPLOYMENT.md).

Environment variables HOST, PORT and WORKERS override the defaults below.
"""

import multiprocessing
import os

wsgi_app = "matchmaker:create_app()"
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Sync workers: one request at a time each, so a slow request never delays another in its worker.
workers = int(os.environ.get("WORKERS") or 2 * multiprocessing.cpu_count() + 1)
# gunicorn's sync worker, with the limits it enforces before the app (request line, headers)
# answered in the API's JSON error shape, in Chinese (matchmaker/serving.py).
worker_class = "matchmaker.core.serving.Worker"

# A worker that has not answered for `timeout` seconds is killed. The app's long loops stop a
# request themselves after REQUEST_TIMEOUT (25 s by default, matchmaker/deadline.py) and answer a
# Chinese 503, so this kill is the backstop for whatever does not check (code stuck outside Python,
# a slow query). Keep timeout > REQUEST_TIMEOUT. Background work runs in the job worker
# (`flask jobs worker`), never in these processes.
timeout = 30
graceful_timeout = 30  # on restart, requests in flight may finish
keepalive = 5

# gunicorn's longest request line (its maximum; 4094 by default). The app refuses URLs longer than
# MAX_URL_LENGTH (4096, matchmaker/config.py) itself, with a JSON 414 under /api/ and the error
# page elsewhere; lines beyond this get gunicorn's 414, in the same JSON shape (matchmaker/serving.py).
limit_request_line = 8190

# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = 5000
max_requests_jitter = 500

accesslog = "-"
errorlog = "-"
# Who, when, what, status, size, duration in ms, user agent.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
