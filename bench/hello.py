"""The floor: Flask's hello-world, served under the same gunicorn settings as Sargasso."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
