"""Read-only Cypher for analysts: checked with EXPLAIN, run in a READ transaction with a
timeout and a row cap, never committed.

The query text is the analyst's input by design; it runs as sent, never spliced into other
Cypher. Three gates stand before anything runs: a scan for clauses that reach outside the
graph (LOAD CSV, USE, IN TRANSACTIONS), EXPLAIN (the plan must be a read, query type 'r', and
call only allow-listed read procedures), and the READ access mode of the session, which the
server enforces as a backstop.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neo4j import READ_ACCESS, AsyncDriver
from neo4j.exceptions import ClientError, CypherSyntaxError

from app.analyst.result_values import to_json
from app.core.errors import ApiError
from app.core.paths import CYPHER_DIR

# Read-only procedures an analyst may call; everything else (dbms.*, db.create*, ...) is refused.
ALLOWED_PROCEDURES = frozenset({
    "db.labels", "db.relationshiptypes", "db.propertykeys", "db.schema.visualization",
    "db.schema.nodetypeproperties", "db.schema.reltypeproperties",
})
_STRINGS_AND_COMMENTS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|//[^\n]*|"
                                   r"/\*.*?\*/", re.S)
# a keyword, not a property (`n.use`), label (`:Use`) or parameter (`$use`) of that name
_KW = r"(?<![.:\w$])"
_REFUSED_CLAUSES = {
    _KW + r"LOAD\s+CSV\b": "LOAD CSV reads files and URLs",
    _KW + r"USE\b(?!\s*:)": "USE switches databases",
    _KW + r"IN\s+(?:\d+\s+CONCURRENT\s+)?TRANSACTIONS\b": "CALL ... IN TRANSACTIONS batches writes",
    _KW + r"PERIODIC\s+COMMIT\b": "periodic commit writes in batches",
    _KW + r"TERMINATE\b": "TERMINATE is an administration command",
    _KW + r"SHOW\s+(?:\w+\s+)*?(?:TRANSACTIONS?|SETTINGS?|USERS?|ROLES?|PRIVILEGES?|SERVERS?|"
    r"DATABASES?|ALIAS(?:ES)?)\b": "SHOW of server state is an administration command",
    _KW + r"(?:GRANT|DENY|REVOKE|ALTER)\b": "security and database administration commands",
}
_NAME_LINE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class AnalystRefused(ApiError):
    def __init__(self, reason: str) -> None:
        super().__init__(403, "read_only", f"refused: {reason}; analyst Cypher is read-only",
                         [{"field": "query", "reason": reason}])


@dataclass(frozen=True)
class SavedQuery:
    name: str
    description: str
    params: dict[str, Any]
    text: str


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool

    def as_json(self) -> dict[str, Any]:
        return {"columns": self.columns, "rows": self.rows, "row_count": len(self.rows),
                "truncated": self.truncated}

    def as_csv(self) -> str:
        """A header row, then one row per record; maps and lists as JSON text."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.columns)
        writer.writerows([json.dumps(v) if isinstance(v, dict | list) else v for v in row]
                         for row in self.rows)
        return out.getvalue()


def load_saved(root: Path = CYPHER_DIR / "analytics") -> dict[str, SavedQuery]:
    """`cypher/analytics/<name>.cypher`; header comments give the description and
    `// params: {json}` the default parameters."""
    saved = {}
    for path in sorted(root.glob("*.cypher")):
        text = path.read_text()
        description, params = [], {}
        for line in text.splitlines():
            if not line.startswith("//"):
                break
            body = line[2:].strip()
            if body.startswith("params:"):
                params = json.loads(body.removeprefix("params:"))
            else:
                description.append(body)
        if _NAME_LINE.match(path.stem):
            saved[path.stem] = SavedQuery(path.stem, " ".join(description), params, text)
    return saved


def _procedures(plan: Any) -> list[str]:
    """Names of procedures a plan calls (ProcedureCall operators, any depth)."""
    found = []
    stack = [plan]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        op = str(node.get("operatorType", ""))
        if op.startswith("ProcedureCall"):
            details = str(node.get("args", {}).get("Details", ""))
            found.append(details.split("(")[0].strip().lower())
        stack.extend(node.get("children", []))
    return found


