"""The protected cube of the current tenant, read from its figures and cached.

:func:`tenant_cube` builds (or takes from the cache) one :class:`~saas.protection.cube.YearCube`
per year: every count family × every node (the whole municipality, every area of every level
of every hierarchy, every area carrying figures). Reports at any level, tenant-local
templates, the comparison publication and the impact pages all read their withheld cells from
it, so no two of them can be combined to give a withheld count back.

A year's cube depends only on that year's figures, the area tree, the threshold and the
published snapshots of that year: so a report over 2015–2024 and one over 2024 alone withhold
the same cells of 2024. The cache is keyed by a digest of exactly these inputs, so a changed
figure can never be served a stale pattern; the listeners on ``figures_changed`` and
``period_transitioned`` only drop the tenant's entries to keep the memory small.

A cold year (one this process does not hold) costs seconds of linear programming (RV
Saarbrücken: ≈ 190 intervals per year, bench/cube.py), so it is built once per inputs, not
once per process: its withheld cells are shared through Redis (:class:`_Store`, keyed by the
same digest plus the layout's families and a digest of the protection code), where another
gunicorn worker, a command or a job takes them. Several large cold years (a report over ten
years, a publication, ``flask demo``) are built in worker processes at once
(:func:`_build`, ``SAAS_CUBE_WORKERS``). Both give exactly the cells :func:`protect_year`
gives: it is deterministic and depends on nothing but its inputs.

Published snapshots feed the cube through :func:`register_publications` (the reports package
registers its snapshots): a cell a snapshot withheld is withheld again, a cell a snapshot
showed with the value it still has counts as shown (a reader has it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from threading import Lock
from typing import Any

from flask import current_app, g, has_app_context
from sqlalchemy import select

from saas.areas.models import AreaLevel
from saas.core.db import db
from saas.core.disclosure import tenant_threshold
from saas.core.tenancy import current_tenant_id
from saas.indicators.engine import AreaTree, annual_values
from saas.protection.cube import (
    Atom,
    Canon,
    CellKey,
    Earlier,
    Layout,
    Node,
    YearCube,
    cell_values,
    hidden_small,
    protect_year,
)
from saas.protection.families import (
    atom_kinds,
    atoms_of_area,
    bounds,
    metrics_read,
    remainders,
    revealed,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Publication:
    """What an earlier publication showed of one year: withheld cells, shown cells with their
    value, and the revision (figures digest) it was built from."""

    year: int
    withheld: frozenset[CellKey]
    shown: Mapping[CellKey, float]
    revision: str = ""
    #: the atoms it was built from (to know which figures have changed since)
    atoms: Mapping[Atom, float] = field(default_factory=dict)


#: providers of earlier publications of the current tenant: years → publications
_PUBLICATIONS: list[Callable[[Iterable[int]], list[Publication]]] = []


def register_publications(provider: Callable[[Iterable[int]], list[Publication]]) -> None:
    """Let the cube take earlier publications into account (called once at import)."""
    if provider not in _PUBLICATIONS:
        _PUBLICATIONS.append(provider)


#: providers of further nodes of the current tenant (groups of areas an output sums, e.g.
#: the impact pages' served and comparison areas): node → its areas
_NODES: list[Callable[[], Mapping[Node, Iterable[Hashable]]]] = []


def register_nodes(provider: Callable[[], Mapping[Node, Iterable[Hashable]]]) -> None:
    """Let the cube protect groups of areas another output shows (called once at import)."""
    if provider not in _NODES:
        _NODES.append(provider)


@dataclass
class Cube:
    """The protected cells of the current tenant for some years."""

    years: dict[int, YearCube]
    revisions: dict[int, str]
    threshold: int
    atoms: dict[int, dict[Atom, float]] = field(default_factory=dict)
    #: the year's earlier publications the cube was protected with (what a reader has of
    #: the year besides the current cells), for checks of further outputs
    earlier: dict[int, list[Earlier]] = field(default_factory=dict)

    def cell(self, family: str, node: Node, year: int) -> str:
        """``"withheld"``, ``"missing"`` or ``"shown"`` (unknown cells: ``"missing"``)."""
        cube = self.years.get(year)
        if cube is None or (family, node) not in cube.values:
            return "missing"
        return cube.status((family, node))

    def withholds(self, indicator: str, node: Node, year: int) -> bool:
        """Must the indicator's value for this node and year be withheld?"""
        return any(self.cell(f, node, year) == "withheld" for f in revealed(indicator))

    def revision(self, years: Iterable[int]) -> str:
        """One digest over the figures of ``years`` (what a snapshot records)."""
        text = json.dumps({str(y): self.revisions.get(y, "") for y in sorted(years)})
        return hashlib.sha256(text.encode()).hexdigest()[:16]


