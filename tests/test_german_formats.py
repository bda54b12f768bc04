"""German formats on every page of the demo: no ISO date, no "2024-11" month, no decimal
point and no unseparated thousand in the text a German reader sees.

The crawl opens, for each demo role of Marl (with its generated figures and activities) and
the platform admin, in German: every GET route without parameters, then — one per endpoint —
the first link of each detail endpoint found on those pages (an activity, an office, a
report …). Only text is checked: attribute values (``<time datetime>``, ``data-*``, inputs'
values the browser needs in ISO), ``<code>``, ``<pre>``, scripts and styles are machine
notation and left alone; so is text marked ``translate="no"`` (codes such as the AGS).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import app_with_marl_data, login

#: endpoints whose pages are files, redirects or actions, not German text
SKIPPED_ENDPOINTS = {"static", "site.healthz"}
SKIPPED_PREFIXES = ("/api/", "/platform/logout")
MACHINE_TAGS = {"code", "pre", "script", "style", "textarea", "kbd", "samp"}
VOID_TAGS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}

#: German dates, postal codes of addresses ("…straße 9, 45772 Marl", or on a line of their
#: own) and the versions of standards ("BITV 2.0", "WCAG 2.1") are not numbers
NOT_NUMBERS = re.compile(
    r"\b\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})\b|\b\d{1,2}\.\d{1,2}\.|(?:^|, )\d{5} (?=[A-ZÄÖÜ])"
    r"|\b(?:BITV|WCAG) \d\.\d\b|§§? ?\d+\.\d+"  # … and legal references (§§ 27.2)
)
#: (what, pattern) — the mistakes a German reader must not see
MISTAKES = (
    ("ISO date", re.compile(r"\b(?:19|20)\d{2}-[01]\d-[0-3]\d\b")),
    ("YYYY-MM month", re.compile(r"\b(?:19|20)\d{2}-(?:0[1-9]|1[0-2])\b(?!-)")),
    ("decimal point", re.compile(r"(?<![\d.])\d+\.(?:\d{1,2}|\d{4,})(?![\d.])")),
    (
        "unseparated thousand",
        re.compile(r"(?<![\d.,])(?:\d{5,}|(?!19|20)\d{4}|\d{4}(?=\s?€))(?![\d.,])"),
    ),
)


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path) -> Iterator[Flask]:  # noqa: ANN001
    yield from app_with_marl_data(request, tmp_path)


class _Text(HTMLParser):
    """The page's reader-visible text, without machine notation."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS:
            return
        machine = tag in MACHINE_TAGS or ("translate", "no") in attrs
        self.stack.append(machine or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID_TAGS and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]) and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


def mistakes(html: str) -> list[str]:
    found = []
    for text in visible_text(html):
        checked = NOT_NUMBERS.sub(" ", text)
        for what, pattern in MISTAKES:
            for match in pattern.finditer(checked):
                found.append(f"{what} {match.group(0)!r} in {text[:120]!r}")
    return found


def test_the_detector_knows_german_from_machine_notation() -> None:
    """The patterns themselves: what must be refused, what must pass."""
    bad = [
        "<p>am 2024-11-03</p>",
        "<td>2024-11</td>",
        "<td>0.75</td>",
        "<td>388849 €</td>",
        "<td>2500 €</td>",
        "<td>2024 €</td>",
        "<td>1250 Teilnahmen</td>",
        "<p>Gesamt: 12345 Fälle</p>",
    ]
    good = [
        "<p>am 03.11.2024</p>",
        "<td>November 2024</td><td>11/2024</td>",
        "<td>0,75</td><td>1.234,5</td>",
        "<td>388.849 €</td><td>12.345</td>",
        '<time datetime="2024-11-03">03.11.2024</time>',
        '<input type="date" value="2024-11-03"><input type="month" value="2024-11">',
        "<code>p_27_64 2024-11</code>",
        '<span translate="no">05562024</span>',
        "<p>2015–2024, im Jahr 2024</p>",
        "<p>Max-Reger-Straße 99, 45772 Marl</p>",
    ]
    for html in bad:
        assert mistakes(html), html
    for html in good:
        assert not mistakes(html), (html, mistakes(html))


def _plain_routes(app: Flask) -> list[str]:
    """Every GET route whose only parameter is the tenant's slug (Marl's)."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        if set(rule.arguments) - {"tenant_slug"}:
            continue
        path = rule.build({"tenant_slug": "marl"}, append_unknown=False)[1]
        if not path.startswith(SKIPPED_PREFIXES):
            paths.append(path)
    return sorted(set(paths))


def _detail_links(app: Flask, html: str, seen: set[str]) -> list[str]:
    """The first link per endpoint with an object id or a query (one of each kind of detail
    page: an activity, an office, a report run for a template …)."""
    adapter = app.url_map.bind("localhost")
    links = []
    for href in re.findall(r'href="(/[^"#]*)"', html):
        href = href.replace("&amp;", "&")
        parts = urlsplit(href)
        try:
            endpoint, values = adapter.match(parts.path, method="GET")
        except Exception:  # noqa: BLE001, S112 # not a page of this app (a file, an action)
            continue
        key = f"{endpoint}?" if parts.query else endpoint
        if key in seen or endpoint in SKIPPED_ENDPOINTS or href.startswith(SKIPPED_PREFIXES):
            continue
        if not parts.query and not set(values) - {"tenant_slug"}:
            continue
        seen.add(key)
        links.append(href)
    return links


def crawl(app: Flask, client: FlaskClient) -> tuple[list[str], dict[str, list[str]]]:
    """(the pages read, path → the mistakes on it) for every page the client may open."""
    found: dict[str, list[str]] = {}
    pages: dict[str, str] = {}
    for path in _plain_routes(app):
        response = client.get(path)
        if response.status_code == 200 and response.mimetype == "text/html":
            pages[path] = response.get_data(as_text=True)
    seen: set[str] = set()
    for html in list(pages.values()):
        for href in _detail_links(app, html, seen):
            response = client.get(href)
            if response.status_code == 200 and response.mimetype == "text/html":
                pages[href] = response.get_data(as_text=True)
    for path, html in pages.items():
        problems = mistakes(html)
        if problems:
            found[path] = problems
    return sorted(pages), found


#: a floor on the pages each role reads, so a broken login or crawl cannot pass unseen
MIN_PAGES = {"admin": 40, "coordinator": 30, "staff": 15, "viewer": 15, "platform": 8, None: 3}
ROLES = ("admin", "coordinator", "staff", "viewer", "platform", None)


@pytest.mark.parametrize("role", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_pages_speak_german_formats(app: Flask, role: str | None) -> None:
    client = app.test_client()
    if role == "platform":
        assert login(client, "platform@sozialraum.example", "platform").status_code == 302
    elif role:
        assert login(client, f"{role}@marl.example").status_code == 302
    with client.session_transaction() as session:
        session["locale"] = "de"
    pages, found = crawl(app, client)
    print(role, len(pages), pages)
    assert len(pages) >= MIN_PAGES[role], f"only {len(pages)} pages read: {pages}"
    report = "\n".join(
        f"{path}:\n  " + "\n  ".join(sorted(set(problems))[:8]) for path, problems in found.items()
    )
    assert not found, f"non-German formats as {role or 'anonymous'}:\n{report}"