def _operators(plan: Any) -> set[str]:
    ops: set[str] = set()
    stack = [plan]
    while stack:
        node = stack.pop()
        if node:
            ops.add(str(node.get("operatorType", "")).split("@")[0])
            stack.extend(node.get("children", []))
    return ops


class AnalystService:
    def __init__(self, driver: AsyncDriver, database: str, timeout_s: float, row_cap: int,
                 saved: Mapping[str, SavedQuery] | None = None) -> None:
        self._driver = driver
        self._database = database
        self._timeout_s = timeout_s
        self._row_cap = row_cap
        self.timeout_s = timeout_s
        self.row_cap = row_cap
        self.saved = dict(saved if saved is not None else load_saved())

    @staticmethod
    def screen(query: str) -> None:
        bare = _STRINGS_AND_COMMENTS.sub(" ", query).upper()
        for pattern, reason in _REFUSED_CLAUSES.items():
            if re.search(pattern, bare):
                raise AnalystRefused(reason)

    async def _check_plan(self, tx: Any, query: str, params: dict[str, Any]) -> None:
        result = await tx.run("EXPLAIN " + query, params)
        summary = await result.consume()
        if summary.query_type != "r":
            kinds = {"w": "writes", "rw": "writes", "s": "schema changes"}
            raise AnalystRefused(kinds.get(summary.query_type or "", "not a read query"))
        plan = summary.plan or {}
        for name in _procedures(plan):
            if name not in ALLOWED_PROCEDURES:
                raise AnalystRefused(f"procedure {name} is not an allowed read procedure")
        if {"LoadCSV"} & _operators(plan):
            raise AnalystRefused("LOAD CSV reads files and URLs")

    async def run(self, query: str, params: Mapping[str, Any] | None = None) -> QueryResult:
        self.screen(query)
        params = dict(params or {})
        async with self._driver.session(database=self._database,
                                        default_access_mode=READ_ACCESS) as session:
            tx = await session.begin_transaction(timeout=self._timeout_s)
            try:
                await self._check_plan(tx, query, params)
                # the transaction carries the timeout (set at begin); the server enforces it
                result = await tx.run(query, params)  # type: ignore[arg-type]
                columns = list(result.keys())
                rows: list[list[Any]] = []
                truncated = False
                async for record in result:
                    if len(rows) == self._row_cap:
                        truncated = True
                        break
                    rows.append([to_json(v) for v in record.values()])
            except CypherSyntaxError as exc:
                raise ApiError(400, "invalid_query", exc.message or "syntax error",
                               [{"field": "query", "reason": exc.message or "syntax error"}]
                               ) from None
            except ClientError as exc:
                raise self._client_error(exc) from None
            finally:
                await tx.close()  # rolls back: a read has nothing to keep, nothing is committed
        return QueryResult(columns, rows, truncated)

    @staticmethod
    def _client_error(exc: ClientError) -> ApiError:
        code = exc.code or ""
        if "TransactionTimedOut" in code or "Terminated" in code:
            return ApiError(408, "query_timeout", "the query ran past the analyst timeout")
        if "AccessMode" in code or "Forbidden" in code or "Security" in code:
            return AnalystRefused(exc.message or "not allowed in a read transaction")
        if "ParameterMissing" in code:
            return ApiError(400, "invalid_query", exc.message or "missing parameter",
                            [{"field": "params", "reason": exc.message or "missing"}])
        return ApiError(400, "invalid_query", exc.message or code,
                        [{"field": "query", "reason": exc.message or code}])

    async def run_saved(self, name: str, params: Mapping[str, Any] | None = None
                        ) -> QueryResult:
        saved = self.saved.get(name)
        if saved is None:
            raise ApiError(404, "not_found", f"no saved query {name!r}")
        return await self.run(saved.text, {**saved.params, **(params or {})})
