"""SVG charts of the leadership dashboard (issue 4): accessible, inert, small-cell safe.

Pure: the charts are parsed back with ElementTree and checked by structure and geometry.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal

import leather
import pytest

from wbs.small_cells import Cell, protect
from wbs.stats_charts import LINE_STYLES, bar_chart, column_chart, line_chart

NS = "{http://www.w3.org/2000/svg}"
HIDDEN = Cell(None, True, 3, "complementary")
HOSTILE = "<script>alert(1)</script> & Co"


def indonesian(count: int) -> str:
    return f"{count:,}".replace(",", ".")


def parse(svg: str) -> ET.Element:
    # Only the charts these tests just drew are parsed, never outside input.
    return ET.fromstring(svg)  # noqa: S314


def tag(element: ET.Element) -> str:
    return element.tag.removeprefix(NS)


def texts(root: ET.Element) -> list[str]:
    return [node.text or "" for node in root.iter(f"{NS}text")]


def bars(root: ET.Element, kind: str) -> list[ET.Element]:
    """The rects leather drew for a series ("bars" or "columns")."""
    return [
        rect
        for group in root.iter(f"{NS}g")
        if group.get("class") == f"series {kind}"
        for rect in group.iter(f"{NS}rect")
    ]


def marks(root: ET.Element) -> list[ET.Element]:
    return [node for node in root.iter(f"{NS}text") if node.get("class") == "suppressed"]


def tick_labels(root: ET.Element, orient: str) -> list[str]:
    axis = next(g for g in root.iter(f"{NS}g") if g.get("class") == f"axis {orient}")
    return [node.text or "" for node in axis.iter(f"{NS}text")]


def tooltip(element: ET.Element) -> str | None:
    title = element.find(f"{NS}title")
    return None if title is None else title.text


AGENCIES = [
    ("Inspektorat", protect(40, 3)),
    ("Dinas Kesehatan", protect(10, 3)),
    ("Dinas Pendidikan", protect(2, 3)),
    ("Dinas Sosial", HIDDEN),
    ("Satpol PP", protect(0, 3)),
]


def draw_bars(rows: list[tuple[str, Cell]], number: Callable[[int], str] = str) -> ET.Element:
    return parse(bar_chart("By agency", "Reports per agency", rows, number=number, chart_id="c"))


def value_labels(root: ET.Element) -> list[str]:
    group = next(g for g in root.iter(f"{NS}g") if g.get("class") == "values")
    return [node.text or "" for node in group.iter(f"{NS}text")]


# --- every chart ---------------------------------------------------------------------------


MONTHS = [("2026-01", protect(5, 3)), ("2026-02", protect(1, 3)), ("2026-03", protect(8, 3))]
CHARTS: dict[str, Callable[..., str]] = {
    "bar": lambda **kw: bar_chart("T", "D", AGENCIES, **kw),
    "column": lambda **kw: column_chart("T", "D", MONTHS, **kw),
    "line": lambda **kw: line_chart("T", "D", [("Open", MONTHS), ("Late", MONTHS)], **kw),
}


@pytest.mark.parametrize("kind", CHARTS)
def test_root_is_a_named_scalable_image(kind: str) -> None:
    root = parse(CHARTS[kind](chart_id="chart-1", width=500))

    assert tag(root) == "svg"
    assert root.get("role") == "img"
    assert root.get("class") == "chart"
    assert root.get("aria-labelledby") == "chart-1-title chart-1-desc"
    assert root.get("width") == "500"
    height = root.get("height")
    assert height is not None and int(height) > 0
    assert root.get("viewBox") == f"0 0 500 {height}"
    title, desc = root[0], root[1]
    assert (tag(title), title.get("id"), title.text) == ("title", "chart-1-title", "T")
    assert (tag(desc), desc.get("id"), desc.text) == ("desc", "chart-1-desc", "D")
    assert root.get("font-family") == "sans-serif"


@pytest.mark.parametrize("kind", CHARTS)
def test_chart_is_inert_and_self_contained(kind: str) -> None:
    """The CSP forbids inline script and style; nothing is fetched from anywhere."""
    root = parse(CHARTS[kind](chart_id="c"))

    for element in root.iter():
        assert tag(element) not in {"script", "style", "foreignObject", "image", "use", "a"}
        for name in element.attrib:
            local = name.rpartition("}")[2]
            assert local != "style"
            assert not local.startswith("on")
            assert "href" not in local
        assert "url(" not in " ".join(element.attrib.values())
    fonts = {element.get("font-family") for element in root.iter()} - {None}
    assert fonts == {"sans-serif"}


@pytest.mark.parametrize("kind", CHARTS)
def test_chart_id_must_be_a_plain_token(kind: str) -> None:
    """The id lands in aria-labelledby, a space-separated list of ids."""
    with pytest.raises(ValueError, match="chart_id"):
        CHARTS[kind](chart_id="two words")


@pytest.mark.parametrize("kind", CHARTS)
def test_leather_theme_is_restored(kind: str) -> None:
    before = {name: value for name, value in vars(leather.theme).items() if name[0] != "_"}
    CHARTS[kind](chart_id="c")
    after = {name: value for name, value in vars(leather.theme).items() if name[0] != "_"}
    assert after == before


def test_hostile_text_is_escaped() -> None:
    svg = line_chart(
        HOSTILE,
        f"{HOSTILE} \x00desc",
        [(HOSTILE, [("2026-01", protect(4, 3))]), ("x", [("2026-01", protect(1, 3))])],
        chart_id="c",
    )
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in svg
    root = parse(svg)
    assert root[0].text == HOSTILE
    assert root[1].text == f"{HOSTILE} desc"  # a character XML cannot hold is dropped
    assert HOSTILE in texts(root)  # the legend
    assert not any(tag(element) == "script" for element in root.iter())


# --- bar chart ------------------------------------------------------------------------------


def test_bars_are_drawn_for_shown_non_zero_counts_in_proportion() -> None:
    root = draw_bars(AGENCIES)

    drawn = bars(root, "bars")
    assert [tooltip(bar) for bar in drawn] == ["Inspektorat: 40", "Dinas Kesehatan: 10"]
    inspektorat, kesehatan = (float(bar.get("width", "")) for bar in drawn)
    assert inspektorat == pytest.approx(4 * kesehatan, abs=0.5)
    assert {bar.get("x") for bar in drawn} == {"0"}  # both start at the zero line
    # The first row is on top.
    assert float(drawn[0].get("y", "")) < float(drawn[1].get("y", ""))


def test_suppressed_rows_have_no_bar_but_their_mark() -> None:
    root = draw_bars(AGENCIES)

    assert len(bars(root, "bars")) == 2
    assert [node.text for node in marks(root)] == ["< 3", "x"]
    # Zero is shown as a number: it singles out nobody.
    assert value_labels(root) == ["40", "10", "< 3", "x", "0"]
    # The marks stand where a bar would start, just right of the zero line, on their rows.
    assert [float(node.get("x", "")) for node in marks(root)] == [4, 4]
    small, hidden = (float(node.get("y", "")) for node in marks(root))
    assert small + 20 < hidden


def test_bar_values_and_ticks_use_the_number_format() -> None:
    root = draw_bars([("Dinas", protect(1234, 3)), ("Badan", protect(57, 3))], indonesian)

    assert value_labels(root) == ["1.234", "57"]
    ticks = tick_labels(root, "bottom")
    assert "1.000" in ticks
    assert all("," not in tick for tick in ticks)


@pytest.mark.parametrize("largest", [1, 2, 3, 7, 10, 25])
def test_count_ticks_are_whole_numbers(largest: int) -> None:
    root = draw_bars([("Dinas", protect(largest, 1))])

    ticks = tick_labels(root, "bottom")
    assert "0" in ticks and len(ticks) >= 2
    assert all(tick.isdigit() for tick in ticks), ticks


def test_long_labels_are_shortened_with_the_full_label_as_tooltip() -> None:
    name = "Dinas Pemberdayaan Perempuan dan Perlindungan Anak serta Pengendalian Penduduk"
    root = draw_bars([(name, protect(9, 3)), ("RSUD", protect(4, 3))])

    rsud, short = tick_labels(root, "left")  # leather lists the rows bottom up
    assert rsud == "RSUD"
    assert short.endswith("…") and name.startswith(short[:-1])
    ticks = [g for g in root.iter(f"{NS}g") if g.get("class") == "tick"]
    shortened = next(g for g in ticks if any(t.text == short for t in g.iter(f"{NS}text")))
    assert tooltip(shortened) == name
    assert all(tooltip(g) is None for g in ticks if g is not shortened)
    assert tooltip(bars(root, "bars")[0]) == f"{name}: 9"
    # The label column is wide enough for the shortened label and still leaves the bars room.
    plot = root.find(f"{NS}g")
    assert plot is not None
    left = int(plot.get("transform", "").split("(")[1].split()[0])
    assert len(short) * 6 < left < 640 / 2


def test_hostile_agency_name_is_escaped_in_the_bar_chart() -> None:
    svg = bar_chart("T", "D", [(HOSTILE, protect(5, 3))], chart_id="c")

    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in svg
    assert HOSTILE in tick_labels(parse(svg), "left")


@pytest.mark.parametrize(
    "rows", [[], [("Dinas", protect(0, 3))], [("Dinas", protect(1, 3)), ("Badan", HIDDEN)]]
)
def test_bar_chart_without_any_bar_still_has_an_axis(rows: list[tuple[str, Cell]]) -> None:
    root = draw_bars(rows)

    assert bars(root, "bars") == []
    assert tick_labels(root, "bottom") == ["1", "0"]  # leather puts the zero tick last


# --- column chart ---------------------------------------------------------------------------


def test_columns_by_month_with_gaps_for_suppressed_months() -> None:
    rows = [
        ("2026-01", protect(6, 3)),
        ("2026-02", protect(2, 3)),
        ("2026-03", protect(0, 3)),
        ("2026-04", HIDDEN),
        ("2026-05", protect(12, 3)),
    ]
    root = parse(column_chart("T", "D", rows, chart_id="c"))

    drawn = bars(root, "columns")
    assert [tooltip(column) for column in drawn] == ["2026-01: 6", "2026-05: 12"]
    january, may = (float(column.get("height", "")) for column in drawn)
    assert may == pytest.approx(2 * january, abs=0.5)
    assert [(node.text, tooltip(node)) for node in marks(root)] == [
        ("< 3", "2026-02: < 3"),
        ("x", "2026-04: x"),
    ]
    column_x = [float(column.get("x", "")) for column in drawn]
    mark_x = [float(node.get("x", "")) for node in marks(root)]
    assert column_x[0] < mark_x[0] < mark_x[1] < column_x[1]
    assert tick_labels(root, "bottom") == [month for month, _ in rows]


def test_many_months_label_only_some_on_the_same_calendar_months() -> None:
    rows = [(f"{2017 + i // 12}-{i % 12 + 1:02d}", protect(i % 20, 3)) for i in range(120)]
    root = parse(column_chart("T", "D", rows, chart_id="c", number=indonesian))

    labels = tick_labels(root, "bottom")
    assert 3 <= len(labels) <= 12
    assert len({label[5:] for label in labels}) == 1  # always January, say
    assert len(bars(root, "columns")) == 120 - 6 - 12  # zeros and small counts are not drawn
    # Marks in months too narrow for the text stand upright.
    assert all(node.get("transform", "").startswith("rotate(-90") for node in marks(root))


def test_column_chart_of_nothing_or_zeros() -> None:
    for rows in ([], [("2026-01", protect(0, 3)), ("2026-02", protect(0, 3))]):
        root = parse(column_chart("T", "D", rows, chart_id="c"))
        assert bars(root, "columns") == []
        assert tick_labels(root, "left") == ["1", "0"]


# --- line chart -----------------------------------------------------------------------------


def paths(root: ET.Element, color: str) -> list[str]:
    return [
        path.get("d", "")
        for path in root.iter(f"{NS}path")
        if path.get("stroke") == color and path.get("fill") == "none"
    ]


def test_suppressed_point_is_a_gap_with_its_mark() -> None:
    open_cases = [
        ("2026-01", protect(10, 3)),
        ("2026-02", protect(12, 3)),
        ("2026-03", protect(2, 3)),
        ("2026-04", protect(9, 3)),
        ("2026-05", protect(1234, 3)),
    ]
    past_deadline = [
        ("2026-01", protect(1, 3)),
        ("2026-02", protect(4, 3)),
        ("2026-03", HIDDEN),
        ("2026-04", protect(0, 3)),
        ("2026-05", protect(5, 3)),
    ]
    root = parse(
        line_chart(
            "Open and late",
            "Open cases and cases past their deadline by month",
            [("Open", open_cases), ("Past deadline", past_deadline)],
            number=indonesian,
            chart_id="backlog",
        )
    )

    first, second = (color for color, _ in LINE_STYLES)
    # Open: Jan-Feb, then Apr-May; March is missing, not zero.
    assert [d.count("L") for d in paths(root, first)] == [1, 1]
    # Past deadline: Feb alone, then Apr-May.
    assert [d.count("L") for d in paths(root, second)] == [0, 1]
    assert [(node.text, tooltip(node)) for node in marks(root)] == [
        ("< 3", "Open, 2026-03: < 3"),
        ("< 3", "Past deadline, 2026-01: < 3"),
        ("x", "Past deadline, 2026-03: x"),
    ]
    # Both March marks stand in the same month, one above the other.
    march_open, _, march_late = marks(root)
    assert march_open.get("x") == march_late.get("x")
    assert float(march_late.get("y", "")) < float(march_open.get("y", ""))
    # The lonely February point of the second line is still visible as a dot.
    dots = [tooltip(dot) for dot in root.iter(f"{NS}circle")]
    assert "Past deadline, 2026-02: 4" in dots
    assert "Open, 2026-05: 1.234" in dots
    assert "1.000" in tick_labels(root, "left")
    # The legend names both lines, the second one dashed.
    legend = next(g for g in root.iter(f"{NS}g") if g.get("class") == "legend")
    assert [node.text for node in legend.iter(f"{NS}text")] == ["Open", "Past deadline"]
    samples = list(legend.iter(f"{NS}line"))
    assert [line.get("stroke-dasharray") for line in samples] == [None, "6 3"]


def test_line_heights_follow_the_values() -> None:
    rows = [("2026-01", protect(10, 3)), ("2026-02", protect(20, 3))]
    root = parse(line_chart("T", "D", [("Open", rows)], chart_id="c"))

    (d,) = paths(root, LINE_STYLES[0][0])
    _, _, y1, _, _, y2 = d.split()
    baseline = _zero_line_y(root)
    assert baseline - float(y1) == pytest.approx((baseline - float(y2)) / 2, abs=0.5)
    assert not any(g.get("class") == "legend" for g in root.iter(f"{NS}g"))


def test_line_chart_of_nothing_or_only_suppressed_points() -> None:
    for series in ([], [("Open", [("2026-01", protect(1, 3)), ("2026-02", HIDDEN)])]):
        root = parse(line_chart("T", "D", series, chart_id="c"))
        assert list(root.iter(f"{NS}path")) == []
        assert tick_labels(root, "left") == ["1", "0"]
    assert [node.text for node in marks(root)] == ["< 3", "x"]


def test_line_chart_takes_at_most_two_lines() -> None:
    with pytest.raises(ValueError, match="at most 2"):
        line_chart("T", "D", [("a", []), ("b", []), ("c", [])], chart_id="c")


def _zero_line_y(root: ET.Element) -> float:
    """The y of the value axis's zero tick line (the baseline) in plot coordinates."""
    axis = next(g for g in root.iter(f"{NS}g") if g.get("class") == "axis left")
    for tick in axis.iter(f"{NS}g"):
        label = tick.find(f"{NS}text")
        line = tick.find(f"{NS}line")
        if label is not None and line is not None and label.text == "0":
            return float(Decimal(line.get("y1", "")))
    raise AssertionError("no zero tick")
