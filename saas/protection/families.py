"""What each indicator gives away: the count families of the cube and their atoms.

Derived from the metric catalogue's indicators (:data:`saas.indicators.definitions.INDICATORS`),
so a new indicator is protected without a change here:

* a *count family* is the numerator of an indicator that counts cases, or a case count used
  as a denominator (the shares, cost per case);
* an indicator *reveals* its numerator family when it counts cases (a rate times its
  published population is the count), its denominator family when that is a case count (a
  share of a shown total gives the part), and the HzE case count when it contains the HzE
  expenditure (expenditure is withheld with the cases it pays for: cost per case times
  expenditure gives the count);
* the HzE case count is the sum of its help types §§ 27–35 and a remainder (cases entered
  without a help type): :data:`WHOLES` says so, and the remainder is an atom of its own, so
  "the HzE total minus the shown help types" is an equation the cube knows;
* § 41 (young adults) is *not* one of those parts: as Destatis counts it, the young adults
  are contained in the help types §§ 27–35 (a "darunter" line,
  :data:`saas.metrics.catalogue.WITHIN`). It is a count of its own, and what a reader knows
  of it besides its cells is the inequality 0 ≤ § 41 ≤ total in every data area
  (:data:`AT_MOST`, :func:`bounds`; the entry grid refuses a § 41 value above its total).
  Counting it as a part would count the young adults twice: the remainder atom would be
  "total − §§ 27–35 − § 41", negative wherever there are young adults, and the reader's
  model wrong (a withheld § 41 would seem to hide a help type it has nothing to do with).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from saas.indicators.definitions import INDICATORS, Indicator
from saas.metrics.catalogue import HELP_TYPES, WITHIN

#: the help types that are additive parts of the HzE total (§§ 27–35: not § 41, which is
#: contained in them)
PARTS = tuple(suffix for suffix, _de, _en in HELP_TYPES if suffix not in WITHIN)
#: metrics whose figure is the sum of other metrics plus a remainder: whole → parts (the
#: running case-years too: the mean of the monthly stocks of all cases is the sum of the
#: means of the help types' stocks and of the cases without a help type)
WHOLES: dict[str, tuple[str, ...]] = {
    "HZE_RUN": tuple(f"HZE_RUN_{suffix}" for suffix in PARTS),
    "HZE_END": tuple(f"HZE_END_{suffix}" for suffix in PARTS),
    "HZE_RUN@avg": tuple(f"HZE_RUN_{suffix}@avg" for suffix in PARTS),
}
#: "darunter" metrics: metric → the whole it can never exceed (§ 41 ≤ the HzE total, in
#: every data area; the stock at year's end, the cases ended in the year and the yearly
#: mean alike, since the monthly values the year is made of obey it)
AT_MOST: dict[str, str] = {
    f"HZE_{prefix}_{suffix}{mean}": f"HZE_{prefix}{mean}"
    for suffix in WITHIN
    for prefix, mean in (("RUN", ""), ("END", ""), ("RUN", "@avg"))
}
#: the engine's mark of a yearly mean of monthly stocks (``CODE@avg``): a mean need not be a
#: whole number, so its atoms are the cube's continuous unknowns (:attr:`Layout.means`)
MEAN = "@"
#: amounts that are withheld with the count of the cases they belong to
AMOUNTS: dict[str, tuple[str, ...]] = {"HZE_EXP_TOTAL": INDICATORS["HZE_CASES"].numerator}
REST = "~rest"  # suffix of a whole's remainder atom


def family_code(metrics: tuple[str, ...]) -> str:
    return "+".join(sorted(metrics))


@cache
def count_families() -> dict[str, frozenset[str]]:
    """Every count family: its code → the metrics summed into it."""
    found: dict[str, frozenset[str]] = {}
    for indicator in INDICATORS.values():
        for metrics in _count_tuples(indicator):
            found[family_code(metrics)] = frozenset(metrics)
    return found


def _count_tuples(indicator: Indicator) -> list[tuple[str, ...]]:
    counted = {ind.numerator for ind in INDICATORS.values() if ind.counts_cases}
    found = []
    if indicator.counts_cases:
        found.append(indicator.numerator)
    if indicator.is_rate and indicator.denominator in counted:
        found.append(indicator.denominator)
    return found


@cache
def revealed(code: str) -> tuple[str, ...]:
    """The codes of the count families an indicator's value gives away."""
    indicator = INDICATORS[code]
    families = [family_code(metrics) for metrics in _count_tuples(indicator)]
    for amount, cases in AMOUNTS.items():
        if amount in indicator.metric_codes():
            families.append(family_code(cases))
    return tuple(dict.fromkeys(families))


