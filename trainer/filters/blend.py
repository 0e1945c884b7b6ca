"""A weighted blend of graph filters, with an optional popularity exponent.

Each component's scores are divided by their typical size on validation users
(`search.score_scale`) before weighting, so weights mean shares. The scale is a
constant and the exponent multiplies every score by item degree ** `popularity`,
so the blend is still one linear item-item operator and exports like any filter.
"""

from __future__ import annotations

from dataclasses import dataclass

from recmodel.operator import FilterTerm
from trainer.filters.base import GraphFilter


@dataclass(frozen=True)
class Blend(GraphFilter):
    components: tuple[tuple[GraphFilter, float], ...]  # (filter, weight / scale)
    popularity: float = 0.0

    family = "blend"

    def terms(self) -> list[FilterTerm]:
        return [
            t.scaled(w).with_post(self.popularity) for f, w in self.components for t in f.terms()
        ]

    def label(self) -> str:
        parts = " + ".join(f"{w:.4g} * {f.label()}" for f, w in self.components)
        return f"blend[{parts}; popularity={self.popularity}]"

    def params(self) -> dict:
        return {
            "components": [
                {"family": f.family, "weight": w, "params": f.params()} for f, w in self.components
            ],
            "popularity": self.popularity,
        }
