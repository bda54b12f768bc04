"""Werkzeug's URL builders compiled once per test run instead of once per app.

Every test builds two apps (see :func:`tests.conftest.app_on_copy`), and werkzeug compiles a
Python function for each of the ~200 routes of each app (an AST walked and ``compile()``-d per
rule and flavour): about 0.3 s of every test, a quarter of the suite's time. The function it
compiles depends only on the rule's text, its parse trace, its defaults and the kinds of its
converters (they are looked up on the bound rule when the function runs), so the same rule in
the next app gets the function compiled for the first. Production builds one app per worker and
never needs this; if werkzeug renames the method, the tests run unpatched (only slower).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from werkzeug.routing.rules import Rule

_compiled: dict[Hashable, Callable[..., Any]] = {}


def _key(rule: Rule, append_unknown: bool) -> Hashable:
    return (
        rule.rule,
        tuple(rule._trace),
        tuple(sorted((str(k), repr(v)) for k, v in (rule.defaults or {}).items())),
        tuple(sorted((k, type(c).__qualname__) for k, c in rule._converters.items())),
        append_unknown,
    )


def install() -> None:
    original = getattr(Rule, "_compile_builder", None)
    if original is None or getattr(original, "cached", False):
        return

    def compile_builder(self: Rule, append_unknown: bool = True) -> Callable[..., Any]:
        key = _key(self, append_unknown)
        builder = _compiled.get(key)
        if builder is None:
            builder = _compiled[key] = original(self, append_unknown)
        return builder

    compile_builder.cached = True  # type: ignore[attr-defined]
    Rule._compile_builder = compile_builder  # type: ignore[method-assign]
