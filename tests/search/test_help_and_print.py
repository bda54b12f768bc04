"""Short help texts under form fields (aria-describedby) and the print stylesheet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "saas" / "static" / "css" / "app.css"


@pytest.mark.parametrize(
    ("url", "field", "text"),
    [
        ("/marl/offices/new", "opened_on", "Wirkungsanalyse"),
        ("/marl/offerings/new", "target_groups", "Für wen es gedacht ist"),
        ("/marl/activities/new", "date", "nicht der Tag der Eingabe"),
    ],
)
def test_form_fields_carry_a_help_text_under_the_field(auth, client, url, field, text):
    auth("admin", "marl")
    html = client.get(url).get_data(as_text=True)
    control = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{field}"[^>]*>', html).group(0)
    assert f'aria-describedby="{field}-hint"' in control, control
    hint = re.search(rf'<p class="hint" id="{field}-hint">([^<]+)</p>', html).group(1)
    assert text in hint
    assert html.index(control) < html.index(f'id="{field}-hint"')  # under the field


def test_the_print_stylesheet_hides_navigation_and_repeats_table_headers():
    css = CSS.read_text(encoding="utf-8")
    block = css[css.index("@media print") :]
    assert ".main-nav" in block and ".header-search" in block and "display: none" in block
    assert "thead { display: table-header-group; }" in block
    assert "tr { page-break-inside: avoid; }" in block
