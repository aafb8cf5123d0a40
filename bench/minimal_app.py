"""The framework's ceiling: a Flask app with one page and nothing else, served by bench.load_test
with the same gunicorn config, workers and clients as matchmaker in the same run."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def page() -> str:
    return "<!doctype html><title>ok</title><p>ok</p>"
