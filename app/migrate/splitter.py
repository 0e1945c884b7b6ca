"""Split a Cypher script into statements on `;`, ignoring `;` inside strings and comments."""

from __future__ import annotations

SCHEMA_PREFIXES = (
    ("CREATE", "CONSTRAINT"), ("CREATE", "INDEX"), ("CREATE", "RANGE"), ("CREATE", "TEXT"),
    ("CREATE", "POINT"), ("CREATE", "FULLTEXT"), ("CREATE", "LOOKUP"), ("CREATE", "VECTOR"),
    ("DROP", "CONSTRAINT"), ("DROP", "INDEX"), ("CREATE", "OR"),
)


def split_statements(script: str) -> list[str]:
    """Statements in order, comments removed, surrounding whitespace stripped, empties dropped."""
    statements: list[str] = []
    buf: list[str] = []
    i, n = 0, len(script)
    quote: str | None = None
    while i < n:
        ch = script[i]
        nxt = script[i + 1] if i + 1 < n else ""
        if quote:
            buf.append(ch)
            if ch == "\\" and quote != "`" and nxt:
                buf.append(nxt)
                i += 2
                continue
            if ch == quote:
                quote = None
            i += 1
            continue
        if ch in ("'", '"', "`"):
            quote = ch
            buf.append(ch)
        elif ch == "/" and nxt == "/":
            end = script.find("\n", i)
            i = n if end == -1 else end
            continue
        elif ch == "/" and nxt == "*":
            end = script.find("*/", i + 2)
            if end == -1:
                raise ValueError("Unterminated /* comment in Cypher script")
            i = end + 2
            buf.append(" ")
            continue
        elif ch == ";":
            _flush(buf, statements)
        else:
            buf.append(ch)
        i += 1
    if quote:
        raise ValueError(f"Unterminated {quote} quote in Cypher script")
    _flush(buf, statements)
    return statements


def _flush(buf: list[str], out: list[str]) -> None:
    text = "".join(buf).strip()
    buf.clear()
    if text:
        out.append(text)


def is_schema_statement(statement: str) -> bool:
    words = statement.upper().split()
    if len(words) < 2:
        return False
    first, second = words[0], words[1]
    if (first, second) == ("CREATE", "OR"):
        return len(words) > 3 and words[3] in ("CONSTRAINT", "INDEX")
    return (first, second) in SCHEMA_PREFIXES
