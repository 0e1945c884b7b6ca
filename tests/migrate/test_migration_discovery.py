import zlib
from pathlib import Path

import pytest

from app.core.paths import MIGRATIONS_DIR
from app.migrate.discovery import MigrationFileError, discover, load_migration


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_parses_version_description_and_crc32(tmp_path: Path) -> None:
    text = "CREATE CONSTRAINT a IF NOT EXISTS FOR (n:A) REQUIRE n.id IS UNIQUE;\n"
    m = load_migration(write(tmp_path, "V0007__add_things.cypher", text))
    assert (m.version, m.description) == ("0007", "add things")
    assert m.source == "V0007__add_things.cypher"
    assert m.checksum == str(zlib.crc32(text.encode()))
    assert m.is_schema and len(m.statements) == 1


def test_orders_numerically_and_refuses_duplicates(tmp_path: Path) -> None:
    write(tmp_path, "V10__later.cypher", "RETURN 1")
    write(tmp_path, "V2__earlier.cypher", "RETURN 1")
    assert [m.version for m in discover(tmp_path)] == ["2", "10"]
    write(tmp_path, "V002__clash.cypher", "RETURN 1")
    with pytest.raises(MigrationFileError, match="used twice"):
        discover(tmp_path)


def test_refuses_mixed_schema_and_data(tmp_path: Path) -> None:
    path = write(tmp_path, "V1__mixed.cypher",
                 "CREATE INDEX i IF NOT EXISTS FOR (n:A) ON (n.b); CREATE (:A {b: 1});")
    with pytest.raises(MigrationFileError, match="mixes schema and data"):
        load_migration(path)


def test_refuses_bad_names_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(MigrationFileError, match="expected V"):
        load_migration(write(tmp_path, "V1-bad.cypher", "RETURN 1"))
    with pytest.raises(MigrationFileError, match="no statement"):
        load_migration(write(tmp_path, "V1__empty.cypher", "// nothing here\n"))


def test_project_migrations_load() -> None:
    migrations = discover(MIGRATIONS_DIR)
    assert [m.version for m in migrations][:3] == ["0001", "0002", "0003"]
