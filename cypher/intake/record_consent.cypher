// Consent of a batch, grouped by purpose (in name order); per group, every change in
// (user, message) order. A change references its profile by index into $user_eids (the
// element ids intake/lock_batch returned). Each change is kept as a ConsentChange node; the
// CONSENTED edge holds the state of the user's last change (c.last).
// The users are write-locked by intake/lock_batch, so no other transaction can add their
// CONSENTED edges meanwhile: a plain OPTIONAL MATCH + CREATE is safe, and unlike MERGE it
// does not write-lock the Purpose nodes, which every batch shares.
// A default (source 'default': the opt-out policy made explicit on a profile the batch took
// for new) never overrides a recorded state: the profile may have been created meanwhile by a
// concurrent batch that recorded its consent.
UNWIND $purposes AS g
MATCH (p:Purpose {name: g.purpose})
CALL (p, g) {
  UNWIND g.changes AS c
  MATCH (u) WHERE elementId(u) = $eid_prefix + $user_eids[c.u]
  OPTIONAL MATCH (u)-[cur:CONSENTED]->(p)
  WITH u, p, c, cur, datetime({epochMillis: c.at}) AS at
  WHERE c.source <> 'default' OR cur IS NULL
  CREATE (u)-[:CONSENT_CHANGED]->(:ConsentChange {purpose: g.purpose, status: c.status,
                                                 at: at, source: c.source})
  WITH u, p, c, cur, at
  WHERE c.last
  FOREACH (_ IN CASE WHEN cur IS NULL THEN [1] END |
    CREATE (u)-[:CONSENTED {status: c.status, at: at, source: c.source}]->(p))
  FOREACH (_ IN CASE WHEN cur IS NOT NULL THEN [1] END |
    SET cur.status = c.status, cur.at = at, cur.source = c.source)
}
