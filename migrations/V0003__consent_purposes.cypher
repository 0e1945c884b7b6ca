// The consent purposes every deployment knows about.
UNWIND ['analytics', 'personalization', 'marketing'] AS purpose
MERGE (:Purpose {name: purpose});
