"""Bar charts as SVG, drawn on the server: no script, no other host, and every bar
carries its label and its number in text, so nothing depends on telling colours
apart. Each chart on a page also has the table it was drawn from.

One row a period or item, its series stacked in one bar (each series its own fill
and pattern, named in a legend), or, where adding them up would mean nothing (opt-outs
and opt-ins), side by side as a bar each; all against one axis with its scale written
on it, so bars can be compared within a chart. Labels sit above their bars rather than
beside them: the chart is narrow enough for a phone at its natural size, so its text
is never shrunk below what can be read (a wide chart scaled to 375 px drew 7 px text).

Hand-written rather than a plotting library: a horizontal bar chart is a few
rectangles, and the libraries that draw SVG (matplotlib, pygal) would bring far
more than they save, pygal's interactive charts also wanting script.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

WIDTH = 336  # fits a 375 px screen beside the page's margins, unscaled
PLOT = 264  # px for the longest bar; the rest is for its number
LEFT = 2
LINE = 17  # px per line of label
BAR = 18
GAP = 10
LABEL_CHARS = 44  # a longer label wraps onto a second line, never cut off
LEGEND_LINE = 22  # a legend too long for one line goes on to the next, never cut off
CHAR = 8  # px, a generous width for one character of a label at the chart's size
AXIS = 30


@dataclass(frozen=True)
class Segment:
    series: int
    value: int
    x: float
    width: float
    row: int = 0  # side by side: which of the row's bars, top to bottom


@dataclass(frozen=True)
class Bar:
    label: str
    lines: tuple[str, ...]  # the label, wrapped
    total: int
    y: int  # top of the label
    segments: tuple[Segment, ...]
    failed: bool = False  # a failure: red and cross-hatched, and its label says so
    side_by_side: bool = False  # a bar for each series, each with its own number

    @property
    def bar_y(self) -> int:
        return self.y + LINE * len(self.lines) + 2

    @property
    def end(self) -> float:
        return LEFT + sum(s.width for s in self.segments)

    @property
    def height(self) -> int:
        return LINE * len(self.lines) + BAR * (len(self.segments) if self.side_by_side else 1) + GAP


@dataclass(frozen=True)
class Tick:
    value: int
    x: float


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    bars: tuple[Bar, ...]
    series: tuple[str, ...]  # the legend; one name for a single-series chart
    ticks: tuple[Tick, ...]
    top: int  # where the first bar's label starts (below the legend)
    axis_y: int
    width: int
    height: int
    plot_left: int = LEFT

    @property
    def empty(self) -> bool:
        return not any(b.total for b in self.bars)

    @property
    def failed_labels(self) -> frozenset[str]:
        return frozenset(b.label for b in self.bars if b.failed)

    @property
    def legend(self) -> tuple[tuple[str, int, int, int], ...]:
        """(name, series, x, y) for each series."""
        return legend(self.series)


def legend(series: tuple[str, ...]) -> tuple[tuple[str, int, int, int], ...]:
    """Each series' swatch and name, left to right, on as many lines as they need."""
    if len(series) < 2:
        return ()
    out, x, y = [], LEFT, 4
    for n, name in enumerate(series):
        width = 24 + CHAR * len(name)
        if x > LEFT and x + width > WIDTH:
            x, y = LEFT, y + LEGEND_LINE
        out.append((name, n, x, y))
        x += width + 14
    return tuple(out)


def scale(most: int) -> tuple[int, int]:
    """The axis's end and its step: a round number at or above the largest value."""
    if most <= 4:
        return max(most, 1), 1
    magnitude = 10 ** int(math.floor(math.log10(most)))
    for step in (magnitude // 5 or 1, magnitude // 2 or 1, magnitude, 2 * magnitude, 5 * magnitude):
        if math.ceil(most / step) <= 5:
            return math.ceil(most / step) * step, step
    return most, most


def stacked_chart(
    id: str,
    title: str,
    series: tuple[str, ...],
    rows: list[tuple[str, tuple[int, ...]]],
    failed: frozenset[str] = frozenset(),
    side_by_side: bool = False,
) -> Chart:
    """``rows``: (label, a value for each series), drawn top to bottom, the series stacked
    in one bar or ``side_by_side``. A row whose label is in ``failed`` is drawn as a failure."""
    most = max(((max(values, default=0) if side_by_side else sum(values)) for _, values in rows), default=0)
    end, step = scale(most)
    key = legend(series)
    top = key[-1][3] + LEGEND_LINE if key else 4
    bars, y = [], top
    for label, values in rows:
        lines = tuple(textwrap.wrap(label, LABEL_CHARS) or [""])
        x, segments = float(LEFT), []
        for n, value in enumerate(values):
            width = round(PLOT * value / end, 1)
            if side_by_side:
                segments.append(Segment(n, value, float(LEFT), width, row=n))
            elif value:
                segments.append(Segment(n, value, x, width))
                x += width
        bar = Bar(label, lines, sum(values), y, tuple(segments), label in failed, side_by_side)
        bars.append(bar)
        y += bar.height
    ticks = tuple(Tick(v, round(LEFT + PLOT * v / end, 1)) for v in range(0, end + 1, step))
    return Chart(id, title, tuple(bars), series, ticks, top, y, WIDTH, y + AXIS)


def bar_chart(id: str, title: str, rows: list[tuple[str, int]], failed: frozenset[str] = frozenset(), name: str = "") -> Chart:
    """One series: (label, value) rows."""
    return stacked_chart(id, title, (name,), [(label, (value,)) for label, value in rows], failed)
