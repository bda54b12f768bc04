"""Audit the pins of the lock files against PyPI's vulnerability metadata.

    python tools/audit_deps.py                      # live: https://pypi.org/pypi/<name>/json
    python tools/audit_deps.py --write-snapshot security/pypi-vulns-2026-12-02.json
    python tools/audit_deps.py --snapshot security/pypi-vulns-2026-12-02.json   # no network
    python tools/audit_deps.py --fallback security/pypi-vulns-2026-12-02.json   # live, else file

Why not pip-audit: it asks either the OSV API (api.osv.dev) or PyPI's per-version JSON
(``/pypi/<name>/<version>/json``) about every pin, and has no local database. From our CI
neither answers (OSV is unreachable, the per-version JSON gives 404). What does answer is the
project-level JSON (``/pypi/<name>/json``); its ``vulnerabilities`` list comes from the same
advisory database (PyPA/OSV) but describes the *latest release only*. Hence the rule:

* a pin equal to the latest release is checked: each listed, non-withdrawn vulnerability is a
  finding (id, aliases, fixed_in) unless an exception names its id;
* an older pin cannot be checked with this metadata: it must be upgraded or listed in
  ``security/audit-exceptions.toml`` (package, version, date, reason, review_by);
* an exception past its review_by date, or one that matches no pin, is a finding too;
* a snapshot older than ``--max-age`` days is a finding (the advisories moved on since).

Every pin of ``requirements.lock`` (the image) and ``requirements-dev.lock`` (development and
CI) is audited. The output names the source used (live PyPI or which snapshot, taken when).
Exit status: 0 clean, 1 findings, 2 no usable source or unreadable input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import tomllib
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ("requirements.lock", "requirements-dev.lock")
EXCEPTIONS = "security/audit-exceptions.toml"
PYPI = "https://pypi.org/pypi/{name}/json"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


class SourceError(Exception):
    """No metadata could be had (network down, snapshot missing or unreadable)."""


@dataclass(frozen=True)
class Exception_:
    package: str
    version: str
    date: dt.date
    review_by: dt.date
    reason: str
    vulnerabilities: frozenset[str]


def normalize(name: str) -> str:
    """PEP 503 name: ``Flask_SQLAlchemy`` → ``flask-sqlalchemy``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(paths: list[Path]) -> dict[str, tuple[str, list[str]]]:
    """``name → (version, [lock files])`` over all lock files; two versions of one name fail."""
    pins: dict[str, tuple[str, list[str]]] = {}
    for path in paths:
        for raw, version in PIN.findall(path.read_text(encoding="utf-8")):
            name = normalize(raw)
            if name in pins and pins[name][0] != version:
                raise ValueError(f"{name} is pinned to {pins[name][0]} and {version}")
            pins.setdefault(name, (version, []))[1].append(path.name)
    return pins


def read_exceptions(path: Path) -> list[Exception_]:
    if not path.is_file():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for i, entry in enumerate(data.get("exception", []), 1):
        missing = {"package", "version", "date", "review_by", "reason"} - set(entry)
        if missing:
            raise ValueError(f"{path.name}: exception {i} lacks {', '.join(sorted(missing))}")
        if not isinstance(entry["date"], dt.date) or not isinstance(entry["review_by"], dt.date):
            raise ValueError(f"{path.name}: exception {i}: date and review_by must be dates")
        if not str(entry["reason"]).strip():
            raise ValueError(f"{path.name}: exception {i}: the reason is empty")
        out.append(
            Exception_(
                normalize(entry["package"]),
                str(entry["version"]),
                entry["date"],
                entry["review_by"],
                str(entry["reason"]).strip(),
                frozenset(entry.get("vulnerabilities", [])),
            )
        )
    return out


def fetch_one(name: str, timeout: float) -> dict:
    url = PYPI.format(name=name)
    if not url.startswith("https://"):  # PYPI is a constant; keeps file:// and friends out
        raise SourceError(f"refusing {url}")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310  # nosec B310
            data = json.load(response)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise SourceError(f"{url}: {exc}") from exc
    return {
        "latest": data["info"]["version"],
        "vulnerabilities": [
            {
                "id": v.get("id"),
                "aliases": v.get("aliases") or [],
                "fixed_in": v.get("fixed_in") or [],
                "summary": v.get("summary") or "",
                "withdrawn": v.get("withdrawn"),
            }
            for v in data.get("vulnerabilities") or []
        ],
    }


