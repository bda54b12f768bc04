"""German formats on every page of the demo: no ISO date, no "2024-11" month, no decimal
point and no unseparated thousand in the text a German reader sees.

The crawl opens, for each demo role of Marl (with its generated figures and activities) and
the platform admin, in German: every GET route without parameters, then — one per endpoint —
the first link of each detail endpoint found on those pages (an activity, an office, a
report …). Only text is checked: attribute values (``<time datetime>``, ``data-*``, inputs'
values the browser needs in ISO), ``<code>``, ``<pre>``, scripts and styles are machine
notation and left alone; so is text marked ``translate="no"`` (codes such as the AGS).
The same crawl fails on the generic "Büro" or "Gebiet" where Marl says "Stadtteilbüro" and
"Stadtteil" (issue 12: the tenant's words everywhere), outside the pages that define the
area structure and the words themselves.
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
    return text_mistakes(visible_text(html))


def text_mistakes(texts: list[str]) -> list[str]:
    """The mistakes in pieces of German text (an export's cells and paragraphs)."""
    found = []
    for text in texts:
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


def test_the_generic_word_detector() -> None:
    html = "<p>Das Büro hat geöffnet.</p><p>Stadtteilbüro Brassert, Bürgerbüro</p>"
    assert generic_words("/marl/offices/", html) == ["Das Büro hat geöffnet."]
    assert generic_words("/marl/settings/", html) == []
    assert generic_words("/platform/", "<p>Alle Gebiete</p>") == []


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
    """(the pages read, path → the mistakes on it) for every page the client may open: the
    formats, and the generic "Büro"/"Gebiet" where the tenant has words of its own."""
    pages = read_pages(app, client)
    found: dict[str, list[str]] = {}
    for path, html in pages.items():
        problems = mistakes(html) + [f"generic word: {t}" for t in generic_words(path, html)]
        if problems:
            found[path] = problems
    return sorted(pages), found


def read_pages(app: Flask, client: FlaskClient) -> dict[str, str]:
    """path → HTML of every page the client may open (the plain routes, then one detail page
    per endpoint linked from them)."""
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
    return pages


#: the generic words for what each tenant names itself (Marl: "Stadtteilbüro", "Stadtteil")
GENERIC_WORDS = re.compile(r"\b(?:Büro|Büros|Gebiet|Gebiete|Gebieten|Gebiets|Gebietes)\b")
#: pages about the structure itself, where "Gebiet" is the general concept a level or a
#: metric's aggregation is defined on, and "Büro" the term the tenant's word replaces
GENERIC_PAGES = ("/marl/settings/", "/marl/areas/", "/marl/area-levels/", "/marl/metrics/")


def generic_words(path: str, html: str) -> list[str]:
    """The texts of a tenant page that say "Büro" or "Gebiet" instead of the tenant's word."""
    if path.startswith(GENERIC_PAGES) or not path.startswith("/marl/"):
        return []
    return [text for text in visible_text(html) if GENERIC_WORDS.search(text)]


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
    assert not found, f"non-German formats or generic words as {role or 'anonymous'}:\n{report}"


# -- the downloads meant for people -----------------------------------------------------------

#: exports a person reads (in Excel, Word or a text editor): every link to them on the pages
#: is followed. Exempt, as machine notation by design: the key-figure exchange file
#: (``figures.export``: it is filled in and imported again, so its periods stay "2024-11" and
#: its numbers plain, like the import expects), the open data (HSDS JSON: ISO 8601 by the
#: standard) and the report PDF (its text is drawn glyph by glyph and not read back here; its
#: numbers come from the same ``format_cell`` as the page and the DOCX checked below).
HUMAN_EXPORTS = {
    "reports.export",
    "reports.published_export",
    "comparison.export",
    "impact.export",
}
TEXT_FORMATS = ("csv", "xlsx", "docx")
#: a CSV cell that is one number for the spreadsheet: a decimal comma and no thousands
#: separator (what Excel, LibreOffice and R's read.csv2 read as a number in German), a flag
#: such as "p" after it; a number in a text, or with a decimal point, is checked as text
CSV_NUMBER = re.compile(r"-?\d+(?:,\d+)?(?: [a-z]{1,2})?")


def export_texts(fmt: str, data: bytes) -> list[str]:
    """The pieces of text a reader sees in an export: CSV cells, the text cells of every
    sheet (numbers stored as numbers are shown in the reader's own format by Excel), the
    paragraphs and table cells of a DOCX."""
    import csv
    import io

    if fmt == "csv":
        text = data.decode("utf-8-sig")
        head = text.split("\n", 1)[0]
        delimiter = ";" if head.count(";") >= head.count(",") else ","  # German CSV: ";"
        rows = csv.reader(io.StringIO(text), delimiter=delimiter)
        return [cell for row in rows for cell in row if cell and not CSV_NUMBER.fullmatch(cell)]
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        return [
            value
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if isinstance(value, str) and value.strip()
        ]
    from docx import Document

    document = Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        texts += [p.text for part in (section.header, section.footer) for p in part.paragraphs]
    return [t for t in texts if t.strip()]


def export_links(
    app: Flask, client: FlaskClient, pages: dict[str, str]
) -> dict[str, tuple[str, str]]:
    """href → (endpoint, format) of every link to a human-readable export on the pages, on
    each report's page (one per template listed) and on each office's impact analysis."""
    adapter = app.url_map.bind("localhost")
    listed = re.findall(r'href="(/marl/reports/run\?[^"]+)"', pages.get("/marl/reports/", ""))
    listed += re.findall(r'href="(/marl/impact/\d+[^"]*)"', pages.get("/marl/impact/", ""))
    for href in sorted(set(listed)):
        href = href.replace("&amp;", "&")
        if href not in pages:
            response = client.get(href)
            if response.status_code == 200:
                pages[href] = response.get_data(as_text=True)
    links: dict[str, tuple[str, str]] = {}
    for html in pages.values():
        for href in re.findall(r'href="(/[^"#]*)"', html):
            href = href.replace("&amp;", "&")
            try:
                endpoint, values = adapter.match(urlsplit(href).path, method="GET")
            except Exception:  # noqa: BLE001, S112 # not a page of this app
                continue
            if endpoint in HUMAN_EXPORTS and values.get("fmt") in TEXT_FORMATS:
                links[href] = (endpoint, values["fmt"])
    return links


def test_the_export_reader_finds_the_mistakes() -> None:
    """The checks on a CSV, an XLSX and a DOCX: mistakes found in their text, numbers of
    cells left alone."""
    import io

    from docx import Document
    from openpyxl import Workbook

    csv_bytes = "\ufeffJahr;Wert;Stand;Zahl\n2024;0.75;2024-11-03;12345,5 p\n".encode()
    found = text_mistakes(export_texts("csv", csv_bytes))
    assert len(found) == 2 and "12345" not in " ".join(found), found
    csv_bytes = "\ufeffText\nSumme: 12345\n".encode()
    assert len(text_mistakes(export_texts("csv", csv_bytes))) == 1
    book = Workbook()
    book.active.append(["Monat", "2024-11", 388849, "1.234,5"])
    buffer = io.BytesIO()
    book.save(buffer)
    found = text_mistakes(export_texts("xlsx", buffer.getvalue()))
    assert len(found) == 1 and "2024-11" in found[0], found
    document = Document()
    document.add_paragraph("Stand: 2024-11-03")
    document.add_table(rows=1, cols=1).cell(0, 0).text = "388849 €"
    buffer = io.BytesIO()
    document.save(buffer)
    assert len(text_mistakes(export_texts("docx", buffer.getvalue()))) == 2


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_exports_for_people_speak_german_formats(app: Flask, role: str) -> None:
    client = app.test_client()
    assert login(client, f"{role}@marl.example").status_code == 302
    with client.session_transaction() as session:
        session["locale"] = "de"
    pages = read_pages(app, client)
    links = export_links(app, client, pages)
    kinds = set(links.values())
    print(role, len(links), sorted(kinds))
    # a floor, so that a changed page cannot silently drop the exports from the check
    assert {
        (e, f)
        for e in ("reports.export", "comparison.export", "impact.export")
        for f in ("csv", "xlsx")
    } | {("reports.export", "docx")} <= kinds, kinds
    assert len(links) >= 10, links
    found: dict[str, list[str]] = {}
    for href in links:
        response = client.get(href)
        assert response.status_code == 200, (href, response.status_code)
        texts = export_texts(links[href][1], response.get_data())
        assert texts, href
        problems = text_mistakes(texts)
        if problems:
            found[href] = problems
    report = "\n".join(
        f"{href}:\n  " + "\n  ".join(sorted(set(problems))[:10]) for href, problems in found.items()
    )
    assert not found, f"non-German formats in exports as {role}:\n{report}"
