import pytest
from pydantic import ValidationError

from app.core.config import Settings


def test_production_refuses_default_neo4j_password() -> None:
    for weak in ("neo4j", "password", "changeme"):
        with pytest.raises(ValidationError, match="non-default value in production"):
            Settings(environment="production", neo4j_password=weak, _env_file=None)
    with pytest.raises(ValidationError, match="non-default value in production"):
        Settings(environment="production", neo4j_password=None, _env_file=None)


def test_production_accepts_a_real_password() -> None:
    s = Settings(environment="production", neo4j_password="x9-long-random-pass", _env_file=None)
    assert s.resolved_neo4j_password() == "x9-long-random-pass"


def test_uri_follows_the_configured_bolt_port() -> None:
    assert Settings(neo4j_bolt_port=7999, _env_file=None).neo4j_uri == "bolt://127.0.0.1:7999"
    explicit = Settings(neo4j_uri="neo4j://db:7687", _env_file=None)
    assert explicit.neo4j_uri == "neo4j://db:7687"
