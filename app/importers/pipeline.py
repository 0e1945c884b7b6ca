"""An intake service outside the web app, for importers and the demo loader."""

from __future__ import annotations

from dataclasses import dataclass, field

from neo4j import AsyncDriver

from app.core.config import Settings
from app.core.pii_seal import sealer
from app.db.database import Database
from app.intake.ingest_hooks import IngestHooks
from app.intake.intake_repository import IntakeRepository
from app.intake.intake_service import BatchOutcome, IntakeService


def intake_service(driver: AsyncDriver, settings: Settings) -> IntakeService:
    return IntakeService(IntakeRepository(Database(driver, settings.neo4j_database)), IngestHooks(),
                         default_granted=settings.consent_default == "opt_out",
                         seal=sealer(settings))


@dataclass
class Totals:
    stored: int = 0
    events: int = 0
    duplicates: int = 0
    dropped: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: BatchOutcome) -> None:
        self.stored += outcome.stored
        self.events += outcome.events
        self.duplicates += outcome.duplicates
        for _, reason in outcome.dropped:
            self.dropped[reason] = self.dropped.get(reason, 0) + 1
