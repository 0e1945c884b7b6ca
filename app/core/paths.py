"""Well-known locations inside the project checkout."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CYPHER_DIR = PROJECT_ROOT / "cypher"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
CACHE_DIR = PROJECT_ROOT / ".cache"
