"""The one cursor codec of the paged lists (segment members, a user's events)."""

from __future__ import annotations

import base64

import pytest

from app.core.cursor import decode_cursor, encode_cursor
from app.core.errors import ApiError


def test_round_trip_keeps_every_part() -> None:
    cursor = encode_cursor("2026-11-01T10:00:00+00:00", "evt/ä?=&")
    assert "=" not in cursor and "/" not in cursor and "+" not in cursor
    assert decode_cursor(cursor, 2) == ("2026-11-01T10:00:00+00:00", "evt/ä?=&")


@pytest.mark.parametrize("cursor", [
    "not base64 ***",
    base64.urlsafe_b64encode(b"{broken").decode(),
    encode_cursor("only-one"),  # two parts expected
    base64.urlsafe_b64encode(b"[1, 2]").decode(),  # not strings
])
def test_a_cursor_this_api_did_not_return_is_a_422_on_the_cursor_field(cursor: str) -> None:
    with pytest.raises(ApiError) as err:
        decode_cursor(cursor, 2)
    assert err.value.status_code == 422 and err.value.code == "invalid_cursor"
    assert err.value.fields == [{"field": "cursor", "reason": "not a cursor this API returned"}]
