"""Bar charts as SVG, drawn on the server: no script, no other host, and every bar
carries its label and its number in text, so nothing depends on telling colours
apart. Each chart on a page also has the table it was drawn from.

Hand-written rather than a plotting library: a horizontal bar chart is a few
rectangles, and the libraries that draw SVG (matplotlib, pygal) would bring far
more than they save, pygal's interactive charts also wanting script.
"""

from __future__ import annotations

from dataclasses import dataclass

ROW = 26  # px per bar
LABEL_WIDTH = 230
BAR_SPACE = 320
NUMBER_SPACE = 60


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: int
    width: float
    series: int  # 0, 1, ...: a second pattern for the second series, besides the label


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int = LABEL_WIDTH

    @property
    def empty(self) -> bool:
        return not self.bars


def bar_chart(id: str, title: str, rows: list[tuple[str, int]] | list[tuple[str, int, int]]) -> Chart:
    """``rows``: (label, value) or (label, value, series), drawn top to bottom."""
    most = max((row[1] for row in rows), default=0) or 1
    bars = tuple(
        Bar(label=str(row[0]), value=int(row[1]), y=n * ROW, width=round(BAR_SPACE * int(row[1]) / most, 1),
            series=int(row[2]) if len(row) > 2 else 0)
        for n, row in enumerate(rows)
    )
    return Chart(id, title, bars, LABEL_WIDTH + BAR_SPACE + NUMBER_SPACE, max(ROW, len(bars) * ROW))
