"""Chart geometry for inline SVG, computed server-side (the templates only draw it).

Small on purpose: grouped bars, a sparkline and a radial neighbourhood picture cover every
chart the console shows, with no charting library in the browser.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

PALETTE = ("#1f5fa8", "#c2410c", "#15803d", "#7e22ce", "#a16207")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    color: str
    title: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, str]]  # x centre, text
    legend: list[tuple[str, str]]  # color, series name
    max_value: float
    baseline_y: float
    description: str = ""


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def bar_chart(labels: Sequence[str], series: dict[str, Sequence[float]], *, width: int = 640,
              height: int = 220, description: str = "") -> BarChart:
    """Grouped vertical bars: one group per label, one bar per series."""
    top, bottom, left, right = 16, 40, 8, 8
    plot_h = height - top - bottom
    values = [v for vs in series.values() for v in vs if v is not None]
    peak = max([abs(v) for v in values], default=0.0) or 1.0
    n_groups, n_series = max(len(labels), 1), max(len(series), 1)
    group_w = (width - left - right) / n_groups
    bar_w = max(group_w * 0.8 / n_series, 1.0)
    bars, names = [], list(series)
    for s, name in enumerate(names):
        color = PALETTE[s % len(PALETTE)]
        for g, value in enumerate(series[name]):
            if value is None:
                continue
            h = abs(value) / peak * plot_h
            x = left + g * group_w + group_w * 0.1 + s * bar_w
            bars.append(Bar(round(x, 1), round(top + plot_h - h, 1), round(bar_w - 1, 1),
                            round(h, 1), color, f"{labels[g]} · {name}: {_fmt(value)}"))
    step = max(1, math.ceil(n_groups / 12))  # at most ~12 axis labels
    label_pos = [(round(left + g * group_w + group_w / 2, 1), str(labels[g])[:14])
                 for g in range(0, len(labels), step)]
    legend = [(PALETTE[s % len(PALETTE)], name) for s, name in enumerate(names)]
    return BarChart(width, height, bars, label_pos, legend, peak, top + plot_h, description)


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: str
    title: str


def sparkline(values: Sequence[float], title: str, *, width: int = 120, height: int = 28
              ) -> Sparkline:
    if not values:
        values = [0.0]
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    step = width / max(len(values) - 1, 1)
    pts = " ".join(f"{round(n * step, 1)},{round(height - 2 - (v - lo) / span * (height - 4), 1)}"
                   for n, v in enumerate(values))
    return Sparkline(width, height, pts, title)


@dataclass(frozen=True)
class GraphNode:
    x: float
    y: float
    label: str
    kind: str  # "self", "item", "user"
    href: str | None = None


@dataclass(frozen=True)
class GraphPicture:
    width: int
    height: int
    nodes: list[GraphNode]
    edges: list[tuple[float, float, float, float]] = field(default_factory=list)


def neighbourhood(user_id: str, items: Sequence[dict], neighbours: Sequence[dict], *,
                  size: int = 420) -> GraphPicture:
    """The user in the centre, their items on an inner ring, other users on an outer ring,
    each linked to the items they share."""
    c = size / 2
    nodes = [GraphNode(c, c, user_id, "self")]
    edges = []
    item_pos: dict[str, tuple[float, float]] = {}
    for n, item in enumerate(items):
        a = 2 * math.pi * n / max(len(items), 1) - math.pi / 2
        x, y = round(c + size * 0.22 * math.cos(a), 1), round(c + size * 0.22 * math.sin(a), 1)
        item_pos[item["item_id"]] = (x, y)
        nodes.append(GraphNode(x, y, item.get("title") or item["item_id"], "item"))
        edges.append((c, c, x, y))
    for n, other in enumerate(neighbours):
        a = 2 * math.pi * (n + 0.5) / max(len(neighbours), 1) - math.pi / 2
        x, y = round(c + size * 0.42 * math.cos(a), 1), round(c + size * 0.42 * math.sin(a), 1)
        nodes.append(GraphNode(x, y, other["user_id"], "user"))
        edges.extend((x, y, *item_pos[i]) for i in other["shared"] if i in item_pos)
    return GraphPicture(size, size, nodes, edges)


@dataclass(frozen=True)
class Interval:
    label: str
    low_x: float | None
    high_x: float | None
    value_x: float | None
    y: float
    color: str
    title: str


@dataclass(frozen=True)
class IntervalPlot:
    width: int
    height: int
    rows: list[Interval]
    zero_x: float | None  # where 0 falls, when it is inside the axis
    axis: list[tuple[float, str]]  # x, tick text
    axis_y: float
    label_w: int
    description: str = ""


def interval_plot(rows: Sequence[tuple[str, float | None, float | None, float | None]], *,
                  width: int = 560, row_h: int = 30, description: str = "") -> IntervalPlot:
    """Horizontal confidence intervals, one row per (label, value, low, high): a dot at the
    estimate and a line across the interval, on one shared axis."""
    label_w, right, top = 110, 16, 8
    ends = [v for _, value, low, high in rows for v in (value, low, high) if v is not None]
    lo, hi = min([*ends, 0.0]), max([*ends, 0.0])
    span = (hi - lo) or 1.0
    lo, hi = lo - span * 0.05, hi + span * 0.05
    plot_w = width - label_w - right

    def x_of(v: float | None) -> float | None:
        return None if v is None else round(label_w + (v - lo) / (hi - lo) * plot_w, 1)

    out = []
    for n, (label, value, low, high) in enumerate(rows):
        text = (f"{label}: {_fmt(value)} ({_fmt(low)} to {_fmt(high)})"
                if None not in (value, low, high) else f"{label}: no estimate yet")
        out.append(Interval(str(label)[:16], x_of(low), x_of(high), x_of(value),
                            top + n * row_h + row_h / 2, PALETTE[n % len(PALETTE)], text))
    axis_y = top + len(rows) * row_h + 4
    ticks = [(x_of(lo + (hi - lo) * k / 4) or 0.0, _fmt(lo + (hi - lo) * k / 4))
             for k in range(5)]
    return IntervalPlot(width, int(axis_y + 22), out, x_of(0.0), ticks, axis_y, label_w,
                        description)
