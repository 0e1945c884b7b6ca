"""The names an audience export may ask for, and the profile property each one reads.

A name is looked up as
- a computed trait (`event_count`, `rfm_r`, ...) or a predicted one (`pred_purchase_30d`,
  `pred_value_90d`, `cluster`, `cluster_label`: app/predictions writes them onto the profile
  under these names, which are also the names segment rules use) under its own name;
- `email_sha256` / `phone_sha256`: the profile's hashed identity of that kind;
- `count_<event type>` or `trait_<key>`: the property as segment rules name it;
- otherwise an identify trait by the name it was sent under (`plan` reads `trait_plan`,
  app/intake/messages.py `split_traits`).

The last two forms name data that only exists once events or identify calls brought it, so
such a name must be a property key the graph has held (Neo4j keeps every key ever written):
a name no event type or identify trait ever had is a typo, refused with a 422 naming it
rather than exported as an empty column.
"""

from __future__ import annotations

import difflib

from app.core.errors import ApiError
from app.db.database import Database
from app.segments.identifiers import COMPUTED_TRAITS, PREDICTED_TRAITS

IDENTITY_FIELDS = ("email_sha256", "phone_sha256")
# Everything intake and the prediction job keep on (:User) beside the identify traits
# (docs/graph-model.md, docs/predictions.md).
BUILT_IN = frozenset({
    "created_at", "updated_at", "first_seen", "last_seen", "last_order_at", "engagement_at",
    "cluster_label", "pred_at"}) | COMPUTED_TRAITS | PREDICTED_TRAITS


def property_of(name: str) -> str:
    """The (:User) property an export name reads (identity fields excepted)."""
    if name in BUILT_IN or name.startswith(("count_", "trait_")):
        return name
    return "trait_" + name


def _reason(name: str) -> str:
    near = difflib.get_close_matches(name, [*BUILT_IN, *IDENTITY_FIELDS], n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    return (f"{name!r} is no computed or predicted trait{hint}, and no profile ever held "
            f"{property_of(name)!r}: name an identify trait as sent (plan) or as segment "
            "rules do (trait_plan), count_<event type>, email_sha256, phone_sha256 or one of "
            + ", ".join(sorted(BUILT_IN)))


async def check_names(db: Database, names: list[str]) -> None:
    """422 naming the `traits` field and the first name that can hold no value."""
    wanted = {property_of(n) for n in names if n not in BUILT_IN and n not in IDENTITY_FIELDS}
    if not wanted:
        return
    rows = await db.read_named("segments/list_known_properties", keys=sorted(wanted))
    known = set(rows[0]["known"]) if rows else set()
    for name in names:
        if name not in BUILT_IN and name not in IDENTITY_FIELDS \
                and property_of(name) not in known:
            raise ApiError(422, "invalid_request", f"traits: unknown trait {name!r}",
                           [{"field": "traits", "reason": _reason(name)}])