def fetch(names: list[str], timeout: float = 10.0) -> dict:
    """A snapshot: the latest release and its vulnerabilities for each name, from PyPI now."""
    results = {names[0]: fetch_one(names[0], timeout)}  # fails fast when PyPI is unreachable
    with ThreadPoolExecutor(max_workers=8) as pool:
        rest = pool.map(lambda n: fetch_one(n, timeout), names[1:])
        results.update(zip(names[1:], rest, strict=True))
    return {
        "taken": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": PYPI,
        "note": "vulnerabilities are those PyPI lists for the latest release of each project",
        "packages": dict(sorted(results.items())),
    }


def load_snapshot(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        dt.datetime.strptime(data["taken"], "%Y-%m-%dT%H:%M:%SZ")
        data["packages"]  # noqa: B018 - must be there
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SourceError(f"snapshot {path}: {exc}") from exc
    return data


def audit(
    pins: dict[str, tuple[str, list[str]]],
    meta: dict,
    exceptions: list[Exception_],
    today: dt.date,
    max_age: int | None = None,
) -> tuple[list[str], list[str]]:
    """``(findings, notes)``: findings fail the audit, notes say what exceptions were applied."""
    findings: list[str] = []
    notes: list[str] = []
    packages = meta["packages"]
    taken = dt.datetime.strptime(meta["taken"], "%Y-%m-%dT%H:%M:%SZ").date()
    if max_age is not None and (today - taken).days > max_age:
        findings.append(f"metadata taken {taken} is older than {max_age} days: take a new one")
    by_pin = {(e.package, e.version): e for e in exceptions}
    used: set[tuple[str, str]] = set()
    for exc in exceptions:
        if exc.review_by < today:
            findings.append(
                f"{exc.package}=={exc.version}: exception of {exc.date} expired on {exc.review_by}"
            )
    for name, (version, locks) in sorted(pins.items()):
        where = ", ".join(locks)
        exc = by_pin.get((name, version))
        info = packages.get(name)
        if info is None:
            findings.append(f"{name}=={version} ({where}): no metadata for this package")
            continue
        if version != info["latest"]:
            if exc is None:
                findings.append(
                    f"{name}=={version} ({where}): not the latest release ({info['latest']}), "
                    "cannot be checked: upgrade it or add an exception"
                )
            else:
                used.add((name, version))
                notes.append(f"{name}=={version}: unchecked by exception ({exc.reason[:60]})")
            continue
        for vuln in info["vulnerabilities"]:
            if vuln.get("withdrawn"):
                continue
            if exc is not None and vuln["id"] in exc.vulnerabilities:
                used.add((name, version))
                notes.append(f"{name}=={version}: {vuln['id']} accepted by exception")
                continue
            aliases = ", ".join(vuln.get("aliases") or []) or "no aliases"
            fixed = ", ".join(vuln.get("fixed_in") or []) or "no fix released"
            findings.append(
                f"{name}=={version} ({where}): {vuln['id']} ({aliases}), fixed in: {fixed}"
            )
    for key, exc in by_pin.items():
        if key not in used and exc.review_by >= today:
            findings.append(f"{exc.package}=={exc.version}: exception matches no pin or finding")
    return findings, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--snapshot", type=Path, help="read the metadata from this file only")
    source.add_argument("--write-snapshot", type=Path, help="fetch from PyPI and save it here")
    source.add_argument("--fallback", type=Path, help="fetch from PyPI; if unreachable, this file")
    parser.add_argument("--lock", type=Path, action="append", help="lock file (default: both)")
    parser.add_argument("--exceptions", type=Path, default=ROOT / EXCEPTIONS)
    parser.add_argument("--max-age", type=int, default=30, help="days a snapshot stays usable")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args(argv)

    try:
        locks = args.lock or [ROOT / name for name in LOCKS]
        pins = read_pins(locks)
        exceptions = read_exceptions(args.exceptions)
    except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 2
    try:
        if args.snapshot:
            meta, used = load_snapshot(args.snapshot), f"snapshot {args.snapshot}"
        else:
            try:
                meta, used = fetch(sorted(pins)), "live PyPI JSON API"
            except SourceError as exc:
                if not args.fallback:
                    raise
                print(f"audit: PyPI unreachable ({exc}); using {args.fallback}", file=sys.stderr)
                meta, used = load_snapshot(args.fallback), f"snapshot {args.fallback}"
            if args.write_snapshot:
                args.write_snapshot.write_text(
                    json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8"
                )
                used += f", saved to {args.write_snapshot}"
    except SourceError as exc:
        print(f"audit: no metadata: {exc}", file=sys.stderr)
        return 2

    findings, notes = audit(pins, meta, exceptions, args.today, args.max_age)
    print(f"audit: source {used}, taken {meta['taken']}")
    print(f"audit: {len(pins)} pins from {', '.join(p.name for p in locks)}")
    for line in notes:
        print(f"    note: {line}")
    for line in findings:
        print(f"    FINDING: {line}")
    print(f"audit: {len(findings)} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
