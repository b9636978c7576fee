"""``flask`` commands: create-user, seed-demo and the commands each area registers."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register every command group; areas add theirs here, one line each."""
