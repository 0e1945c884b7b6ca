"""The experiment parts the composition root (app/wiring/) builds, and the background work a
serving process runs for them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from app.experiments.attribution import AttributionListener
from app.experiments.experiment_service import ExperimentService
from app.experiments.exposure_recorder import ExposureRecorder
from app.experiments.serving import ExperimentServing


@dataclass(frozen=True)
class ExperimentParts:
    service: ExperimentService
    serving: ExperimentServing
    exposures: ExposureRecorder
    attribution: AttributionListener

    async def close(self) -> None:
        await self.serving.close()


@asynccontextmanager
async def experiment_work(parts: ExperimentParts) -> AsyncIterator[None]:
    """The exposure writer (which first replays what an earlier process left in the journal)
    and the attribution pass; on exit a last flush, whatever fails stays journaled."""
    parts.exposures.start()
    parts.attribution.start()
    try:
        yield
    finally:
        await parts.attribution.close()
        await parts.exposures.close()
