"""The KRaft cluster id handed to the storage tool never starts with "-" (the tool would read
it as an option and the format fail: 1 random draw in 64)."""

from __future__ import annotations

import uuid

import pytest

from app.ops import kafka_server


def test_an_id_starting_with_a_dash_is_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([uuid.UUID(bytes=b"\xf8" + bytes(15)), uuid.UUID(bytes=bytes(16))])
    monkeypatch.setattr(kafka_server.uuid, "uuid4", lambda: next(draws))
    assert kafka_server.new_cluster_id() == "AAAAAAAAAAAAAAAAAAAAAA"


def test_ids_are_22_url_safe_characters() -> None:
    for _ in range(500):
        cluster = kafka_server.new_cluster_id()
        assert len(cluster) == 22 and not cluster.startswith("-")
