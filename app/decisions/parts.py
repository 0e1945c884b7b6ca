"""The decision parts the composition root (app/wiring/) builds."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.admission import Admission
from app.decisions.decision_service import DecisionService
from app.decisions.experiments import PlacementExperiments
from app.decisions.placement_service import PlacementService


@dataclass(frozen=True)
class DecisionParts:
    placements: PlacementService
    decisions: DecisionService
    experiments: PlacementExperiments
    admission: Admission

    async def close(self) -> None:
        await self.experiments.close()
