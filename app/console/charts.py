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
