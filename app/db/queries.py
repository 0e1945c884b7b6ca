"""Every Cypher statement the product runs, loaded once from `cypher/`.

`queries["area/verb_noun"]` returns the text of `cypher/area/verb_noun.cypher`.
Keeping statements in files means none is ever assembled from user strings.

A prefix several statements share lives once in `cypher/fragments/` and is taken in by a line
`:include fragments/<name>` (a line no Cypher tool runs, so a statement read past the catalog
fails loudly instead of running without it). Fragments are not statements of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import LiteralString, cast

from app.core.paths import CYPHER_DIR

FRAGMENTS = "fragments/"
INCLUDE = ":include "


class CypherCatalog(Mapping[str, LiteralString]):
    def __init__(self, root: Path) -> None:
        self._root = root
        self._statements: dict[str, LiteralString] = {}
        for path in sorted(root.rglob("*.cypher")):
            name = path.relative_to(root).with_suffix("").as_posix()
            if name.startswith(FRAGMENTS):
                continue
            # File contents are trusted project code, hence LiteralString.
            self._statements[name] = cast(LiteralString, self._expand(path.read_text()).strip())

    def _expand(self, text: str) -> str:
        lines = []
        for line in text.splitlines():
            if line.startswith(INCLUDE):
                fragment = self._root / f"{line.removeprefix(INCLUDE).strip()}.cypher"
                lines += [f for f in fragment.read_text().strip().splitlines()
                          if not f.startswith("//")]  # its comments say how to include it
            else:
                lines.append(line)
        return "\n".join(lines)

    def __getitem__(self, name: str) -> LiteralString:
        try:
            return self._statements[name]
        except KeyError:
            raise KeyError(f"No Cypher file cypher/{name}.cypher") from None

    def __iter__(self):
        return iter(self._statements)

    def __len__(self) -> int:
        return len(self._statements)


@lru_cache
def get_queries() -> CypherCatalog:
    return CypherCatalog(CYPHER_DIR)


queries = get_queries()
