"""Numbers as people read them: in reasons a marketer reads, and money rounded to cents.

Stored totals stay exact sums (rounding each addition would drift); rounding happens only
where a value is presented (profile response, audience export, reasons).
"""

from __future__ import annotations

import math


def cents(value: float | None) -> float | None:
    """A money amount rounded to cents for presentation (2017.2000000000003 -> 2017.2)."""
    return None if value is None else round(value, 2)


def readable(value: int | float) -> str:
    """A number in plain decimal notation, never scientific.

    Whole numbers print without decimals, other numbers of 1 or more with two (money reads
    that way), smaller ones with three significant digits. Thousands are grouped from 10,000
    up, so a year or a four-digit amount reads as written (2010, 1000)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value == int(value):
        whole = int(value)
        return f"{whole:,}" if abs(whole) >= 10_000 else str(whole)
    magnitude = abs(value)
    if magnitude >= 1:
        return f"{value:,.2f}" if magnitude >= 10_000 else f"{value:.2f}"
    digits = min(2 - math.floor(math.log10(magnitude)), 12)
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