def _expanded(metrics: frozenset[str]) -> frozenset[str]:
    """A family's metrics with each whole replaced by its remainder and its parts."""
    out: set[str] = set()
    for metric in metrics:
        if metric in WHOLES:
            out.add(metric + REST)
            out.update(WHOLES[metric])
        else:
            out.add(metric)
    return frozenset(out)


@cache
def atom_kinds() -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    """The atom types: metrics that are in exactly the same families form one type.

    Returns (family code → atom types, metric (or remainder) → its atom type).
    """
    expanded = {code: _expanded(metrics) for code, metrics in count_families().items()}
    signature: dict[str, frozenset[str]] = {}
    for code, metrics in expanded.items():
        for metric in metrics:
            signature[metric] = signature.get(metric, frozenset()) | {code}
    kind_of: dict[str, str] = {}
    groups: dict[frozenset[str], list[str]] = {}
    for metric, member_of in signature.items():
        groups.setdefault(member_of, []).append(metric)
    for members in groups.values():
        kind = family_code(tuple(members))
        for metric in members:
            kind_of[metric] = kind
    families = {
        code: frozenset(kind_of[metric] for metric in metrics) for code, metrics in expanded.items()
    }
    check_families(families)
    return families, kind_of


@cache
def bounds() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The inequalities a reader knows besides the cells, as atom types: (type, the types
    whose sum it can never exceed in a data area) — :data:`AT_MOST` summed over the metrics
    of an atom type (§ 41's running and ended cases ≤ the HzE total's running and ended
    cases). A type is bounded only when every metric in it is; the bounding types are those
    of the wholes' parts and remainders (their sum is the sum of the wholes)."""
    families, kind_of = atom_kinds()
    members: dict[str, set[str]] = {}
    for metric, kind in kind_of.items():
        members.setdefault(kind, set()).add(metric)
    found = []
    for kind, metrics in sorted(members.items()):
        if not metrics <= set(AT_MOST):
            continue
        wholes = {AT_MOST[m] for m in metrics}
        below = set().union(*(_expanded(frozenset({w})) for w in wholes))
        big = {kind_of[m] for m in below if m in kind_of}
        # the bounding types must sum exactly the wholes' parts (no other metric in them)
        if set().union(*(members[k] for k in big)) != below or kind in big:
            continue
        found.append((kind, tuple(sorted(big))))
    return tuple(found)


def remainders() -> frozenset[str]:
    """The atom types of the wholes' remainders (the cases without a help type): no cell
    shows them, but the total minus its help types does (:attr:`Layout.hidden`)."""
    _families, kind_of = atom_kinds()
    return frozenset(kind_of[whole + REST] for whole in WHOLES if whole + REST in kind_of)


def is_mean(metric_or_kind: str) -> bool:
    """Whether a metric (or an atom type) is a yearly mean rather than a count."""
    return MEAN in metric_or_kind


def check_families(families: Mapping[str, frozenset[str]]) -> None:
    """No count family may sum a mean with counts: a mean's fractional value would otherwise
    sit in a count block, and the block's counts could no longer be solved in whole numbers
    (raises ``ValueError`` naming the family)."""
    for code, kinds in families.items():
        if len({is_mean(kind) for kind in kinds}) > 1:
            raise ValueError(f"count family {code} mixes yearly means with counts: {sorted(kinds)}")


def metrics_read() -> set[str]:
    """Every metric the cube reads."""
    return {m for metrics in count_families().values() for m in metrics} | {
        part for parts in WHOLES.values() for part in parts
    }


def atoms_of_area(values: Mapping[str, float]) -> dict[str, float]:
    """An area's yearly metric values as atom values (a whole becomes its remainder)."""
    _families, kind_of = atom_kinds()
    atoms: dict[str, float] = {}
    for metric, value in values.items():
        if metric in WHOLES:
            value = value - sum(values.get(part, 0.0) for part in WHOLES[metric])
            metric = metric + REST
        kind = kind_of.get(metric)
        if kind is not None:
            atoms[kind] = atoms.get(kind, 0.0) + value
    return atoms
