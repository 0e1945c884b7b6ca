"""The analyst page: saved queries, ad-hoc read-only Cypher, results, a chart and CSV."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from app.analyst.analyst_service import AnalystService, ChartSpec, QueryResult
from app.analyst.plan_check import ALLOWED_PROCEDURES
from app.console.charts import BarChart, bar_chart
from app.core.errors import ApiError

CHART_ROWS = 40


@dataclass
class AnalystRun:
    query: str
    params_text: str
    saved: str
    result: QueryResult | None = None
    error: ApiError | None = None
    chart: BarChart | None = None


def policy(analyst: AnalystService) -> dict[str, Any]:
    return {"timeout_s": analyst.timeout_s, "row_cap": analyst.row_cap,
            "procedures": sorted(ALLOWED_PROCEDURES)}


def saved_queries(analyst: AnalystService) -> list[dict[str, Any]]:
    return [{"name": q.name, "description": q.description, "text": q.text,
             "params": json.dumps(q.params) if q.params else ""}
            for q in analyst.saved.values()]


def chart_for(result: QueryResult, spec: ChartSpec | None = None) -> BarChart | None:
    """Bars of the column a saved query names (`// chart:`), else of the first numeric
    column, against its label columns (joined), else the first text column."""
    rows = result.rows[:CHART_ROWS]
    if not rows:
        return None
    columns = result.columns
    def all_of(col: int, kinds: tuple[type, ...]) -> bool:
        return all(isinstance(r[col], kinds) and not isinstance(r[col], bool) for r in rows)
    if spec is not None and spec.value in columns and all_of(columns.index(spec.value),
                                                               (int, float)):
        value: int | None = columns.index(spec.value)
        label_cols = [columns.index(c) for c in spec.labels if c in columns]
    else:
        value = next((c for c in range(len(columns)) if all_of(c, (int, float))), None)
        label = next((c for c in range(len(columns)) if all_of(c, (str,))), None)
        label_cols = [label] if label is not None else []
    if value is None:
        return None
    labels = [" & ".join(str(r[c]) for c in label_cols) if label_cols else str(n + 1)
              for n, r in enumerate(rows)]
    by = " & ".join(columns[c] for c in label_cols) if label_cols else "row"
    return bar_chart(labels, {columns[value]: [float(r[value]) for r in rows]},
                     description=f"{columns[value]} by {by}")


def _params(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ApiError(400, "invalid_params", f"parameters are not valid JSON: {exc}",
                       [{"field": "params", "reason": "not JSON"}]) from None
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_params", "parameters must be a JSON object",
                       [{"field": "params", "reason": "not an object"}])
    return value


async def execute(analyst: AnalystService, query: str, params_text: str, saved: str,
                  as_csv: bool = False) -> AnalystRun:
    """Runs a saved query (by name) or the editor's text; errors are kept to show."""
    run = AnalystRun(query, params_text, saved)
    try:
        params = _params(params_text)
        if saved:
            known = analyst.saved.get(saved)
            if known is None:
                raise ApiError(404, "not_found", f"no saved query {saved!r}")
            run.query = known.text
            run.result = await analyst.run_saved(saved, params, as_csv)
        else:
            if not query.strip():
                raise ApiError(400, "invalid_query", "the query is empty")
            run.result = await analyst.run(query, params, as_csv)
    except ApiError as exc:
        run.error = exc
        return run
    if not as_csv:
        known = analyst.saved.get(saved) if saved else None
        run.chart = chart_for(run.result, known.chart if known else None)
    return run


def csv_filename(run: AnalystRun) -> str:
    return (re.sub(r"[^a-z0-9_]+", "_", run.saved.lower()) or "query") + ".csv"
