"""The impact pages' groups as nodes of the tenant's protected cube (issue 11 §1).

The impact analysis sums areas into groups of its own: the areas an office serves and the
comparison areas of each window. Protected on their own, such group counts could be combined
with the cube's published cells (a group minus its shown areas gives a withheld area back; a
group's withheld count is the sum of shown areas). So the groups are *nodes of the cube*:
:func:`office_groups` names every group an impact page can show — for every office with an
opening date, its served areas, and its comparison areas for every window the figures allow
— and :func:`saas.protection.service.register_nodes` makes the cube build them into every
year's layout, next to the areas of every level. Primary and secondary suppression and the
LP check then cover the groups together with every report, template, snapshot and the
comparison, and the impact page and its exports read the groups' cells from the same cube
(:func:`saas.impact.services.analyse_office`).
"""

from __future__ import annotations

from collections.abc import Hashable

from saas.impact.groups import WINDOW_MAX, WINDOW_MIN, AreaGroups
from saas.protection.service import register_nodes

SERVED = "impact-served"
COMPARISON = "impact-comparison"


def served_node(office_id: int) -> tuple[str, int]:
    return (SERVED, office_id)


def comparison_node(office_id: int, window: int) -> tuple[str, int, int]:
    return (COMPARISON, office_id, window)


def office_groups(context: AreaGroups) -> dict[Hashable, frozenset[int]]:
    """Every group of areas an impact page or export can show: node → its areas."""
    found: dict[Hashable, frozenset[int]] = {}
    if context.data_years is None:
        return found
    first, last = context.data_years
    for office in context.offices:
        if office.opened_on is None:
            continue
        treated, _partial = context.treated(office)
        if not treated:
            continue
        found[served_node(office.id)] = frozenset(treated)
        hierarchies = {context.hierarchy(a) for a in treated}
        year = office.opened_on.year
        for window in range(WINDOW_MIN, WINDOW_MAX + 1):
            if year - window < first or year + window > last:
                continue  # no analysis with this window, nothing shown
            control = context.control(year - window, year + window, hierarchies)
            if control:
                found[comparison_node(office.id, window)] = frozenset(control)
    return found


def _current_groups() -> dict[Hashable, frozenset[int]]:
    return office_groups(AreaGroups())


register_nodes(_current_groups)
