"""Row messages of file imports are worded in the language of the page."""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale

from saas.core.imports import RowError, RowWarning


def test_row_messages_in_german_and_english(app: Flask) -> None:
    error, warning = RowError(3, "name", "x"), RowWarning(4, "population", "y")
    with force_locale("de"):
        assert (str(error), str(warning)) == (
            "Zeile 3, Spalte name: x",
            "Zeile 4, Spalte population: y",
        )
    with force_locale("en"):
        assert str(error) == "Row 3, column name: x"
