"""The adversary: integer programming over everything a tenant publishes.

Written independently of :mod:`saas.protection.cube` (it knows nothing of its relations, its
canonical cells or its duals): unknowns are the atoms of every version of the data — one
help type of one data area in one year, and for a snapshot taken before a correction a
second copy of each atom the correction changed (the adversary is assumed to know which
ones: the worst case). Every published value is an equation over them, every rule a reader
knows besides the figures an inequality (§ 41's young adults are at most the HzE total they
are contained in); for every withheld cell, ``scipy.optimize.milp`` finds its smallest and
largest whole-number value.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

Atom = tuple[Hashable, ...]


@dataclass
class Knowledge:
    """What a reader has: equations ``sum(atoms) == value``, inequalities
    ``sum(small) <= sum(big)`` and atoms >= 0."""

    equations: list[tuple[frozenset[Atom], float]] = field(default_factory=list)
    atoms: set[Atom] = field(default_factory=set)
    #: pairs of atoms known to be equal (the same figure in two versions of the data)
    links: list[tuple[Atom, Atom]] = field(default_factory=list)
    #: (small, big): the sum of ``small`` never exceeds the sum of ``big``
    limits: list[tuple[frozenset[Atom], frozenset[Atom]]] = field(default_factory=list)

    def at_most(self, small: Iterable[Atom], big: Iterable[Atom]) -> None:
        small, big = frozenset(small), frozenset(big)
        self.atoms |= small | big
        self.limits.append((small, big))

    def same(self, first: Atom, second: Atom) -> None:
        self.atoms |= {first, second}
        self.links.append((first, second))

    def publish(self, atoms: Iterable[Atom], value: float) -> None:
        members = frozenset(atoms)
        self.atoms |= members
        self.equations.append((members, float(value)))

    def bounds(self, target: Iterable[Atom]) -> tuple[float, float]:
        """Min and max of ``sum(target)`` over every whole-number solution."""
        target = frozenset(target)
        self.atoms |= target
        order = sorted(self.atoms, key=repr)
        index = {atom: i for i, atom in enumerate(order)}
        n = len(order)
        rows = []
        values = []
        for members, value in self.equations:
            row = np.zeros(n)
            for atom in members:
                row[index[atom]] = 1
            rows.append(row)
            values.append(value)
        for first, second in self.links:
            row = np.zeros(n)
            row[index[first]], row[index[second]] = 1, -1
            rows.append(row)
            values.append(0.0)
        constraints = (
            [LinearConstraint(np.array(rows), np.array(values), np.array(values))] if rows else []
        )
        if self.limits:
            upper = np.zeros((len(self.limits), n))
            for i, (small, big) in enumerate(self.limits):
                for atom in small:
                    upper[i, index[atom]] += 1
                for atom in big:
                    upper[i, index[atom]] -= 1
            constraints.append(LinearConstraint(upper, -np.inf, np.zeros(len(self.limits))))
        objective = np.zeros(n)
        for atom in target:
            objective[index[atom]] = 1
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
        return found[0], found[1]


def attack(
    knowledge: Knowledge, withheld: Mapping[Hashable, Iterable[Atom]]
) -> dict[Hashable, tuple[float, float]]:
    """Every withheld cell's interval."""
    return {key: knowledge.bounds(atoms) for key, atoms in withheld.items()}
