"""The decision parts, built for the composition root (app/wiring.py)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.admission import Admission
from app.core.config import Settings
from app.db.database import Database
from app.decisions.decision_service import DecisionService
from app.decisions.experiments import PlacementExperiments, start_check
from app.decisions.metrics import WAITING
from app.decisions.placement_repository import PlacementRepository
from app.decisions.placement_service import PlacementService
from app.experiments.experiment_repository import ExperimentRepository
from app.experiments.experiment_service import ExperimentService
from app.experiments.exposure_recorder import ExposureRecorder


@dataclass(frozen=True)
class DecisionParts:
    placements: PlacementService
    decisions: DecisionService
    experiments: PlacementExperiments
    admission: Admission

    async def close(self) -> None:
        await self.experiments.close()


def build_decisions(settings: Settings, database: Database, exposures: ExposureRecorder,
                    experiment_service: ExperimentService) -> DecisionParts:
    """Placements and decisions over the experiments' exposure writer; a placement
    experiment's start is checked against the stored placements."""
    repository = PlacementRepository(database)
    placements = PlacementService(repository)
    tests = PlacementExperiments(ExperimentRepository(database), exposures)
    experiment_service.on_change.append(tests.invalidate)
    experiment_service.start_checks.append(start_check(repository.get, repository.get_version))
    return DecisionParts(placements, DecisionService(repository, placements, tests, settings),
                         tests, Admission(settings.decision_max_concurrency, WAITING))
