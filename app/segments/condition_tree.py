"""What every condition language in the project shares (segment conditions, placement rule
conditions): the strict pydantic base, the `and`/`or`/`not` tree walked by its `type`, and the
operator/value shape checks. Decisions build on it; it imports nothing from them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    # Unknown keys are mistakes in a definition (a typo'd `within_day` must not be ignored).
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


Node = TypeVar("Node")


def children(node: Node) -> list[Node]:
    """The sub-conditions of an `and`/`or` (`conditions`) or `not` (`condition`) node."""
    kind = getattr(node, "type", None)
    if kind in ("and", "or"):
        return list(node.conditions)  # type: ignore[attr-defined]
    if kind == "not":
        return [node.condition]  # type: ignore[attr-defined]
    return []


def walk(node: Node) -> Iterator[Node]:
    """Pre-order: the node, then its children left to right."""
    yield node
    for child in children(node):
        yield from walk(child)


def depth(node: Any) -> int:
    return 1 + max((depth(c) for c in children(node)), default=0)


def pointers(node: Node, path: str) -> list[tuple[str, Node]]:
    """(JSON pointer, condition) in pre-order, `path` being the root's pointer."""
    out = [(path, node)]
    if getattr(node, "type", None) == "not":
        return out + pointers(node.condition, f"{path}/condition")  # type: ignore[attr-defined]
    for n, child in enumerate(children(node)):
        out += pointers(child, f"{path}/conditions/{n}")
    return out


def check_value_fits_op(op: str, value: object,
                        check_single: Callable[[str, object], None]) -> None:
    """'exists' takes true, false or no value and 'in' a non-empty list; any other operator
    one value, which `check_single(op, value)` checks for its language."""
    if op == "exists":
        if value is not None and not isinstance(value, bool):
            raise ValueError("'exists' takes true, false or no value")
    elif op == "in":
        if not isinstance(value, list) or not value:
            raise ValueError("'in' needs a non-empty list of values")
    else:
        check_single(op, value)
