"""Decides, for one batch, which profile each message belongs to and which profiles merge.

Rules (applied in message order):
- a message with userId U belongs to U's profile; if U has none yet but its anonymousId
  belongs to a still-anonymous profile, that profile is identified as U (renamed);
- an anonymousId seen with U whose profile is another *anonymous* profile is merged into U's;
  one that already belongs to another known user stays there (a shared device);
- identify traits that hash to an e-mail/phone identity of an anonymous profile merge it in;
- alias(previousId, userId) merges every profile previousId names into userId's profile.
Known profiles are merged only by alias, never by a shared device or e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.intake.messages import Message

ANON_PREFIX = "anon:"
Key = tuple[str, str]


@dataclass(eq=False)
class Profile:
    user_id: str
    db_id: str | None  # user_id in the database before this batch; None when new
    parent: Profile | None = None
    renamed_by: str | None = None  # message type that identified an anonymous profile

    def root(self) -> Profile:
        p = self
        while p.parent is not None:
            p = p.parent
        return p

    @property
    def anonymous(self) -> bool:
        return self.user_id.startswith(ANON_PREFIX)


@dataclass(frozen=True)
class MergeOp:
    loser: Profile
    winner: Profile
    via: str
    reason: str


@dataclass
class Resolution:
    profile_of: dict[int, Profile] = field(default_factory=dict)  # message index -> profile
    merges: list[MergeOp] = field(default_factory=list)
    binds: dict[Key, Profile] = field(default_factory=dict)  # identities new in this batch
    profiles: list[Profile] = field(default_factory=list)


def identity_keys(messages: list[Message]) -> set[Key]:
    """Every identity the batch mentions, to look up in one query."""
    keys: set[Key] = set()
    for m in messages:
        if m.user_id:
            keys.add(("user_id", m.user_id))
        if m.anonymous_id:
            keys.add(("anonymous_id", m.anonymous_id))
        keys.update(m.identities)
        if m.previous_id:
            keys.add(("user_id", m.previous_id))
            keys.add(("anonymous_id", m.previous_id))
    return keys


class IdentityResolver:
    def __init__(self, bound_in_db: dict[Key, str]) -> None:
        self.result = Resolution()
        self._by_db_id: dict[str, Profile] = {}
        self._bound: dict[Key, Profile] = {}
        for key, user_id in bound_in_db.items():
            self._bound[key] = self._existing(user_id)

    def _existing(self, user_id: str) -> Profile:
        profile = self._by_db_id.get(user_id)
        if profile is None:
            profile = Profile(user_id, user_id)
            self._by_db_id[user_id] = profile
            self.result.profiles.append(profile)
        return profile

    def _new(self, user_id: str) -> Profile:
        profile = Profile(user_id, None)
        self.result.profiles.append(profile)
        return profile

    def _lookup(self, key: Key) -> Profile | None:
        profile = self._bound.get(key)
        return profile.root() if profile else None

    def _bind(self, key: Key, profile: Profile) -> None:
        self._bound[key] = profile
        self.result.binds[key] = profile

    def _merge(self, loser: Profile, winner: Profile, via: str, reason: str) -> None:
        loser.parent = winner
        self.result.merges.append(MergeOp(loser, winner, via, reason))

    def resolve(self, messages: list[Message]) -> Resolution:
        for m in messages:
            profile = self._profile_for(m)
            if m.type == "identify":
                for key in m.identities:
                    owner = self._lookup(key)
                    if owner is None:
                        self._bind(key, profile)
                    elif owner is not profile and owner.anonymous:
                        self._merge(owner, profile, "identify", f"matching {key[0]}")
            elif m.type == "alias" and m.previous_id:
                found = False
                for kind in ("user_id", "anonymous_id"):
                    owner = self._lookup((kind, m.previous_id))
                    if owner is None:
                        continue
                    found = True
                    if owner is not profile:
                        self._merge(owner, profile, "alias", f"alias of {kind}")
                if not found:
                    self._bind(("user_id", m.previous_id), profile)
            self.result.profile_of[m.index] = profile
        return self.result

    def _profile_for(self, m: Message) -> Profile:
        anon = self._lookup(("anonymous_id", m.anonymous_id)) if m.anonymous_id else None
        if m.user_id is None:
            if anon is None:
                anon = self._new(ANON_PREFIX + str(m.anonymous_id))
                self._bind(("anonymous_id", str(m.anonymous_id)), anon)
            return anon
        known = self._lookup(("user_id", m.user_id))
        if known is None:
            if anon is not None and anon.anonymous:
                anon.user_id, anon.renamed_by = m.user_id, m.type
                known = anon
            else:
                known = self._new(m.user_id)
            self._bind(("user_id", m.user_id), known)
        elif anon is not None and anon is not known and anon.anonymous:
            self._merge(anon, known, m.type, "anonymous activity identified")
        if m.anonymous_id and anon is None:
            self._bind(("anonymous_id", m.anonymous_id), known)
        return known
