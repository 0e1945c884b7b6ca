"""The analyst page: saved queries, ad-hoc read-only Cypher, results, a chart and CSV."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from app.analyst.analyst_service import AnalystService, QueryResult
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


def chart_for(result: QueryResult) -> BarChart | None:
    """Bars of the first numeric column against the first text column, when there are both."""
    rows = result.rows[:CHART_ROWS]
    if not rows:
        return None
    def all_of(col: int, kinds: tuple[type, ...]) -> bool:
        return all(isinstance(r[col], kinds) and not isinstance(r[col], bool) for r in rows)
    label = next((c for c in range(len(result.columns)) if all_of(c, (str,))), None)
    value = next((c for c in range(len(result.columns)) if all_of(c, (int, float))), None)
    if value is None:
        return None
    labels = [r[label] if label is not None else str(n + 1) for n, r in enumerate(rows)]
    return bar_chart(labels, {result.columns[value]: [float(r[value]) for r in rows]},
                     description=f"{result.columns[value]} by "
                                 f"{result.columns[label] if label is not None else 'row'}")


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
        run.chart = chart_for(run.result)
    return run


def csv_filename(run: AnalystRun) -> str:
    return (re.sub(r"[^a-z0-9_]+", "_", run.saved.lower()) or "query") + ".csv"
