"""Walk the URL map: every rule with placeholder arguments, for tests that must cover every route.

New routes are picked up by themselves, so a route added next month is checked by the CSRF,
header and fuzz tests without anyone editing them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask import Flask
from werkzeug.routing import Rule

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Route:
    rule: Rule
    url: str
    methods: frozenset[str]

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint


def placeholder(name: str, converter: str, samples: dict[str, object]) -> object:
    if name in samples:
        return samples[name]
    if converter in {"IntegerConverter", "FloatConverter"}:
        return 1
    if converter == "UUIDConverter":
        return "00000000-0000-0000-0000-000000000001"
    if converter == "AnyConverter":
        return None  # filled from the converter's own items below
    return "x"


def routes(app: Flask, samples: dict[str, object] | None = None) -> Iterator[Route]:
    """Every rule but ``static``, with a URL built from ``samples`` (argument name -> value)."""
    samples = samples or {}
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        values: dict[str, object] = {}
        for name in rule.arguments:
            converter = rule._converters[name]
            value = placeholder(name, type(converter).__name__, samples)
            if value is None:
                value = next(iter(getattr(converter, "items", ["x"])))
            values[name] = value
        url = adapter.build(rule.endpoint, values, force_external=False)
        yield Route(rule, url, frozenset(rule.methods or ()) - {"HEAD", "OPTIONS"})
