"""Signals: how a package tells others what happened without importing them (blinker).

A lower package sends; a higher package connects a receiver (Indico's ``core/signals``). The
receiver runs inside the sender's transaction, before the one commit point, so what it writes
lands or is rolled back together with the change that caused it.

Every signal is sent with the tenant (or None for platform changes) as its sender.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

period_transitioned = _signals.signal(
    "period-transitioned",
    doc="A period moved along the workflow. Keyword arguments: ``scope`` ('area' or "
    "'office'), ``ref_id``, ``period`` ('YYYY-MM' or 'YYYY'), ``transition``, ``before``, "
    "``after`` (state names).",
)

figures_changed = _signals.signal(
    "figures-changed",
    doc="Figure values were written (entry grid or import). Keyword arguments: ``periods`` "
    "(set of period strings), ``area_ids`` (set of ids).",
)

sessions_revoked = _signals.signal(
    "sessions-revoked",
    doc="Every live session of a user was ended (a password change or reset, a second factor "
    "set up or reset, 'end my other sessions', a membership ended). Keyword arguments: "
    "``user_id``. Sent with None as the sender: a user is no tenant's.",
)
