"""The access line's timestamp text is datetime's, whatever the fraction (pure logic)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from app.core.logging import utc_iso_ms


def test_the_timestamp_is_datetimes_isoformat_to_the_millisecond() -> None:
    rng = random.Random(7)
    edges = [0.0, 1.0, 1.9995, 1.9999995, 1.0000005, 1733371200.9999996, 1733371200.0005,
             -0.5, -1.9999996, 1262304000.123456]
    values = edges + [rng.uniform(0, 4e9) for _ in range(20_000)] + [
        1733371200 + rng.randrange(1_000_000) / 1e6 for _ in range(20_000)]
    for value in values:
        assert utc_iso_ms(value) == datetime.fromtimestamp(value, UTC).isoformat(
            timespec="milliseconds"), value
