"""Charts as PNG bytes for reports and board packs (matplotlib, Agg backend, no display needed).

matplotlib is an optional extra (`pip install 'saferhub[charts]'`): everything else works without
it, and asking for a chart without it raises ChartsUnavailable with that instruction.
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLOURS = {
    "red": "#c0392b",
    "amber": "#f39c12",
    "green": "#27ae60",
    "blue": "#2e86c1",
    "grey": "#95a5a6",
}
PALETTE = ("#2e86c1", "#27ae60", "#f39c12", "#c0392b", "#8e44ad", "#16a085", "#7f8c8d")


class ChartsUnavailable(RuntimeError):
    """matplotlib is not installed; the message says how to install it."""


def series_colour(name: str, index: int) -> str:
    """A series named after a colour ("Red", "Blue (closed)") gets that colour; others the palette."""
    words = name.lower().split()
    first = words[0] if words else ""
    return COLOURS.get(first, PALETTE[index % len(PALETTE)])


def stacked_bar_png(title: str, categories: list[str], series: dict[str, list[int]]) -> bytes:
    """A stacked bar per category (e.g. per source), one segment per series, counts written in.

    Each list in `series` has one value per category, in the order of `categories`.
    """
    return png(stacked_bar_figure(title, categories, series))


def png(figure: Figure) -> bytes:
    """`figure` as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def stacked_bar_figure(title: str, categories: list[str], series: dict[str, list[int]]) -> Figure:
    """The figure `stacked_bar_png` draws; its axis counts items, so its ticks are whole numbers."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError as error:
        raise ChartsUnavailable("Charts need matplotlib: pip install 'saferhub[charts]'") from error
    for name, values in series.items():
        if len(values) != len(categories):
            raise ValueError(
                f"series {name!r} has {len(values)} values for {len(categories)} categories"
            )
    figure = Figure(figsize=(max(6.0, 1.8 * len(categories) + 3), 5.0), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(categories)))
    bottoms = [0] * len(categories)
    tallest = max((sum(column) for column in zip(*series.values(), strict=True)), default=0)
    for index, (name, values) in enumerate(series.items()):
        bars = axes.bar(
            positions,
            values,
            bottom=bottoms,
            label=name,
            color=series_colour(name, index),
            edgecolor="white",
            width=0.6,
        )
        labels = [str(v) if v and v >= tallest * 0.04 else "" for v in values]
        axes.bar_label(bars, labels=labels, label_type="center", color="white", fontweight="bold")
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    axes.set_xticks(positions, [textwrap.fill(c, 18) for c in categories])
    axes.set_ylabel("Items")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 2.5 items
    axes.set_title(title)
    axes.spines[["top", "right"]].set_visible(False)
    if series:
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    figure.tight_layout()
    return figure
