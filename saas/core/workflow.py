"""Period workflow declared in ``tenants/_base/workflow.yaml`` (Plone-style).

States say whether a period is editable or locked; transitions name the permission they
need and whether a reason is required. The engine only checks and moves; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from ruamel.yaml import YAML

from saas.config import ROOT
from saas.core.audit import acting_user_id, record_event
from saas.core.db import utcnow
from saas.core.permissions import has_permission

WORKFLOW_FILE = ROOT / "tenants" / "_base" / "workflow.yaml"


class WorkflowError(ValueError):
    """A transition that is not allowed, with a message for the user."""


@dataclass(frozen=True)
class State:
    name: str
    title_de: str
    title_en: str
    editable: bool
    locked: bool

    @property
    def title(self) -> str:
        return self.title_en if str(get_locale() or "de") == "en" else self.title_de


@dataclass(frozen=True)
class Transition:
    name: str
    title_de: str
    title_en: str
    sources: tuple[str, ...]
    target: str
    permission: str
    reason_required: bool

    @property
    def title(self) -> str:
        return self.title_en if str(get_locale() or "de") == "en" else self.title_de


@dataclass(frozen=True)
class Workflow:
    initial: str
    states: dict[str, State]
    transitions: dict[str, Transition]

    def state(self, name: str | None) -> State:
        return self.states[name or self.initial]

    def available(self, state: str | None) -> list[Transition]:
        """Transitions from ``state`` that the current user may perform."""
        current = state or self.initial
        return [
            t
            for t in self.transitions.values()
            if current in t.sources and has_permission(t.permission)
        ]


@cache
def workflow() -> Workflow:
    data: dict[str, Any] = YAML(typ="safe").load(WORKFLOW_FILE.read_text(encoding="utf-8"))
    states = {
        name: State(
            name, s["title_de"], s["title_en"], bool(s.get("editable")), bool(s.get("locked"))
        )
        for name, s in data["states"].items()
    }
    transitions = {
        name: Transition(
            name,
            t["title_de"],
            t["title_en"],
            tuple(t["from"]),
            t["to"],
            t["permission"],
            bool(t.get("reason_required")),
        )
        for name, t in data["transitions"].items()
    }
    return Workflow(data["initial"], states, transitions)


def check_step(state: str | None, name: str, reason: str = "") -> Transition:
    """The transition ``name`` from ``state`` if the user may take it, or raise WorkflowError."""
    flow = workflow()
    transition = flow.transitions.get(name)
    current = state or flow.initial
    if transition is None or current not in transition.sources:
        raise WorkflowError(_("This step is not possible in the current state."))
    if not has_permission(transition.permission):
        raise WorkflowError(_("You do not have permission to do this."))
    if transition.reason_required and not (reason or "").strip():
        raise WorkflowError(_("Please give a reason."))
    return transition


def perform(status: Any, name: str, reason: str = "") -> None:
    """Move a period status object along transition ``name``, or raise WorkflowError."""
    current = status.state or workflow().initial
    transition = check_step(current, name, reason)
    reason = (reason or "").strip()
    status.state = transition.target
    status.reason = reason
    status.changed_by = acting_user_id()
    status.changed_at = utcnow()
    record_event(
        "workflow",
        entity="period_statuses",
        entity_id=status.id,
        details={
            "transition": name,
            "from": current,
            "to": transition.target,
            "period": status.period,
            "reason": reason,
        },
    )
