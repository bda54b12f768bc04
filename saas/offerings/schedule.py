"""Weekly schedules written as text, e.g. "Di 15:00-17:00; Do 09:30-11:00"."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField

DAYS_DE = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
DAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_INDEX = {d.lower(): i for i, d in enumerate(DAYS_DE)} | {
    d.lower(): i for i, d in enumerate(DAYS_EN)
}
_SLOT = re.compile(
    r"^\s*([A-Za-z]{2,3})\.?\s+(\d{1,2})[:.](\d{2})\s*[-–]\s*(\d{1,2})[:.](\d{2})\s*$"
)


def parse_schedule(text: str) -> list[dict[str, Any]]:
    """Parse the text form; raises ValueError with a message naming the bad part."""
    slots = []
    for part in filter(None, (p.strip() for p in re.split(r"[;\n]", text or ""))):
        match = _SLOT.match(part)
        if not match or match.group(1).lower() not in _DAY_INDEX:
            raise ValueError(_('"%(part)s" is not a weekly time like "Di 15:00-17:00".', part=part))
        day = _DAY_INDEX[match.group(1).lower()]
        h1, m1, h2, m2 = (int(match.group(i)) for i in range(2, 6))
        if not (0 <= h1 < 24 and 0 <= h2 < 24 and m1 < 60 and m2 < 60) or (h1, m1) >= (h2, m2):
            raise ValueError(_('"%(part)s": the end must be after the start.', part=part))
        slots.append({"day": day, "start": f"{h1:02d}:{m1:02d}", "end": f"{h2:02d}:{m2:02d}"})
    return sorted(slots, key=lambda s: (s["day"], s["start"]))


def format_schedule(slots: list[dict[str, Any]] | None, locale: str = "de") -> str:
    days = DAYS_DE if locale == "de" else DAYS_EN
    return "; ".join(f"{days[s['day']]} {s['start']}-{s['end']}" for s in slots or [])


class ScheduleField(StringField):
    """Text input holding a weekly schedule; ``data`` is the parsed list."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault(
            "description", _l('One or more weekly times, separated by ";", e.g. "Di 15:00-17:00".')
        )
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_schedule(self.data) if isinstance(self.data, list) else (self.data or "")

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            try:
                self.data = parse_schedule(valuelist[0])
            except ValueError as exc:
                self.data = []
                raise ValueError(str(exc)) from exc