_CACHE: dict[tuple[int | None, int], tuple[str, YearCube]] = {}
_LOCK = Lock()
_CACHE_SIZE = 512


def forget(tenant_id: int | None) -> None:
    """Drop a tenant's cached years (its figures or approvals changed)."""
    with _LOCK:
        for key in [k for k in _CACHE if k[0] == tenant_id]:
            del _CACHE[key]


def _layout(
    tree: AreaTree,
    data_areas: set[Hashable],
    levels: Iterable[str],
    extra: Mapping[Node, Iterable[Hashable]] | None = None,
) -> Layout:
    families, _kinds = atom_kinds()
    nodes: dict[Node, frozenset[Hashable]] = {None: frozenset(data_areas)}
    for node, members in (extra or {}).items():  # registered groups (the impact pages)
        inside = frozenset(members) & data_areas
        if inside:
            nodes[node] = inside
    for level in levels:
        grouped: dict[int, set[Hashable]] = {}
        for area_id, group in tree.groups(level).items():
            if area_id in data_areas:
                grouped.setdefault(group, set()).add(area_id)
        for group, members in grouped.items():
            nodes[group] = frozenset(members)
    for data_area in data_areas:  # the comparison publishes every area carrying figures
        nodes.setdefault(data_area, frozenset({data_area}))
    return Layout(families, nodes, at_most=bounds(), hidden=remainders())


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _atoms(years: Iterable[int]) -> dict[int, dict[Atom, float]]:
    """The atoms of the current tenant per year: (atom type, data area) → value."""
    annual = annual_values(metrics_read(), years)
    per_area: dict[tuple[int, int], dict[str, float]] = {}
    for (metric, area_id, year), value in annual.values.items():
        per_area.setdefault((area_id, year), {})[metric] = value
    found: dict[int, dict[Atom, float]] = {}
    for (area_id, year), values in per_area.items():
        for kind, value in atoms_of_area(values).items():
            found.setdefault(year, {})[(kind, area_id)] = value
    return found


def _revision(atoms: Mapping[Atom, float]) -> str:
    return _digest(sorted((k, str(a), v) for (k, a), v in atoms.items()))[:16]


def figures_revisions(years: Iterable[int]) -> dict[int, str]:
    """The revision of the current tenant's figures per year (what a snapshot records): a
    digest of every count the cube is built from, cheap to compare without protecting."""
    years = sorted(set(years))
    by_year = _atoms(years)
    return {year: _revision(by_year.get(year, {})) for year in years}


