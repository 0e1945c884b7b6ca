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
class AxisLabel:
    x: float
    text: str  # as drawn (shortened with an ellipsis when long)
    full: str  # the whole label (its tooltip)


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[AxisLabel]
    legend: list[tuple[str, str]]  # color, series name
    max_value: float
    baseline_y: float
    description: str = ""
    label_angle: int = 0  # 0: level under the bars; -45: slanted, ending under the bar


def _fmt(value: float) -> str:
    return f"{value:.4g}"


LABEL_FONT = 11
LABEL_GAP = 6  # between two level labels
SLANT_SPACING = 19  # between slanted labels' ends: their 11 px lines (13 px boxes) 13.4 px apart
MAX_LABEL = 22  # characters drawn; the rest in the tooltip


def text_width(text: str, font: float = LABEL_FONT) -> float:
    """Estimated, not measured (the server draws): a generous average advance of the UI
    fonts, so that the estimate does not come out narrower than the text."""
    return len(text) * 0.62 * font


def shorten(text: str, limit: int) -> str:
    """The text within `limit` characters, its middle elided: ids differ at their end
    ("anon:demo-anon-0837"), names at their start, and both ends stay."""
    if len(text) <= limit:
        return text
    tail = (limit - 1) // 2
    return text[:limit - 1 - tail] + "…" + text[len(text) - tail:]


def _label_layout(texts: Sequence[str], group_w: float) -> tuple[int, int]:
    """(angle, every how many groups a label is drawn) so that no two labels overlap:
    level labels when they fit as often as slanted ones would, else slanted at 45°."""
    widest = max((text_width(t) for t in texts), default=0.0)
    level_step = max(1, math.ceil((widest + LABEL_GAP) / group_w))
    slant_step = max(1, math.ceil(SLANT_SPACING / group_w))
    return (0, level_step) if level_step <= slant_step else (-45, slant_step)


def bar_chart(labels: Sequence[str], series: dict[str, Sequence[float]], *, width: int = 640,
              height: int = 220, description: str = "") -> BarChart:
    """Grouped vertical bars: one group per label, one bar per series. Axis labels never
    overlap: drawn level when they fit, else slanted, and only every n-th when even slanted
    ones would touch; each label's whole text is its tooltip."""
    top, left, right = 16, 8, 8
    n_groups, n_series = max(len(labels), 1), max(len(series), 1)
    group_w = (width - left - right) / n_groups
    # a few wide groups leave room for longer labels
    limit = min(60, max(MAX_LABEL, int((group_w - LABEL_GAP) / text_width("x"))))
    texts = [shorten(str(t), limit) for t in labels]
    widest = max((text_width(t) for t in texts), default=0.0)
    angle, step = _label_layout(texts, group_w)
    if angle:  # the first slanted label reaches left of its bar by its width x cos 45°
        left = max(left, math.ceil(widest * math.cos(math.pi / 4) - group_w / 2) + 4)
        group_w = (width - left - right) / n_groups
        angle, step = -45, max(1, math.ceil(SLANT_SPACING / group_w))
    # room under the baseline for the labels: one line, or the slanted text's drop
    bottom = 24 if angle == 0 else int(widest * math.sin(math.pi / 4)) + 24
    height = max(height, 150 + bottom)
    plot_h = height - top - bottom
    values = [v for vs in series.values() for v in vs if v is not None]
    peak = max([abs(v) for v in values], default=0.0) or 1.0
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
    axis = [AxisLabel(round(left + g * group_w + group_w / 2, 1), texts[g], str(labels[g]))
            for g in range(0, len(labels), step)]
    legend = [(PALETTE[s % len(PALETTE)], name) for s, name in enumerate(names)]
    return BarChart(width, height, bars, axis, legend, peak, top + plot_h, description, angle)


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
    label: str  # the whole id or title (its tooltip)
    kind: str  # "self", "item", "user"
    href: str | None = None
    text: str = ""  # as drawn under the node


@dataclass(frozen=True)
class GraphPicture:
    width: int
    height: int
    nodes: list[GraphNode]
    edges: list[tuple[float, float, float, float]] = field(default_factory=list)


GRAPH_FONT = 10
GRAPH_LABEL = 26  # characters drawn under a node: "anon:demo-anon-0837" whole


def neighbourhood(user_id: str, items: Sequence[dict], neighbours: Sequence[dict], *,
                  size: int = 420) -> GraphPicture:
    """The user in the centre, their items on an inner ring, other users on an outer ring,
    each linked to the items they share. Labels are drawn whole up to GRAPH_LABEL
    characters (longer ones elided in the middle, so ids keep their distinct end), and the
    picture is widened so that the outer ring's labels fit."""
    c = size / 2
    placed: list[tuple[float, float, str, str]] = [(c, c, user_id, "self")]
    edges = []
    item_pos: dict[str, tuple[float, float]] = {}
    for n, item in enumerate(items):
        a = 2 * math.pi * n / max(len(items), 1) - math.pi / 2
        x, y = round(c + size * 0.22 * math.cos(a), 1), round(c + size * 0.22 * math.sin(a), 1)
        item_pos[item["item_id"]] = (x, y)
        placed.append((x, y, item.get("title") or item["item_id"], "item"))
        edges.append((c, c, x, y))
    for n, other in enumerate(neighbours):
        a = 2 * math.pi * (n + 0.5) / max(len(neighbours), 1) - math.pi / 2
        x, y = round(c + size * 0.42 * math.cos(a), 1), round(c + size * 0.42 * math.sin(a), 1)
        placed.append((x, y, other["user_id"], "user"))
        edges.extend((x, y, *item_pos[i]) for i in other["shared"] if i in item_pos)
    texts = [shorten(str(label), GRAPH_LABEL) for _, _, label, _ in placed]
    # how far a centred label reaches past either side of the square
    overflow = [max(half - x, x + half - size) for (x, *_), half in
                zip(placed, (text_width(t, GRAPH_FONT) / 2 for t in texts), strict=True)]
    margin = math.ceil(max([0.0, *overflow])) + 4
    nodes = [GraphNode(round(x + margin, 1), y, str(label), kind, text=t)
             for (x, y, label, kind), t in zip(placed, texts, strict=True)]
    edges = [(round(x1 + margin, 1), y1, round(x2 + margin, 1), y2)
             for x1, y1, x2, y2 in edges]
    return GraphPicture(size + 2 * margin, size, nodes, edges)


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
