"""What a serving process runs besides requests, over the services the root built."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from app.core.background import cancel_and_wait
from app.db.database import Database
from app.experiments.parts import experiment_work
from app.intake.kafka_backlog import watch_backlog
from app.recommend.fresh_items import poll_fresh_items
from app.segments.catalog_changes import CatalogChanges
from app.segments.segment_service import SegmentService
from app.wiring.root import Services

log = logging.getLogger("profilegraph.wiring")


@asynccontextmanager
async def background_work(services: Services) -> AsyncIterator[None]:
    """What a serving process runs besides requests: the promoted model loaded and polled,
    the model refresh (rebuilds in a subprocess when the store changed enough), vectors for
    items newer than the model, the membership worker (which also runs the
    periodic sweep of time-windowed segments), the experiments' exposure writer and
    attribution pass, the pruning of old message receipts, segment housekeeping
    (membership history past its retention, deletions left unfinished), catalog changes
    turned into membership work, and the refresh of predicted traits (docs/predictions.md).
    Stopped before the services
    close; the analyst's worker processes stop with them."""
    settings = services.settings
    await asyncio.to_thread(services.models.reload_if_changed)
    tasks = [asyncio.create_task(services.models.poll(settings.model_poll_interval_s),
                                 name="model-poller"),
             asyncio.create_task(poll_fresh_items(services.models,
                                                  services.recommendation_repository,
                                                  settings.fresh_items_interval_s),
                                 name="fresh-item-vectors"),
             asyncio.create_task(services.receipt_retention.run(
                 settings.message_receipt_prune_interval_s), name="receipt-retention"),
             asyncio.create_task(services.segment_housekeeping.run(
                 settings.segment_history_prune_interval_s), name="segment-housekeeping"),
             asyncio.create_task(_reindex_segments(services.segments), name="segment-reindex"),
             asyncio.create_task(CatalogChanges(Database(services.driver,
                                                         settings.neo4j_database)).run(),
                                 name="catalog-changes")]
    if settings.prediction_refresh_interval_s > 0:
        tasks.append(asyncio.create_task(services.predictions.run(
            settings.prediction_refresh_interval_s), name="prediction-refresh"))
    if settings.model_refresh_interval_s > 0:
        tasks.append(asyncio.create_task(
            services.model_refresh.run(settings.model_refresh_interval_s), name="model-refresh"))
    async with AsyncExitStack() as stack:
        stack.callback(services.analyst.close)
        for task in tasks:
            stack.push_async_callback(cancel_and_wait, task)
        services.membership_worker.start()
        stack.push_async_callback(services.membership_worker.stop)
        if settings.delivery_worker:  # destinations' deliveries (app/destinations/)
            services.delivery_worker.start()
            stack.push_async_callback(services.delivery_worker.stop)
        if services.kafka_intake is not None:  # Segment messages from a Kafka topic
            backlog = asyncio.create_task(watch_backlog(settings), name="kafka-backlog")
            stack.push_async_callback(cancel_and_wait, backlog)
            if settings.kafka_intake_consumer:
                services.kafka_intake.start()
                stack.push_async_callback(services.kafka_intake.stop)
        await stack.enter_async_context(experiment_work(services.experiments))
        yield


async def _reindex_segments(segments: SegmentService, retry_s: float = 5.0) -> None:
    """Dependency keys as this version computes them, once at start (segments saved before a
    key such as `catalog` existed get it without being saved again); retried while the
    database is unreachable, without holding up the start."""
    while True:
        try:
            await segments.reindex()
            return
        except Exception:
            log.warning("segment reindex at start failed; retrying in %.0f s", retry_s)
            await asyncio.sleep(retry_s)
