"""Server-rendered SVG charts for the leadership dashboard (issue 4), drawn with leather.

Plain Python (DESIGN.md, "Layout"). Each function returns one ``<svg>`` the page inlines
next to a table of the same numbers: no script, no style, no font or other file to load
(the CSP allows none), only presentation attributes (and a class for the one outline
the page's style sheet draws), so it also prints. The root is
``role="img"`` named by its ``<title>`` and ``<desc>``; the table beside it carries the
numbers for screen readers.

leather (plain ElementTree, presentation attributes only) does the scales, ticks, axes
and shapes; this module lays them out and adds what leather lacks: small-cell markers,
label tooltips, value labels and a legend.

A suppressed count (``Cell.value`` is None) is never drawn as a size, since its size is
exactly what must not be published (wbs/small_cells.py): it gets no bar and no point,
and its mark ("< 3" or "x") is printed where the bar would start, so it cannot be read
as zero.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import leather
import leather.svg

from wbs.small_cells import Cell

# Formats a shown count; the page passes an Indonesian format (1.234).
NumberFormat = Callable[[int], str]
# (label, count) in display order.
Rows = Sequence[tuple[str, Cell]]

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
FONT_FAMILY = "sans-serif"  # a generic family: nothing to download
FONT_SIZE = 12
# Rough average glyph width of a sans-serif font at FONT_SIZE, a little above what
# Chromium measures with DejaVu Sans (the widest common default, 6.3 at 12); used only
# to leave room for text.
CHAR_WIDTH = 0.55 * FONT_SIZE
MARK_FONT_SIZE = 9  # smallest size of an upright small-cell mark in a narrow month
TEXT_COLOR = "#1a1a1a"
GRID_COLOR = "#d4d4d4"
BASELINE_COLOR = "#4d4d4d"
BAR_COLOR = "#1f4e79"  # 9:1 against white, still dark in greyscale print
# (colour, dash pattern): the second line differs by dashes too, for greyscale print.
LINE_STYLES = (("#1f4e79", "none"), ("#a4262c", "6 3"))
TICK_SIZE = 4
ROW_HEIGHT = 24
LINE_HEIGHT = round(FONT_SIZE * 1.3)
PAD = 8

_CHART_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
# Characters XML 1.0 cannot hold at all; a name typed into the database could contain one.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MONTH = re.compile(r"(\d{4})-(\d{2})\Z")
_DECIMAL = re.compile(r"-?\d+\.\d+")
_GEOMETRY = ("x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height", "d")
# Label steps that keep month labels on the same calendar months every year.
_MONTH_STEPS = (1, 2, 3, 4, 6, 12, 24, 60, 120)

# leather reads its style from module globals (leather.theme). They are set only while
# a chart is drawn and restored afterwards, under a lock, so gunicorn's threads
# (config/gunicorn.conf.py) never draw with each other's values.
_THEME = {
    "tick_font_family": FONT_FAMILY,
    "tick_font_size": FONT_SIZE,
    "label_color": TEXT_COLOR,
    "tick_color": GRID_COLOR,
    "zero_color": BASELINE_COLOR,
    "tick_size": TICK_SIZE,
    "tick_width": 1,
}
_theme_lock = threading.Lock()


@contextmanager
def _leather_theme() -> Iterator[None]:
    with _theme_lock:
        saved = {name: getattr(leather.theme, name) for name in _THEME}
        try:
            for name, value in _THEME.items():
                setattr(leather.theme, name, value)
            yield
        finally:
            for name, value in saved.items():
                setattr(leather.theme, name, value)


def bar_chart(
    title: str,
    description: str,
    rows: Rows,
    *,
    number: NumberFormat = str,
    chart_id: str,
    width: int = 640,
) -> str:
    """Horizontal bars, one per row, top to bottom in the given order, with the value
    (or the small-cell mark) printed at the end of each bar.

    A label longer than the label column allows is cut with an ellipsis; the full label
    is the tooltip (``<title>``) of its tick and of its bar.
    """
    labels = [_clean(label) for label, _ in rows]
    cells = [cell for _, cell in rows]
    keys = [f"row{index}" for index in range(len(rows))]
    max_chars = max(8, int(width * 0.45 / CHAR_WIDTH))
    short = [_shorten(label, max_chars) for label in labels]
    value_texts = [cell.display(number) for cell in cells]
    values = [cell.value or 0 for cell in cells]

    value_scale = leather.Linear(0, max(values, default=0))
    value_ticks = _integer_ticks(value_scale)
    tick_texts = [_tick_text(number, tick) for tick in value_ticks]
    left = PAD + _text_width(short) + 2 * TICK_SIZE
    right = PAD + max(_text_width(value_texts) + 2 * TICK_SIZE, _text_width(tick_texts) // 2)
    plot_width = max(width - left - right, 40)
    plot_height = max(len(rows), 1) * ROW_HEIGHT
    height = PAD + plot_height + 2 * TICK_SIZE + LINE_HEIGHT + PAD

    # Ordinal projects its first value to the bottom; the first row belongs on top.
    row_scale = leather.Ordinal(list(reversed(keys)))
    row_label = dict(zip(keys, short, strict=True))
    root = _svg_root(chart_id, title, description, width, height)
    plot = _plot_group(root, left, PAD)
    with _leather_theme():
        value_axis = leather.Axis(ticks=value_ticks, tick_formatter=_formatter(number))
        row_axis = leather.Axis(tick_formatter=lambda key, index, count: row_label[key])
        plot.append(value_axis.to_svg(plot_width, plot_height, value_scale, "bottom"))
        row_group = row_axis.to_svg(plot_width, plot_height, row_scale, "left")
        plot.append(row_group)
        drawn = [(value, key) for value, key in zip(values, keys, strict=True) if value]
        if drawn:
            bars = leather.Bars(BAR_COLOR)
            series = leather.Series(drawn)
            plot.append(
                bars.to_svg(plot_width, plot_height, value_scale, row_scale, series, iter(()))
            )

    # Row ticks are short marks, not grid lines through the bars.
    for line in row_group.iter("line"):
        line.set("x2", "0")
    full_label = dict(zip(keys, labels, strict=True))
    value_text = dict(zip(keys, value_texts, strict=True))
    for tick, key in zip(_ticks(row_group), row_scale.ticks(), strict=True):
        if row_label[key] != full_label[key]:
            _add_title(tick, full_label[key])
    for bar, (_, key) in zip(_rects(plot), drawn, strict=True):
        _add_title(bar, f"{full_label[key]}: {value_text[key]}")

    marks = ET.SubElement(plot, "g", {"class": "values"})
    for key, cell, value, text in zip(keys, cells, values, value_texts, strict=True):
        x = value_scale.project(value, 0, plot_width) + TICK_SIZE
        y = row_scale.project(key, plot_height, 0)
        _text(marks, x, y, text, suppressed=cell.value is None, dy="0.32em")
    return _finish(root)


def column_chart(
    title: str,
    description: str,
    rows: Rows,
    *,
    number: NumberFormat = str,
    chart_id: str,
    width: int = 640,
) -> str:
    """Vertical columns by month ("2026-01" labels); with many months only some of them
    are labelled, on the same calendar months each year."""
    labels = [_clean(label) for label, _ in rows]
    cells = [cell for _, cell in rows]
    keys = [f"m{index}" for index in range(len(rows))]
    values = [cell.value or 0 for cell in cells]

    value_scale = leather.Linear(0, max(values, default=0))
    layout = _TimeLayout(width, labels, value_scale, number)
    month_scale = leather.Ordinal(keys)
    month_label = dict(zip(keys, labels, strict=True))
    root = _svg_root(chart_id, title, description, width, layout.height)
    plot = _plot_group(root, layout.left, layout.top)
    with _leather_theme():
        layout.draw_axes(plot, month_scale, [keys[i] for i in layout.labelled], month_label)
        drawn = [(key, value) for key, value in zip(keys, values, strict=True) if value]
        if drawn:
            columns = leather.Columns(BAR_COLOR)
            series = leather.Series(drawn)
            plot.append(
                columns.to_svg(
                    layout.plot_width,
                    layout.plot_height,
                    month_scale,
                    value_scale,
                    series,
                    iter(()),
                )
            )

    for column, (key, value) in zip(_rects(plot), drawn, strict=True):
        _add_title(column, f"{month_label[key]}: {number(value)}")
    marks = ET.SubElement(plot, "g", {"class": "values"})
    for key, label, cell in zip(keys, labels, cells, strict=True):
        if cell.value is None:
            x = month_scale.project(key, 0, layout.plot_width)
            layout.mark(marks, x, 0, f"{label}: {cell.display(number)}", cell.display(number))
    return _finish(root)


def line_chart(
    title: str,
    description: str,
    series: Sequence[tuple[str, Rows]],
    *,
    number: NumberFormat = str,
    chart_id: str,
    width: int = 640,
) -> str:
    """One or two lines over months (for example open cases and cases past their
    deadline), with a legend when there are two. A suppressed month is a gap in its line
    with the mark printed at the bottom of the plot, in the line's colour."""
    if len(series) > len(LINE_STYLES):
        raise ValueError(f"at most {len(LINE_STYLES)} lines, not {len(series)}")
    names = [_clean(name) for name, _ in series]
    labels: list[str] = []
    for _, points in series:
        labels += [month for month, _ in points if month not in labels]
    # Ordinal positions 1..n: leather styles a tick of value 0 as the zero line.
    position = {month: index + 1 for index, month in enumerate(labels)}
    values = [cell.value for _, points in series for _, cell in points]
    month_label = {index: _clean(month) for month, index in position.items()}

    value_scale = leather.Linear(0, max((v for v in values if v is not None), default=0))
    legend_height = LINE_HEIGHT + PAD if len(series) > 1 else 0
    layout = _TimeLayout(width, list(month_label.values()), value_scale, number, legend_height)
    month_scale = leather.Ordinal(list(month_label))
    root = _svg_root(chart_id, title, description, width, layout.height)
    if legend_height:
        _legend(root, layout.left, names)
    plot = _plot_group(root, layout.left, layout.top)
    radius = 3 if layout.slot_width >= 10 else 1.5
    with _leather_theme():
        layout.draw_axes(plot, month_scale, [i + 1 for i in layout.labelled], month_label)
        for name, (_, points), (color, dash) in zip(names, series, LINE_STYLES, strict=False):
            data = [(position[month], cell.value) for month, cell in points]
            if all(value is None for _, value in data):
                continue
            group = ET.SubElement(plot, "g", {"class": "line"})
            size = (layout.plot_width, layout.plot_height, month_scale, value_scale)
            line = leather.Line(color, 2, dash)
            group.append(line.to_svg(*size, leather.Series(data), iter(())))
            dots = leather.Dots(color, radius)
            shown = [(x, value) for x, value in data if value is not None]
            group.append(dots.to_svg(*size, leather.Series(shown), iter(())))
            for dot, (x, value) in zip(group.iter("circle"), shown, strict=True):
                _add_title(dot, f"{name}, {month_label[x]}: {number(value)}")

    marks = ET.SubElement(plot, "g", {"class": "values"})
    marked: set[int] = set()  # months that already have a mark, from the first line
    for name, (_, points), (color, _) in zip(names, series, LINE_STYLES, strict=False):
        for month, cell in points:
            if cell.value is None:
                x = month_scale.project(position[month], 0, layout.plot_width)
                tooltip = f"{name}, {month_label[position[month]]}: {cell.display(number)}"
                level = 1 if position[month] in marked else 0
                layout.mark(marks, x, level, tooltip, cell.display(number), color)
                marked.add(position[month])
    return _finish(root)


