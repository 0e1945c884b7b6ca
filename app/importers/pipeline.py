"""What every importer counts: the outcomes of the batches it sent through intake."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.intake.intake_service import BatchOutcome


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
