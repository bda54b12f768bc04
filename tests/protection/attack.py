"""The adversary: integer programming over everything a tenant publishes.

Written independently of :mod:`saas.protection.cube` (it knows nothing of its relations, its
canonical cells or its duals): unknowns are the atoms of every version of the data — one
help type of one data area in one year, and for a snapshot taken before a correction a
second copy of each atom the correction changed (the adversary is assumed to know which
ones: the worst case). Every published value is an equation over them (a weighted one where
a value is a mean of rates, as a ring's median of two members), every rule a reader knows
besides the figures an inequality (§ 41's young adults are at most the HzE total they are
contained in); for every withheld cell, ``scipy.optimize.milp`` finds its smallest and
largest value on the lattice the figures live on.

That lattice is the adversary's best knowledge of the figures, not the product's: a count is
a whole number, and a yearly mean of monthly stocks (the running case-years ``@avg``) is a
whole number of twelfths — the engine divides the sum of twelve whole monthly stocks by 12
(``unit``: an atom's step; its unknown is the whole number of steps).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

Atom = tuple[Hashable, ...]


def whole(_atom: Atom) -> float:
    """Every atom a whole number (the default step)."""
    return 1.0


@dataclass
class Knowledge:
    """What a reader has: equations ``sum(coefficient · atom) == value``, inequalities
    ``sum(small) <= sum(big)`` and atoms >= 0, each atom a whole number of ``unit(atom)``."""

    equations: list[tuple[dict[Atom, float], float]] = field(default_factory=list)
    atoms: set[Atom] = field(default_factory=set)
    #: pairs of atoms known to be equal (the same figure in two versions of the data)
    links: list[tuple[Atom, Atom]] = field(default_factory=list)
    #: (small, big): the sum of ``small`` never exceeds the sum of ``big``
    limits: list[tuple[frozenset[Atom], frozenset[Atom]]] = field(default_factory=list)
    #: the step of each atom's lattice (1: counts; 1/12: yearly means of monthly stocks)
    unit: Callable[[Atom], float] = whole
    _built: tuple[object, ...] | None = field(default=None, repr=False)

    def at_most(self, small: Iterable[Atom], big: Iterable[Atom]) -> None:
        small, big = frozenset(small), frozenset(big)
        self.atoms |= small | big
        self.limits.append((small, big))
        self._built = None

    def same(self, first: Atom, second: Atom) -> None:
        self.atoms |= {first, second}
        self.links.append((first, second))
        self._built = None

    def publish(self, atoms: Iterable[Atom], value: float) -> None:
        """A published sum of atoms."""
        self.weigh(dict.fromkeys(atoms, 1.0), value)

    def weigh(self, coefficients: Mapping[Atom, float], value: float) -> None:
        """A published weighted sum (a rate per 1,000 of a known population, a median)."""
        self.atoms |= set(coefficients)
        self.equations.append((dict(coefficients), float(value)))
        self._built = None

    def _components(self) -> dict[Atom, Atom]:
        """Each atom's component: atoms linked by some equation, link or inequality. The
        components are independent programs (the feasible set is their product), so a sum
        is bounded by bounding its part in each component — small programs, each built once."""
        if self._built is not None:
            return self._built[0]  # type: ignore[return-value]
        parent: dict[Atom, Atom] = {atom: atom for atom in self.atoms}

        def find(atom: Atom) -> Atom:
            while parent[atom] != atom:
                parent[atom] = parent[parent[atom]]
                atom = parent[atom]
            return atom

        groups = [
            *(tuple(c) for c, _v in self.equations),
            *self.links,
            *(tuple(small | big) for small, big in self.limits),
        ]
        for group in groups:
            if group:
                first = find(group[0])
                for atom in group[1:]:
                    other = find(atom)
                    if other != first:
                        parent[other] = first
        roots = {atom: find(atom) for atom in self.atoms}
        self._built = (roots, {}, {})
        return roots

    def _system(self, root: Atom) -> tuple[dict[Atom, int], np.ndarray, list[LinearConstraint]]:
        """The program of one component: its atoms' index, their steps, the constraints."""
        roots = self._components()
        programs: dict[Atom, Any] = self._built[1]  # type: ignore[index]
        if root in programs:
            return programs[root]  # type: ignore[no-any-return]
        order = sorted((a for a, r in roots.items() if r == root), key=repr)
        index = {atom: i for i, atom in enumerate(order)}
        n = len(order)
        steps = np.array([self.unit(atom) for atom in order])
        rows = []
        values = []
        for coefficients, value in self.equations:
            if not coefficients or roots[next(iter(coefficients))] != root:
                continue
            row = np.zeros(n)
            for atom, coefficient in coefficients.items():
                row[index[atom]] += coefficient * steps[index[atom]]
            # a row of equal coefficients (a sum of counts, or of twelfths) is divided by
            # them: whole-number coefficients and right-hand side, exact for HiGHS
            nonzero = row[row != 0]
            if len(nonzero) and np.allclose(nonzero, nonzero[0]):
                value, row = value / nonzero[0], row / nonzero[0]
                if abs(value - round(value)) < 1e-7:
                    value = float(round(value))
            rows.append(row)
            values.append(value)
        for first, second in self.links:
            if roots[first] != root:
                continue
            row = np.zeros(n)
            row[index[first]] += steps[index[first]]
            row[index[second]] -= steps[index[second]]
            rows.append(row)
            values.append(0.0)
        constraints = (
            [LinearConstraint(np.array(rows), np.array(values), np.array(values))] if rows else []
        )
        limits = [(s, b) for s, b in self.limits if s | b and roots[next(iter(s | b))] == root]
        if limits:
            upper = np.zeros((len(limits), n))
            for i, (small, big) in enumerate(limits):
                for atom in small:
                    upper[i, index[atom]] += steps[index[atom]]
                for atom in big:
                    upper[i, index[atom]] -= steps[index[atom]]
            constraints.append(LinearConstraint(upper, -np.inf, np.zeros(len(limits))))
        programs[root] = (index, steps, constraints)
        return programs[root]

    def bounds(self, target: Iterable[Atom]) -> tuple[float, float]:
        """Min and max of ``sum(target)`` over every solution on the atoms' lattice."""
        target = frozenset(target)
        if not target <= self.atoms:
            self.atoms |= target
            self._built = None
        roots = self._components()
        memo: dict[frozenset[Atom], tuple[float, float]] = self._built[2]  # type: ignore[index]
        if target in memo:  # another cell with the same atoms
            return memo[target]
        parts: dict[Atom, list[Atom]] = {}
        for atom in target:
            parts.setdefault(roots[atom], []).append(atom)
        low = high = 0.0
        for root, atoms in sorted(parts.items(), key=repr):
            index, steps, constraints = self._system(root)
            n = len(index)
            objective = np.zeros(n)
            for atom in atoms:
                objective[index[atom]] = steps[index[atom]]
            found = []
            for sign in (1, -1):
                res = milp(
                    sign * objective,
                    constraints=constraints,
                    integrality=np.ones(n),
                    bounds=Bounds(np.zeros(n), np.full(n, 10**6)),
                )
                assert res.status == 0, res.message
                found.append(sign * res.fun)
            low, high = low + found[0], high + found[1]
        memo[target] = (low, high)
        return low, high


def attack(
    knowledge: Knowledge, withheld: Mapping[Hashable, Iterable[Atom]]
) -> dict[Hashable, tuple[float, float]]:
    """Every withheld cell's interval."""
    return {key: knowledge.bounds(atoms) for key, atoms in withheld.items()}
