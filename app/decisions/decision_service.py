"""Decisions: which variant of a placement a shopper sees now, and why.

One read per decision (the placement, the profile's consent, traits, predictions, segments,
the context item's category and any experiment assignment); rules are evaluated here. A
shopper without personalization consent, or unknown, gets the default without any of their
data being read.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote, urlencode

from cachetools import LRUCache

from app.core.config import Settings
from app.core.errors import ApiError
from app.decisions import metrics
from app.decisions.definition import DecisionContext, DecisionPreviewRequest, PlacementDefinition
from app.decisions.evaluate import Choice, ShopperFacts, decide
from app.decisions.experiments import PlacementExperiments
from app.decisions.placement_repository import FactsRow, PlacementRepository
from app.decisions.placement_service import PlacementService
from app.decisions.schemas import (
    ChosenVariant,
    Decision,
    DecisionPreview,
    RuleRef,
    RuleTrace,
    SlotOut,
)
from app.experiments.schemas import ExperimentTag
from app.segments.identifiers import PREDICTED_TRAITS

NO_CONSENT = "no personalization consent: the default is served"
UNKNOWN = "unknown shopper: the default is served"


class DecisionService:
    def __init__(self, repository: PlacementRepository, placements: PlacementService,
                 experiments: PlacementExperiments, settings: Settings) -> None:
        self._repository = repository
        self._placements = placements
        self._experiments = experiments
        self._settings = settings  # the consent policy is read per request
        # Parsed definitions by (placement, version): a version never changes once stored.
        self._parsed: LRUCache[tuple[str, int], PlacementDefinition] = LRUCache(1024)

    def _parse(self, placement_id: str, version: int, text: str) -> PlacementDefinition:
        key = (placement_id, version)
        parsed = self._parsed.get(key)
        if parsed is None:
            parsed = PlacementDefinition.model_validate_json(text)
            self._parsed[key] = parsed
        return parsed

    async def _facts(self, placement_id: str | None, id_: str, context: DecisionContext,
                     versions: list[int] | None = None,
                     experiment_id: str | None = None) -> FactsRow:
        return await self._repository.facts(
            placement_id=placement_id, versions=versions or [], id_=id_,
            opt_out=self._settings.consent_default == "opt_out",
            context_item=context.context_item, experiment_id=experiment_id)

    async def decide(self, id_: str, placement_id: str, context: DecisionContext) -> Decision:
        test = await self._experiments.running(placement_id)
        row = await self._facts(placement_id, id_, context,
                                test.pinned_versions if test else None,
                                test.experiment_id if test else None)
        if row.version is None or row.definition is None:
            raise ApiError(404, "not_found", f"no placement {placement_id!r}",
                           [{"field": "placement", "reason": "no such placement"}])
        definition = self._parse(placement_id, row.version, row.definition)
        version, decision_id = row.version, uuid.uuid4().hex
        if row.user_id is None or not row.allowed:
            outcome = "unknown_user" if row.user_id is None else "no_consent"
            metrics.DECISIONS.labels(placement_id, outcome).inc()
            return Decision(placement_id=placement_id, version=version,
                            user_id=row.user_id or id_, decision_id=decision_id,
                            variant=_variant(definition, definition.default,
                                             row.user_id or id_),
                            rule=None, reason=UNKNOWN if row.user_id is None else NO_CONSENT,
                            personalized=False)
        tag = None
        enrolled = (self._experiments.enroll(test, row.user_id, row.segments, row.assigned)
                    if test else None)
        if test is not None and enrolled is not None:
            name, strategy = enrolled
            pinned = strategy.placement_version
            if pinned is not None and pinned != version and pinned in row.pinned:
                definition, version = self._parse(placement_id, pinned,
                                                  row.pinned[pinned]), pinned
            tag = ExperimentTag(experiment_id=test.experiment_id, variant=name)
        choice = decide(definition, _shopper(row, context))
        metrics.DECISIONS.labels(placement_id, "rule" if choice.rule else "default").inc()
        if test is not None and tag is not None:
            self._experiments.record(decision_id=decision_id, test=test, variant=tag.variant,
                                     placement_id=placement_id, content_id=choice.variant,
                                     user_id=row.user_id)
        return Decision(placement_id=placement_id, version=version, user_id=row.user_id,
                        decision_id=decision_id,
                        variant=_variant(definition, choice.variant, row.user_id),
                        rule=_rule(choice), reason=choice.reason, personalized=True,
                        experiment=tag)

    async def preview(self, request: DecisionPreviewRequest) -> DecisionPreview:
        """The decision for one shopper with every rule's result; nothing is served,
        recorded or enrolled. A draft's segments are checked like a put's."""
        if request.placement is not None:
            await self._placements.check_segments(request.placement)
        row = await self._facts(request.placement_id, request.user_id, request.context)
        if request.placement is not None:
            definition, version = request.placement, None
        elif row.version is None or row.definition is None:
            raise ApiError(404, "not_found", f"no placement {request.placement_id!r}",
                           [{"field": "/placement_id", "reason": "no such placement"}])
        else:
            definition = self._parse(request.placement_id or "", row.version, row.definition)
            version = row.version
        user_id = row.user_id or request.user_id
        if row.user_id is None or not row.allowed:
            return DecisionPreview(
                placement_id=definition.id, version=version, user_id=user_id,
                variant=_variant(definition, definition.default, user_id), rule=None,
                reason=UNKNOWN if row.user_id is None else NO_CONSENT, personalized=False,
                trace=[], segments=[], predictions={})
        choice = decide(definition, _shopper(row, request.context), trace=True)
        return DecisionPreview(
            placement_id=definition.id, version=version, user_id=user_id,
            variant=_variant(definition, choice.variant, user_id), rule=_rule(choice),
            reason=choice.reason, personalized=True,
            trace=[RuleTrace(index=t.index, name=t.name, variant=t.variant, matched=t.matched,
                             explanation=t.explanation) for t in choice.trace],
            segments=sorted(row.segments),
            predictions={k: row.properties.get(k) for k in sorted(PREDICTED_TRAITS)})


def _shopper(row: FactsRow, context: DecisionContext) -> ShopperFacts:
    ctx: dict[str, Any] = {"device": context.device, "page": context.page,
                           "context_item": context.context_item,
                           "context_category": row.context_category}
    return ShopperFacts(user_id=row.user_id or "", properties=row.properties,
                        segments=row.segments, granted=row.granted, context=ctx)


def _rule(choice: Choice) -> RuleRef | None:
    return RuleRef(index=choice.rule.index, name=choice.rule.name) if choice.rule else None


def _variant(definition: PlacementDefinition, content_id: str, user_id: str) -> ChosenVariant:
    v = definition.variant(content_id)
    slot = None
    if v.recommendation is not None:
        query = {"limit": v.recommendation.limit}
        if v.recommendation.category:
            query["category"] = v.recommendation.category
        slot = SlotOut(limit=v.recommendation.limit, category=v.recommendation.category,
                       href=f"/v1/users/{quote(user_id, safe='')}/recommendations?"
                            + urlencode(query))
    return ChosenVariant(id=v.id, title=v.title, image_url=v.image_url, link=v.link,
                         recommendation=slot)
