"""Chart geometry (pure logic): axis labels that never overlap and stay inside the chart,
the saved query's own chart column, and neighbourhood labels that keep ids apart."""

from __future__ import annotations

import itertools
import math

import orjson
import pytest

from app.analyst.analyst_service import QueryResult, load_saved
from app.console.analyst_view import chart_for
from app.console.charts import (
    GRAPH_FONT,
    LABEL_GAP,
    SLANT_SPACING,
    bar_chart,
    neighbourhood,
    text_width,
)


def _result(columns: list[str], rows: list[list]) -> QueryResult:
    return QueryResult(orjson.dumps({"columns": columns, "rows": rows}), "application/json",
                       None)


@pytest.mark.parametrize("labels", [
    [f"category-{n}" for n in range(40)],  # the analyst's 40 rows
    [f"a-rather-long-segment-name-{n}" for n in range(12)],
    ["Kitchen", "Garden", "Books"],
    [f"{m:02d}-{d:02d}" for m in (1, 2) for d in range(1, 16)],  # a month of days
])
def test_axis_labels_do_not_overlap_and_stay_inside(labels: list[str]) -> None:
    chart = bar_chart(labels, {"n": [float(n) for n in range(len(labels))]})
    drawn = chart.labels
    assert drawn, "some labels are drawn"
    for a, b in itertools.pairwise(drawn):
        if chart.label_angle == 0:
            need = (text_width(a.text) + text_width(b.text)) / 2 + LABEL_GAP
            assert b.x - a.x >= need - 0.1, (a, b)
        else:
            assert b.x - a.x >= SLANT_SPACING - 0.1, (a, b)
    for label in drawn:
        w = text_width(label.text)
        reach = w if chart.label_angle == 0 else w * math.cos(math.pi / 4)
        left = label.x - (w / 2 if chart.label_angle == 0 else reach)
        assert left >= 0 and label.x + (w / 2 if chart.label_angle == 0 else 0) <= chart.width
        drop = 16 if chart.label_angle == 0 else 12 + w * math.sin(math.pi / 4)
        assert chart.baseline_y + drop <= chart.height
        assert label.full in labels and (label.text == label.full or "…" in label.text)
    # every label when they fit, else evenly spaced ones
    step = labels.index(drawn[1].full) - labels.index(drawn[0].full) if len(drawn) > 1 else 1
    assert len(drawn) == math.ceil(len(labels) / step)


def test_segment_overlap_plots_the_shared_members() -> None:
    spec = load_saved()["segment_overlap"].chart
    result = _result(["segment_a", "segment_b", "size_a", "size_b", "both"],
                     [["buyers", "vip", 900, 40, 38], ["buyers", "kitchen", 900, 300, 120]])
    chart = chart_for(result, spec)
    assert chart is not None
    assert chart.legend == [("#1f5fa8", "both")]
    assert [b.title for b in chart.bars] == ["buyers & vip · both: 38",
                                            "buyers & kitchen · both: 120"]
    assert chart.description == "both by segment_a & segment_b"
    # an ad-hoc query keeps the first numeric column by the first text column
    plain = chart_for(result)
    assert plain is not None and plain.legend[0][1] == "size_a"


def test_neighbourhood_labels_keep_ids_apart_and_inside_the_picture() -> None:
    others = [{"user_id": f"anon:demo-anon-{n:04d}", "shared": ["i1"]} for n in (837, 838, 839)]
    others.append({"user_id": "anon:" + "x" * 40 + "-tail-0001", "shared": ["i1"]})
    pic = neighbourhood("anon:demo-anon-0836", [{"item_id": "i1", "title": "Nordic Mug"}],
                        others)
    users = [n for n in pic.nodes if n.kind == "user"]
    assert [n.text for n in users[:3]] == [o["user_id"] for o in others[:3]]
    assert len({n.text for n in users}) == len(users)
    assert users[3].text.endswith("-tail-0001") and "…" in users[3].text
    assert users[3].label == others[3]["user_id"]
    for node in pic.nodes:
        half = text_width(node.text, GRAPH_FONT) / 2
        assert node.x - half >= 0 and node.x + half <= pic.width, node
