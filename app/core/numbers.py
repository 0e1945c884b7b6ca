"""Numbers as people read them: in reasons a marketer reads, and money rounded to cents.

Stored totals stay exact sums (rounding each addition would drift); rounding happens only
where a value is presented (profile response, audience export, reasons).

In a reason, a threshold the marketer wrote reads as written (`as_written`: the shortest
text that is exactly that number, 9,999.999 or 0.9996), and an observed value reads rounded
(`readable`) unless the rounding would change how it compares with the thresholds beside it:
then it gets more decimals, one at a time, until it compares with each as the value does
(`observed`). So `revenue ≤ 9,999.999 (10,000.00)` or `< 1 (1)` can never be printed for a
comparison that said otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

GROUP_FROM = 10_000  # a year or a four-digit amount reads as written (2010, 1000)


def cents(value: float | None) -> float | None:
    """A money amount rounded to cents for presentation (2017.2000000000003 -> 2017.2)."""
    return None if value is None else round(value, 2)


def _grouped(text: str) -> str:
    """`text` (plain decimal) with thousands grouped when it reads 10,000 or more (judged on
    the text: 9999.9991 rounded reads 10,000.00)."""
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, dot, decimals = digits.partition(".")
    if int(whole) < GROUP_FROM:
        return text
    return f"{sign}{int(whole):,}{dot}{decimals}"


def as_written(value: int | float) -> str:
    """The shortest plain decimal that is exactly `value` (never scientific, never rounded):
    9999.999 -> "9999.999", 0.9996 -> "0.9996", 1e-05 -> "0.00001", 12345.5 -> "12,345.5"."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value == int(value):
        return _grouped(str(int(value)))
    text = format(Decimal(repr(value)), "f")  # repr: the shortest text that round-trips
    return _grouped(text)


def readable(value: int | float) -> str:
    """A number in plain decimal notation, never scientific, rounded for reading.

    Whole numbers print without decimals, other numbers of 1 or more with two (money reads
    that way), smaller ones with three significant digits. Thousands are grouped from 10,000
    up."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value == int(value):
        return _grouped(str(int(value)))
    magnitude = abs(value)
    if magnitude >= 1:
        return _grouped(f"{value:.2f}")
    digits = min(2 - math.floor(math.log10(magnitude)), 12)
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _order(a: Decimal | float, b: Decimal | float) -> int:
    return (a > b) - (a < b)


def _agrees(text: str, value: float, thresholds: Sequence[int | float]) -> bool:
    shown = Decimal(text.replace(",", ""))
    return all(_order(shown, Decimal(repr(t)) if isinstance(t, float) else Decimal(t))
               == _order(value, t) for t in thresholds)


def observed(value: int | float, thresholds: Sequence[int | float] = ()) -> str:
    """An observed value rounded as `readable` does, with more decimals where rounding would
    make it compare with one of `thresholds` otherwise than it does (0.9996 against 1 reads
    0.9996, not 1; 10,000.0004 against 10000 reads 10,000.0004, not 10,000)."""
    text = readable(value)
    usable = [t for t in thresholds if isinstance(t, int | float) and not isinstance(t, bool)
              and math.isfinite(t)]
    if not usable or not isinstance(value, int | float) or not math.isfinite(value) \
            or _agrees(text, value, usable):
        return text
    exact = as_written(value)
    for decimals in range(len(text.partition(".")[2]) + 1, 18):
        text = _grouped(f"{value:.{decimals}f}".rstrip("0").rstrip("."))
        if len(text) >= len(exact):
            break
        if _agrees(text, value, usable):
            return text
    return exact