def tenant_cube(years: Iterable[int], tenant: Any = None) -> Cube:
    """The protected cube of the current tenant (inside its scope) for ``years``."""
    tenant = tenant if tenant is not None else g.get("tenant")
    threshold = tenant_threshold(tenant.settings if tenant is not None else None)
    years = sorted(set(years))
    tenant_id = current_tenant_id()
    level_codes = list(
        db.session.execute(select(AreaLevel.code).where(AreaLevel.archived_at.is_(None))).scalars()
    )
    tree = AreaTree.load()
    by_year = _atoms(years)
    publications: dict[int, list[Publication]] = {}
    for provider in _PUBLICATIONS:
        for publication in provider(years):
            publications.setdefault(publication.year, []).append(publication)
    extra = {node: members for provider in _NODES for node, members in provider().items()}
    result = Cube({}, {}, threshold)
    cold: list[_Build] = []
    for year in years:
        atoms = by_year.get(year, {})
        data_areas = {area for (_kind, area) in atoms}
        layout = _layout(tree, data_areas, level_codes, extra)
        revision = _revision(atoms)
        earlier = [Earlier(p.shown, p.withheld, p.atoms) for p in publications.get(year, [])]
        digest = _digest(
            revision,
            threshold,
            sorted((str(n), sorted(map(str, a))) for n, a in layout.nodes.items()),
            [
                (
                    sorted(map(str, e.withheld)),
                    sorted((str(k), v) for k, v in e.shown.items()),
                    _revision(e.atoms),
                )
                for e in earlier
            ],
        )
        with _LOCK:
            cached = _CACHE.get((tenant_id, year))
        if cached is not None and cached[0] == digest:
            result.years[year] = cached[1]
        else:
            cold.append(_Build(year, digest, layout, atoms, earlier))
        result.revisions[year] = revision
        result.atoms[year] = atoms
        result.earlier[year] = earlier
    for build, current in zip(cold, _protect_all(tenant_id, cold, threshold), strict=True):
        with _LOCK:
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[(tenant_id, build.year)] = (build.digest, current)
        result.years[build.year] = current
    result.years = dict(sorted(result.years.items()))
    return result


# -- building large cold years in a background job -------------------------------------------


class CubeInBackground(Exception):
    """Raised by :func:`tenant_cube` inside :func:`deferring` when cold years too large for a
    request (more than ``SAAS_CUBE_REQUEST_ATOMS`` atoms, neither in memory nor in the shared
    store) are needed: the caller queues :func:`saas.protection.tasks.protect_years` for
    ``years`` and sends the user to the job's page (:mod:`saas.protection.views`)."""

    def __init__(self, years: list[int]) -> None:
        super().__init__(f"cold years {years}")
        self.years = years


_DEFERRING: ContextVar[bool] = ContextVar("cube_deferring", default=False)


@contextmanager
def deferring() -> Iterator[None]:
    """Within the block, :func:`tenant_cube` raises :class:`CubeInBackground` instead of
    building large cold years (a request's handler; a job or a command builds them)."""
    token = _DEFERRING.set(True)
    try:
        yield
    finally:
        _DEFERRING.reset(token)


def _defer_if_large(missing: list[_Build]) -> None:
    """Inside :func:`deferring`: refuse to build ``missing`` (neither in memory nor in the
    store) when it is too large for a request."""
    if not missing or not _DEFERRING.get() or not has_app_context():
        return
    limit = int(current_app.config.get("SAAS_CUBE_REQUEST_ATOMS", 600))
    if sum(len(b.atoms) for b in missing) > limit:
        raise CubeInBackground(sorted(b.year for b in missing))


# -- building the years not in memory ---------------------------------------------------------


@dataclass(frozen=True)
class _Build:
    """A year whose cube this process does not hold: what :func:`protect_year` needs."""

    year: int
    digest: str
    layout: Layout
    atoms: Mapping[Atom, float]
    earlier: list[Earlier]


def _protect_all(tenant_id: int | None, cold: list[_Build], threshold: int) -> list[YearCube]:
    """The cubes of the years not in this process's memory: from the shared store where
    another process has built them from the same inputs, else built — in parallel worker
    processes when there are several large years (:func:`_parallel`) — and stored."""
    found: dict[int, YearCube] = {}
    for build in cold:
        stored = _STORE.get(tenant_id, build, threshold)
        if stored is not None:
            found[build.year] = stored
    missing = [b for b in cold if b.year not in found]
    _defer_if_large(missing)
    for build, cube in zip(missing, _build(missing, threshold), strict=True):
        found[build.year] = cube
        _STORE.put(tenant_id, build, cube)
    return [found[b.year] for b in cold]


#: below this many atoms over all years to build, worker processes cost more than they save
#: (a small tenant's year is protected in milliseconds; Marl's ten years have ≈ 2,900 atoms)
PARALLEL_ATOMS = 1500


