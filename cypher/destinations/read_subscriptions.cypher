// What the active destinations subscribe to besides segments (read inside an intake batch's
// transaction, so the batch's outbox follows the destinations as they are at its commit).
MATCH (d:Destination {active: true})
RETURN reduce(a = [], d IN collect(d) | a + d.trait_keys) AS trait_keys,
       reduce(a = [], d IN collect(d) | a + d.event_types) AS event_types
