"""Valid imports: values and audit rows written, re-import idempotent, changes and warnings."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.figures.importer import MESSAGES, ImportCheck, apply_import, check_import, message
from tests.figures.conftest import audit_count, csv_bytes, snapshot, stored, xlsx_bytes

ROWS = (
    "A1,HZE_RUN,2023-01,12",
    "A1,HZE_RUN_34,2023-01,3",
    "A2,HZE_RUN,2023-01,7",
    "A1,POP_TOTAL,2023,9074",
    "A1,HZE_EXP_TOTAL,2023-01,1234.56",
    "B-3,MARL_LOCAL,2023-02,4",
)


def _apply(marl: Any, result: ImportCheck, source: str = "import") -> int:
    with tenant_scope(marl):
        written = apply_import(result, source=source)
        db.session.commit()
    return written


def test_valid_import_creates_values_with_audit(
    marl: Any, check: Callable[..., ImportCheck]
) -> None:
    audits = audit_count("create")
    result = check(csv_bytes(*ROWS))
    assert result.ok, result.errors
    assert result.warnings == []
    assert len(result.rows) == len(ROWS) == len(result.created)
    assert result.updated == [] and result.unchanged == 0
    assert result.summary() == "6 neue Werte, 0 geänderte Werte, 0 unverändert"
    assert result.created[0].key == ("A1", "HZE_RUN", "2023-01")

    assert _apply(marl, result) == 6
    values = stored(marl)
    assert values == {
        ("A1", "HZE_RUN", "2023-01"): 12,
        ("A1", "HZE_RUN_34", "2023-01"): 3,
        ("A2", "HZE_RUN", "2023-01"): 7,
        ("A1", "POP_TOTAL", "2023"): 9074,
        ("A1", "HZE_EXP_TOTAL", "2023-01"): 1234.56,
        ("B-3", "MARL_LOCAL", "2023-02"): 4,
    }
    assert audit_count("create") == audits + 6


def test_reimport_changes_nothing(marl: Any, check: Callable[..., ImportCheck]) -> None:
    _apply(marl, check(csv_bytes(*ROWS)))
    before = snapshot()
    again = check(csv_bytes(*ROWS))
    assert again.ok and again.created == [] and again.updated == []
    assert again.unchanged == len(ROWS)
    assert again.summary() == "Keine Änderungen"
    assert again.summary("en") == "No changes"
    assert _apply(marl, again) == 0
    assert snapshot() == before


def test_changed_file_reports_old_and_new(marl: Any, check: Callable[..., ImportCheck]) -> None:
    _apply(marl, check(csv_bytes(*ROWS)))
    audits = audit_count("update")
    changed = list(ROWS)
    changed[0] = "A1,HZE_RUN,2023-01,14"
    changed[4] = "A1,HZE_EXP_TOTAL,2023-01,1300"
    changed.append("A2,HZE_RUN,2023-02,8")
    result = check(csv_bytes(*changed))
    assert result.ok
    assert [(u.row, u.key, u.old, u.new) for u in result.updated] == [
        (2, ("A1", "HZE_RUN", "2023-01"), 12, 14),
        (6, ("A1", "HZE_EXP_TOTAL", "2023-01"), 1234.56, 1300),
    ]
    assert [c.key for c in result.created] == [("A2", "HZE_RUN", "2023-02")]
    assert result.unchanged == 4
    assert result.summary() == "1 neuer Wert, 2 geänderte Werte, 4 unverändert"
    assert result.summary("en") == "1 new value, 2 changed values, 4 unchanged"
    assert _apply(marl, result) == 3
    values = stored(marl)
    assert values[("A1", "HZE_RUN", "2023-01")] == 14
    assert values[("A1", "HZE_EXP_TOTAL", "2023-01")] == 1300
    assert audit_count("update") == audits + 2
    db.session.rollback()
    with tenant_scope(marl):  # raw SQL: on PostgreSQL, row-level security needs the tenant
        rows = (
            db.session.execute(
                db.text(
                    "SELECT changes FROM audit_log WHERE entity='figure_values' AND action='update'"
                )
            )
            .scalars()
            .all()
        )
    changes = [json.loads(r) if isinstance(r, str) else r for r in rows]
    assert sorted(c["value"] for c in changes) == [[12, 14], [1234.56, 1300]]


def test_warnings_do_not_block(
    marl: Any, check: Callable[..., ImportCheck], store: Callable[..., None]
) -> None:
    store(
        ("A1", "HZE_RUN", "2022-05", 10),
        ("A1", "HZE_RUN", "2022-06", 30),
        ("A1", "HZE_RUN", "2022-07", 9),
        ("A1", "HZE_RUN", "2022-08", 10),
    )
    result = check(
        csv_bytes(
            "A1,HZE_RUN,2023-05,31",  # > 3 × 10: warning
            "A1,HZE_RUN,2023-06,9",  # < 30 / 3: warning
            "A1,HZE_RUN,2023-07,100",  # previous value below 10: no warning
            "A1,HZE_RUN,2023-08,30",  # exactly 3 ×: no warning
            "A2,HZE_RUN,2022-01,20",  # previous year in the file …
            "A2,HZE_RUN,2023-01,61",  # … warning
        )
    )
    assert result.ok
    assert [(w.row, w.column) for w in result.warnings] == [
        (2, "value"),
        (3, "value"),
        (7, "value"),
    ]
    assert (
        "mehr als 3-mal so hoch wie im Vorjahreszeitraum 2022-05 (10)" in result.warnings[0].message
    )
    assert (
        "weniger als 1/3 des Werts im Vorjahreszeitraum 2022-06 (30)" in result.warnings[1].message
    )
    assert result.summary().endswith(", 3 Warnungen")
    assert _apply(marl, result) == 6


def test_yearly_warning_and_warn_factor_rule(
    marl: Any, check: Callable[..., ImportCheck], store: Callable[..., None]
) -> None:
    store(("A1", "POP_TOTAL", "2022", 9000))
    result = check(csv_bytes("A1,POP_TOTAL,2023,2000"))
    assert [w.row for w in result.warnings] == [2] and result.ok


def test_english_messages(check: Callable[..., ImportCheck]) -> None:
    result = check(csv_bytes("Z9,HZE_RUN,2023-01,x", "A1,SRO_ACTIVITIES,2023-13,1"), locale="en")
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert messages[(2, "area_code")] == "Unknown area “Z9”."
    assert messages[(2, "value")] == "“x” is not a number."
    assert "computed from the activities" in messages[(3, "metric_code")]
    assert "is monthly, expected YYYY-MM" in messages[(3, "period")]
    assert result.summary() == "No changes – 4 errors, nothing will be imported"
    assert "wrong delimiter" in check(b"a|b\n1|2\n", locale="en").errors[0].message
    assert (
        "larger than 50 MB" in check(b"x" * (50 * 1024 * 1024 + 1), locale="en").errors[0].message
    )


def test_messages_are_gettext_with_a_german_translation(app: Any) -> None:
    """Every import message is a msgid of the catalogue, German with the same placeholders."""
    from babel.messages.pofile import read_po

    from saas.config import ROOT

    with (ROOT / "translations" / "de" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        german = {m.id: m.string for m in read_po(fh, locale="de") if isinstance(m.id, str)}
    placeholders = re.compile(r"%\((\w+)\)s")
    for key, msgid in MESSAGES.items():
        assert german.get(msgid), f"{key}: no German translation for {msgid!r}"
        assert set(placeholders.findall(german[msgid])) == set(placeholders.findall(msgid)), key
        params = {name: "X" for name in placeholders.findall(msgid)}
        assert message(key, "de", **params) != message(key, "en", **params), key


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_bom_and_column_order(check: Callable[..., ImportCheck], delimiter: str) -> None:
    header = delimiter.join(["value", "Period", " metric_code ", "AREA_CODE"])
    rows = [
        delimiter.join(["5", "2023-01", "HZE_RUN", "A1"]),
        "",  # blank lines are skipped
        delimiter.join(["2,5" if delimiter != "," else "2.5", "2023-01", "HZE_EXP_TOTAL", "A1"]),
    ]
    data = "\ufeff" + header + "\r\n" + "\r\n".join(rows) + "\r\n"
    result = check(data.encode("utf-8"))
    assert result.ok, result.errors
    assert [(r.row, r.key, r.value) for r in result.rows] == [
        (2, ("A1", "HZE_RUN", "2023-01"), 5),
        (4, ("A1", "HZE_EXP_TOTAL", "2023-01"), 2.5),
    ]


def test_quoted_fields_and_trailing_delimiters(check: Callable[..., ImportCheck]) -> None:
    data = (
        b'area_code;metric_code;period;value;\n"A1";"HZE_RUN";"2023-01";"5";\n'
        b"A2;HZE_RUN;2023-01;6;;\n"
    )
    result = check(data)
    assert result.ok, result.errors
    assert len(result.created) == 2


def test_xlsx_import(marl: Any, check: Callable[..., ImportCheck]) -> None:
    data = xlsx_bytes(
        [
            ["period", "value", "area_code", "metric_code"],
            [datetime(2023, 1, 1), 5, "A1", "HZE_RUN"],  # a period Excel turned into a date
            ["2023", 9074, "A1", "POP_TOTAL"],
            [2022, 9000.0, "A1", "POP_TOTAL"],  # numbers in text columns
            [None, None, None, None],
            ["2023-01", 1.5, "A1", "HZE_EXP_TOTAL"],
            ["2023-02", None, "A1", "HZE_RUN"],  # empty value
        ]
    )
    result = check(data, "upload.bin")  # detected by its zip signature
    assert result.format == "xlsx"
    assert [(e.row, e.column) for e in result.errors] == [(7, "value")]
    assert [(r.row, r.key, r.value) for r in result.rows] == [
        (2, ("A1", "HZE_RUN", "2023-01"), 5),
        (3, ("A1", "POP_TOTAL", "2023"), 9074),
        (4, ("A1", "POP_TOTAL", "2022"), 9000),
        (6, ("A1", "HZE_EXP_TOTAL", "2023-01"), 1.5),
    ]


def test_apply_refuses_a_check_with_errors_or_a_stale_check(
    marl: Any,
    check: Callable[..., ImportCheck],
    store: Callable[..., None],
    lock: Callable[..., None],
) -> None:
    bad = check(csv_bytes("Z9,HZE_RUN,2023-01,5"))
    with tenant_scope(marl), pytest.raises(ValueError, match="Fehler"):
        apply_import(bad)

    store(("A1", "HZE_RUN", "2023-01", 5))
    update = check(csv_bytes("A1,HZE_RUN,2023-01,6"))
    create = check(csv_bytes("A1,HZE_RUN,2023-02,6"))
    locked = check(csv_bytes("A1,HZE_RUN,2023-03,6"))
    _apply(marl, check(csv_bytes("A1,HZE_RUN,2023-01,7", "A1,HZE_RUN,2023-02,7")))
    lock("A1", "2023-03")
    before = snapshot()
    for stale in (update, create, locked):
        assert stale.ok
        with tenant_scope(marl), pytest.raises(ValueError):
            apply_import(stale)
        db.session.rollback()
    assert snapshot() == before


def test_check_of_one_tenant_is_not_applied_to_another(
    marl: Any, app: Any, check: Callable[..., ImportCheck]
) -> None:
    from tests.conftest import tenant

    result = check(csv_bytes("A1,HZE_RUN,2023-01,5"))
    with tenant_scope(tenant("hamm")), pytest.raises(ValueError):
        apply_import(result)


def test_areas_of_another_tenant_are_not_resolved(app: Any, marl: Any) -> None:
    from tests.conftest import tenant

    with tenant_scope(tenant("hamm")):
        result = check_import(
            "f.csv",
            csv_bytes(
                "H1,HZE_RUN,2023-01,5",
                "A1,HZE_RUN,2023-01,5",
                "H1,MARL_LOCAL,2023-01,1",
                "H1,HAMM_LOCAL,2023-01,1",
            ),
        )
    assert [(e.row, e.column) for e in result.errors] == [(3, "area_code"), (4, "metric_code")]