class _TimeLayout:
    """Margins, month labels and small-cell marks shared by the column and line charts."""

    def __init__(
        self,
        width: int,
        labels: list[str],
        value_scale: Any,
        number: NumberFormat,
        legend_height: int = 0,
    ) -> None:
        self.value_scale = value_scale
        self.value_ticks = _integer_ticks(value_scale)
        self.number = number
        label_width = _text_width(labels)
        # Value tick labels hang half a line above the top tick.
        self.top = PAD + legend_height + LINE_HEIGHT // 2
        self.left = PAD + _text_width([_tick_text(number, t) for t in self.value_ticks])
        self.left += 2 * TICK_SIZE
        self.plot_width = max(width - self.left - PAD - label_width // 2, 40)
        self.plot_height = round(width * 0.4)
        self.height = self.top + self.plot_height + 2 * TICK_SIZE + LINE_HEIGHT + PAD
        self.slot_width = self.plot_width / max(len(labels), 1)
        self.labelled = _labelled_months(labels, self.plot_width / (label_width + 2 * PAD))

    def draw_axes(
        self, plot: ET.Element, month_scale: Any, ticks: list[Any], month_label: dict[Any, str]
    ) -> None:
        value_axis = leather.Axis(ticks=self.value_ticks, tick_formatter=_formatter(self.number))
        month_axis = leather.Axis(
            ticks=ticks, tick_formatter=lambda key, index, count: month_label[key]
        )
        plot.append(month_axis.to_svg(self.plot_width, self.plot_height, month_scale, "bottom"))
        plot.append(value_axis.to_svg(self.plot_width, self.plot_height, self.value_scale, "left"))

    def mark(
        self,
        parent: ET.Element,
        x: Decimal,
        level: int,
        tooltip: str,
        text: str,
        color: str = TEXT_COLOR,
    ) -> None:
        """Print a small-cell mark standing on the baseline at ``x``; the mark of a second
        line (``level`` 1) stands above the first one's. Where the month is too narrow
        for the text, it is turned upright and sized to the month."""
        baseline = self.plot_height - TICK_SIZE
        text_width = _text_width([text])
        if text_width <= self.slot_width - 2:
            y = baseline - level * LINE_HEIGHT
            node = _text(parent, x, y, text, suppressed=True, anchor="middle", color=color)
        else:
            y = baseline - level * (text_width + 2 * TICK_SIZE)
            node = _text(parent, x, y, text, suppressed=True, dy="0.32em", color=color)
            node.set("font-size", str(max(MARK_FONT_SIZE, min(FONT_SIZE, round(self.slot_width)))))
            node.set("transform", f"rotate(-90 {x:.1f} {y:.1f})")
        _add_title(node, tooltip)


def _labelled_months(labels: list[str], room: float) -> list[int]:
    """Indexes of the months to label: as many as fit in ``room`` labels, every
    ``step`` months, on the same calendar months each year when labels are "YYYY-MM"."""
    count = len(labels)
    step = next((s for s in _MONTH_STEPS if count // s + 1 <= room), _MONTH_STEPS[-1])

    def month_number(index: int) -> int:
        match = _MONTH.match(labels[index])
        return int(match[1]) * 12 + int(match[2]) - 1 if match else index

    return [index for index in range(count) if month_number(index) % step == 0] or [0][:count]


def _integer_ticks(scale: Any) -> list[Decimal]:
    """leather's ticks that are whole numbers: a count has no "2.5"."""
    return [tick for tick in scale.ticks() if tick == tick.to_integral_value()]


def _formatter(number: NumberFormat) -> Callable[[Decimal, int, int], str]:
    return lambda value, index, count: _tick_text(number, value)


def _tick_text(number: NumberFormat, value: Decimal) -> str:
    return number(int(value))


def _clean(text: str) -> str:
    return _NOT_XML.sub("", str(text))


def _shorten(label: str, max_chars: int) -> str:
    return label if len(label) <= max_chars else label[: max_chars - 1].rstrip() + "…"


def _text_width(texts: Sequence[str]) -> int:
    return round(max((len(text) for text in texts), default=0) * CHAR_WIDTH)


def _svg_root(chart_id: str, title: str, description: str, width: int, height: int) -> ET.Element:
    if not _CHART_ID.match(chart_id):
        raise ValueError(f"chart_id must be a letter then letters, digits, - or _: {chart_id!r}")
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NAMESPACE,
            "class": "chart",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "viewBox": f"0 0 {width} {height}",
            "width": str(width),
            "height": str(height),
            "font-family": FONT_FAMILY,
            "font-size": str(FONT_SIZE),
        },
    )
    ET.SubElement(root, "title", {"id": f"{chart_id}-title"}).text = _clean(title)
    ET.SubElement(root, "desc", {"id": f"{chart_id}-desc"}).text = _clean(description)
    return root


def _plot_group(root: ET.Element, left: int, top: int) -> ET.Element:
    return ET.SubElement(root, "g", {"transform": leather.svg.translate(left, top)})


def _legend(root: ET.Element, left: int, names: list[str]) -> None:
    """A line sample (colour and dashes) and the name of each line, in one row."""
    legend = ET.SubElement(root, "g", {"class": "legend"})
    x = left
    y = PAD + LINE_HEIGHT // 2
    for name, (color, dash) in zip(names, LINE_STYLES, strict=False):
        sample = {"x1": str(x), "x2": str(x + 24), "y1": str(y), "y2": str(y), "stroke": color}
        sample["stroke-width"] = "2"
        if dash != "none":
            sample["stroke-dasharray"] = dash
        ET.SubElement(legend, "line", sample)
        _text(legend, Decimal(x + 30), Decimal(y), name, dy="0.32em")
        x += 30 + _text_width([name]) + 2 * PAD


def _text(
    parent: ET.Element,
    x: Decimal,
    y: Decimal | int,
    text: str,
    *,
    suppressed: bool = False,
    anchor: str = "start",
    dy: str = "0",
    color: str = TEXT_COLOR,
) -> ET.Element:
    node = ET.SubElement(
        parent,
        "text",
        {"x": f"{x:.1f}", "y": f"{y:.1f}", "dy": dy, "fill": color, "text-anchor": anchor},
    )
    if suppressed:
        # The page's style sheet gives the mark a white outline (wbs/static/style.css), so
        # it stays readable where it overlaps a neighbouring column: ``paint-order``, which
        # puts the outline behind the letters, is not a valid SVG 1.1 attribute.
        node.set("class", "suppressed")
    node.text = text
    return node


def _add_title(element: ET.Element, text: str) -> None:
    """A tooltip; SVG wants ``<title>`` as the first child."""
    title = ET.Element("title")
    title.text = text
    element.insert(0, title)


def _ticks(axis_group: ET.Element) -> list[ET.Element]:
    return [g for g in axis_group.iter("g") if g.get("class") == "tick"]


def _rects(plot: ET.Element) -> list[ET.Element]:
    return [
        rect
        for group in plot.iter("g")
        if group.get("class", "").startswith("series")
        for rect in group.iter("rect")
    ]


def _finish(root: ET.Element) -> str:
    """Round leather's many-digit Decimal coordinates to a tenth of a unit."""
    for element in root.iter():
        for name in _GEOMETRY:
            value = element.get(name)
            if value is not None:
                element.set(name, _DECIMAL.sub(_round, value))
    return ET.tostring(root, encoding="unicode")


def _round(match: re.Match[str]) -> str:
    return f"{float(match[0]):.1f}".removesuffix(".0")
