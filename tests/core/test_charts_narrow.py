"""The phone layout of the charts (``width=NARROW_WIDTH``): drawn 1:1 at 360 px, so its
12-unit labels stay readable without scrolling; the text-layout guarantees of the wide layout
(tests/core/test_charts.py: every label inside the drawing, none touching another) hold too."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # nosec B405 # parses the SVG this test just rendered

from hypothesis import given, settings
from hypothesis import strategies as st

from saas.core.charts import NARROW_WIDTH, WIDTH, Series, bar_chart, line_chart
from tests.core.test_charts import MARL, assert_readable, names, numbers

YEARS = [str(y) for y in range(2015, 2025)]


def view_width(svg: str) -> float:
    root = ET.fromstring(svg)  # noqa: S314  # nosec B314 # our own output
    return float(root.attrib["viewBox"].split()[2])


def test_the_narrow_bar_chart_keeps_the_names_and_values_of_marl() -> None:
    values = [1012.0, 890.0, 620.0, 850.0, 853.0, 797.0, 941.0, 1018.0, 884.0, 700.0, None]
    svg = str(
        bar_chart("Ausgaben", MARL, [Series("Ausgaben je Einwohner", values)], width=NARROW_WIDTH)
    )
    assert view_width(svg) == NARROW_WIDTH
    shown = " ".join(b.text for b in assert_readable(svg))
    for name in MARL:
        for word in name.replace("-", "- ").replace("(", " ").split():
            assert word.strip("()") in shown, (name, word)
    assert "1.018" in shown


def test_the_narrow_line_chart_keeps_large_numbers_and_a_long_legend() -> None:
    costs = [10.9e6, 11.4e6, 11.7e6, 12.2e6, 12.7e6, 13.1e6, 13.7e6, 13.8e6, 14.4e6, 19.6e6]
    names_ = [f"Anteil teilstationärer Hilfen (§ 32) in {name} (%)" for name in MARL[:4]]
    series = [Series("Ausgaben HzE (EUR)", costs)] + [
        Series(n, [1e6 * (k + i) for k in range(10)]) for i, n in enumerate(names_)
    ]
    svg = str(line_chart("Ausgaben", YEARS, series, width=NARROW_WIDTH))
    texts = [b.text for b in assert_readable(svg)]
    assert "20.000.000" in texts
    shown = " ".join(texts)
    for name in names_:
        assert name.replace("(%)", "").split()[-1] in shown


def test_both_layouts_on_one_page_have_their_own_ids() -> None:
    wide = str(line_chart("Fälle", YEARS, [Series("a", [1.0] * 10)]))
    narrow = str(line_chart("Fälle", YEARS, [Series("a", [1.0] * 10)], width=NARROW_WIDTH))
    assert view_width(wide) == WIDTH
    ident = wide.split('<title id="')[1].split('"')[0]
    assert ident not in narrow


@settings(max_examples=40, deadline=None)
@given(
    labels=st.lists(names, min_size=1, max_size=24),
    series_names=st.lists(names, min_size=1, max_size=12),
    data=st.data(),
    kind=st.sampled_from(["line", "bar"]),
)
def test_any_narrow_chart_keeps_its_text_apart_and_inside(
    labels: list[str], series_names: list[str], data: st.DataObject, kind: str
) -> None:
    series = [
        Series(name, data.draw(st.lists(numbers, min_size=len(labels), max_size=len(labels))))
        for name in series_names
    ]
    draw = line_chart if kind == "line" else bar_chart
    assert_readable(str(draw("Titel", labels, series, width=NARROW_WIDTH)))


def test_event_study_labels_keep_their_minus_sign_in_both_layouts() -> None:
    """Regression (seen on the impact screenshots): "-3 (2015)" was drawn as "3 (2015)" —
    the line breaking took the leading minus for a hyphen and dropped it."""
    labels = ["-3 (2015)", "-2 (2016)", "-1 (2017)", "+0 (2018)", "+1 (2019)", "+2 (2020)"]
    effect = Series("Effekt", [1.2, 0.8, 0.0, -0.9, -2.0, -3.4])
    for width in (WIDTH, NARROW_WIDTH):
        svg = str(line_chart("Ereignisstudie", labels, [effect], width=width))
        shown = [t.text for t in assert_readable(svg)]
        for label in labels:
            assert label.split()[0] in shown or label in shown, (width, label, shown)


def test_a_long_first_label_turned_stays_inside_the_narrow_drawing() -> None:
    """Regression (found by the property above in CI): a first label of 27 letters without a
    space, turned by 45°, reached 3 px past the left edge — the margin was solved for the
    plot's old width, then the plot narrowed and the label moved left. Labels longer than
    half the drawing now wrap onto further turned lines."""
    for labels in (["A" * 27, "A"], ["B" * 60, "kurz", "C" * 45]):
        for kind in (line_chart, bar_chart):
            shown = assert_readable(
                str(kind("Titel", labels, [Series("A", [1.0] * len(labels))], width=NARROW_WIDTH))
            )
            joined = "".join(b.text for b in shown)
            assert all(label in joined for label in labels), (kind, joined)