def workers() -> int:
    """How many processes may build years at once: ``SAAS_CUBE_WORKERS`` (1: never in
    parallel), by default the number of cores."""
    raw = os.environ.get("SAAS_CUBE_WORKERS", "")
    try:
        return max(1, int(raw)) if raw else max(1, os.cpu_count() or 1)
    except ValueError:
        return 1


def _build(builds: list[_Build], threshold: int) -> list[YearCube]:
    """Protect each year (the same deterministic :func:`protect_year` either way)."""
    count = min(workers(), len(builds))
    if count < 2 or sum(len(b.atoms) for b in builds) < PARALLEL_ATOMS:
        return [protect_year(b.layout, b.atoms, threshold, earlier=b.earlier) for b in builds]
    return _parallel(builds, threshold, count)


def _parallel(builds: list[_Build], threshold: int, count: int) -> list[YearCube]:
    """Years in ``count`` worker processes, the largest first. The workers come from a fork
    server that imported nothing but the protection code (never a fork of this process with
    its database connections and solver threads); they live as long as this call."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.context import BaseContext

    context: BaseContext
    try:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["saas.protection.cube"])
    except ValueError:  # no fork server on this platform
        context = multiprocessing.get_context("spawn")
    order = sorted(range(len(builds)), key=lambda i: -len(builds[i].atoms))
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        futures = {
            i: pool.submit(
                protect_year,
                builds[i].layout,
                dict(builds[i].atoms),
                threshold,
                earlier=builds[i].earlier,
            )
            for i in order
        }
        return [futures[i].result() for i in range(len(builds))]


# -- the store shared by the processes --------------------------------------------------------


@cache
def _algorithm() -> str:
    """A digest of the protection code: a pattern built by other code is never reused."""
    from saas.protection import cube, families, solver

    text = b"".join(Path(m.__file__ or "").read_bytes() for m in (cube, families, solver))
    return hashlib.sha256(text).hexdigest()[:16]


def _canon_json(canons: Iterable[Canon]) -> list[list[list[Any]]]:
    return sorted([sorted(kinds), sorted(areas, key=str)] for kinds, areas in canons)


class _Store:
    """A year's withheld cells, shared by every process of the deployment (gunicorn workers,
    commands, jobs) through Redis (``REDIS_URL``; without it each process keeps its own).

    The key is the tenant, the year and the digest of every input of the year's protection
    together with a digest of the protection code, so a changed figure, area, threshold,
    snapshot or algorithm never meets a stored pattern. Only the withheld cells (primary and
    secondary, as atom types × data areas) are stored, as JSON; a stored pattern that does
    not fit the year's cells, or leaves one of its small cells shown, is ignored and the year
    built again.
    """

    TTL = 90 * 24 * 3600
    PREFIX = "sozialraum:protection:v1"

    def _client(self) -> Any:
        url = current_app.config.get("REDIS_URL") if has_app_context() else None
        if not url:
            return None
        clients = current_app.extensions.setdefault("protection_store", {})
        if url not in clients:
            from redis import Redis

            clients[url] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        return clients[url]

    def _key(self, tenant_id: int | None, build: _Build) -> str:
        # the year's inputs (figures, nodes, threshold, snapshots) are in ``build.digest``;
        # the families and every other field of the layout come from the catalogue
        layout = _digest(
            sorted((code, sorted(kinds)) for code, kinds in build.layout.families.items()),
            {
                k: sorted(map(str, v)) if isinstance(v, (set, frozenset)) else v
                for k, v in vars(build.layout).items()
                if k not in ("families", "nodes")
            },
        )[:16]
        return f"{self.PREFIX}:{tenant_id}:{build.year}:{build.digest}:{layout}:{_algorithm()}"

    def get(self, tenant_id: int | None, build: _Build, threshold: int) -> YearCube | None:
        client = self._client()
        if client is None:
            return None
        try:
            raw = client.get(self._key(tenant_id, build))
        except Exception:  # noqa: BLE001 — the store is a cache: build the year instead
            log.warning("protection store unreachable, building the cube", exc_info=True)
            return None
        if raw is None:
            return None
        values, canon_values = cell_values(build.layout, build.atoms)
        try:
            data = json.loads(raw)
            primary = {(frozenset(k), frozenset(a)) for k, a in data["primary"]}
            secondary = {(frozenset(k), frozenset(a)) for k, a in data["secondary"]}
        except (ValueError, KeyError, TypeError):
            return None
        small = {c for c, v in canon_values.items() if v is not None and 0 < v < threshold}
        known = primary | secondary
        if not known <= set(canon_values) or not small <= known:
            return None
        hidden = hidden_small(build.layout, build.atoms, threshold)
        return YearCube(build.layout, values, primary, secondary, threshold, hidden)

    def put(self, tenant_id: int | None, build: _Build, cube: YearCube) -> None:
        client = self._client()
        if client is None:
            return
        data = {"primary": _canon_json(cube.primary), "secondary": _canon_json(cube.secondary)}
        try:
            client.set(self._key(tenant_id, build), json.dumps(data), ex=self.TTL)
        except Exception:  # noqa: BLE001 — the store is a cache
            log.warning("protection store unreachable, cube not shared", exc_info=True)


_STORE = _Store()


# -- the impact pages' groups ---------------------------------------------------------------------


def protect_counts(
    cube: Cube, year: int, family: str, groups: Mapping[Hashable, Iterable[int]]
) -> dict[Hashable, float | None]:
    """Counts of ``family`` for groups of areas (e.g. the areas an office serves and the
    others) that may be shown beside everything the cube shows: each group's count, or None
    where it must be withheld. For outputs whose groups are not areas of the tree (the
    impact pages); ``family`` is a code of :func:`saas.protection.families.revealed`.

    A small group count is withheld; a larger one is shown only if, with it published, every
    withheld small cell of the cube and every withheld small group still has an interval that
    contains 0 and reaches the threshold. Groups are decided in the order given.
    """
    from saas.protection.cube import Problem, interval, protected

    yearly = cube.years.get(year)
    if yearly is None or family not in yearly.layout.families:
        return {key: None for key in groups}
    layout = yearly.layout
    kinds = layout.families[family]
    atoms = cube.atoms.get(year, {})
    known_areas = frozenset().union(*layout.nodes.values()) if layout.nodes else frozenset()
    wanted = {key: frozenset(a for a in areas if a in known_areas) for key, areas in groups.items()}
    value = {
        key: math.fsum(atoms.get((kind, a), 0.0) for kind in kinds for a in members)
        for key, members in wanted.items()
    }
    block = next((b for b in _blocks(layout) if kinds <= b), frozenset(kinds))
    problem = Problem.of(layout, atoms, block)
    equations = [
        (problem.row(layout.canon(key)), v, None)
        for key, v in yearly.shown().items()
        if problem.covers(layout.canon(key))
    ]
    threshold = cube.threshold
    by_canon = {layout.canon(k): v for k, v in yearly.values.items()}
    sensitive = [
        problem.row(c)
        for c in yearly.primary
        if problem.covers(c) and 0 < (by_canon.get(c) or 0.0) < threshold
    ] + [problem.row(c) for c in sorted(yearly.hidden, key=str) if problem.covers(c)]
    out: dict[Hashable, float | None] = {}
    for key, members in wanted.items():
        if 0 < value[key] < threshold:
            sensitive.append(problem.row((kinds, members)))
            out[key] = None
    for key, members in wanted.items():
        if key in out:
            continue
        trial = [*equations, (problem.row((kinds, members)), value[key], None)]
        if all(protected(interval(problem, trial, row), threshold) for row in sensitive):
            equations = trial
            out[key] = value[key]
        else:
            out[key] = None
    return {key: out[key] for key in groups}


def _blocks(layout: Layout) -> list[frozenset[str]]:
    from saas.protection.cube import blocks

    return blocks(layout)
