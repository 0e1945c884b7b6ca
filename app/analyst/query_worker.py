"""Runs one analyst query in a worker process and returns the encoded answer.

Analyst queries run outside the API process: the driver turns a result into Python objects
while holding the GIL (a one-row `RETURN range(1, 5000000)` held it for over a second), and a
huge value would otherwise grow the API's memory. Here the check, the query, the row and byte
caps and the encoding all happen in the worker; the API receives finished bytes.

Only plain tuples cross the process boundary (driver exceptions do not all pickle).
"""

from __future__ import annotations

import csv
import io
import os
import re
import threading
import time
from typing import Any

import orjson
from neo4j import READ_ACCESS, Driver, GraphDatabase
from neo4j.exceptions import ClientError, CypherSyntaxError, DriverError, Neo4jError

from app.analyst.plan_check import PlanRefused, check_plan
from app.analyst.result_values import Budget, OverBudget, to_json

# ("ok", body bytes, truncated_by | None) or ("error", status, code, message, field)
Outcome = tuple[Any, ...]

_driver: Driver | None = None
_database = "neo4j"

_EXPLAIN = "EXPLAIN "
# Where the server places an error: "(line L, column C (offset: O))".
_POSITION = re.compile(r"\(line (\d+), column (\d+) \(offset: (\d+)\)\)")

# Codes of EXPLAIN failures that are mistakes in the query text rather than a refusal.
_QUERY_MISTAKES = ("SyntaxError", "SemanticError", "TypeError", "ArgumentError",
                   "ParameterMissing", "EntityNotFound", "InvalidArgument")


def init(uri: str, user: str, password: str, database: str) -> None:
    """Process initializer: one small driver per worker, at a lower CPU priority, so that
    turning a large result into JSON never takes CPU from the API's requests."""
    global _driver, _database
    os.nice(10)
    _exit_with_parent(os.getppid())
    _driver = GraphDatabase.driver(uri, auth=(user, password), max_connection_pool_size=2,
                                   connection_timeout=3.0, notifications_min_severity="OFF",
                                   user_agent="profilegraph-analyst/0.1")
    _database = database


def _exit_with_parent(parent: int, poll_s: float = 1.0) -> None:
    """A worker whose API process died without stopping it (killed, crashed) exits too:
    it would otherwise stay behind holding a driver and memory. Its parent changes when
    the API process is gone (it is re-parented)."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _error(status: int, code: str, message: str, field: str = "query") -> Outcome:
    return ("error", status, code, message, field)


def _refused(reason: str, code: str = "read_only") -> Outcome:
    if code == "read_only":
        return _error(403, code, f"refused: {reason}; analyst Cypher is read-only")
    return _error(403, code, f"refused: {reason}")


def _encode(columns: list[str], rows: list[list[Any]], truncated_by: str | None,
            as_csv: bool) -> bytes:
    if not as_csv:
        return orjson.dumps({"columns": columns, "rows": rows, "row_count": len(rows),
                             "truncated": truncated_by is not None,
                             "truncated_by": truncated_by})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([orjson.dumps(v).decode() if isinstance(v, dict | list) else v
                      for v in row] for row in rows)
    return out.getvalue().encode()


def _collect(result: Any, row_cap: int, byte_cap: int) -> tuple[list[list[Any]], str | None]:
    budget = Budget(byte_cap)
    rows: list[list[Any]] = []
    for record in result:
        if len(rows) == row_cap:
            return rows, "rows"
        try:
            rows.append([to_json(v, budget) for v in record.values()])
        except OverBudget:
            if not rows:
                raise
            return rows, "bytes"
    return rows, None


def run_query(query: str, params: dict[str, Any], timeout_s: float, row_cap: int,
              byte_cap: int, as_csv: bool) -> Outcome:
    assert _driver is not None, "worker not initialized"
    try:
        with _driver.session(database=_database, default_access_mode=READ_ACCESS) as session:
            tx = session.begin_transaction(timeout=timeout_s)
            try:
                try:
                    summary = tx.run(_EXPLAIN + query, params).consume()
                except CypherSyntaxError as exc:
                    message = _as_typed(exc.message or "syntax error")
                    if "dministration" in message or "system database" in message:
                        return _refused("administration commands are not queries")
                    return _error(400, "invalid_query", message)
                except ClientError as exc:
                    if any(part in (exc.code or "") for part in _QUERY_MISTAKES):
                        return _error(400, "invalid_query",
                                      _as_typed(exc.message or str(exc.code)))
                    return _refused("the server does not plan this as a read query")
                check_plan(summary.query_type, summary.plan, _database)
                result = tx.run(query, params)
                columns = list(result.keys())
                rows, truncated_by = _collect(result, row_cap, byte_cap)
            finally:
                tx.close()  # rolls back: a read has nothing to keep
    except PlanRefused as exc:
        return _refused(exc.reason, exc.code)
    except OverBudget:
        return _error(413, "result_too_large", f"one row is larger than {byte_cap // 1024} KB; "
                      "return less (a LIMIT, an aggregate, fewer properties)")
    except ClientError as exc:
        return _client_error(exc)
    except (Neo4jError, DriverError) as exc:
        return _error(503, "database_unavailable", f"the database is unavailable: "
                      f"{type(exc).__name__}", "")
    return ("ok", _encode(columns, rows, truncated_by, as_csv), truncated_by)


def _as_typed(message: str) -> str:
    """The server's message about the EXPLAIN it was sent, told of the query as typed: the
    prefix taken out of the quoted line and the position moved back by its length."""
    position = _POSITION.search(message)
    if position is None:
        return message
    line, column, offset = (int(g) for g in position.groups())
    shift = len(_EXPLAIN)
    first_line = line == 1
    message = (message[:position.start()]
               + f"(line {line}, column {column - shift if first_line else column} "
               f"(offset: {max(offset - shift, 0)}))" + message[position.end():])
    quoted = '\n"' + _EXPLAIN
    if first_line and quoted in message:
        # the quoted line and its caret: '\n"EXPLAIN <line>"\n<spaces>^'
        message = message.replace(quoted, '\n"', 1)
        message = re.sub(r"\n( *)\^", lambda m: "\n" + m.group(1)[shift:] + "^", message,
                         count=1)
    return message


def _client_error(exc: ClientError) -> Outcome:
    code = exc.code or ""
    message = exc.message or code
    if "TransactionTimedOut" in code or "Terminated" in code:
        return _error(408, "query_timeout", "the query ran past the analyst timeout")
    if "AccessMode" in code or "Forbidden" in code or "Security" in code:
        return _refused(message)
    if "ParameterMissing" in code:
        return _error(400, "invalid_query", message, "params")
    if "MemoryPoolOutOfMemory" in code or "OutOfMemory" in code:
        return _error(413, "result_too_large", "the query needs more memory than a "
                      "transaction may use; return less")
    return _error(400, "invalid_query", message)
