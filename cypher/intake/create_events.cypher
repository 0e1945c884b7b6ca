// New events only (the batch's duplicates were filtered out in the same transaction; a
// concurrent duplicate fails the event_id constraint and the batch is retried). Profiles
// and items are referenced by index into $user_eids / $item_eids (after $eid_prefix), the
// element ids intake/lock_batch returned (the nodes are locked). `seq` is the message's
// position in the write: with `received_at` it orders events of equal `ts` as they arrived.
UNWIND $events AS ev
MATCH (u) WHERE elementId(u) = $eid_prefix + $user_eids[ev.u]
CREATE (u)-[:PERFORMED]->(e:Event)
SET e += ev.props, e.ts = datetime({epochMillis: ev.ts}), e.received_at = $received_at,
    e.seq = ev.seq
WITH e, ev
UNWIND ev.lines AS line
MATCH (i) WHERE elementId(i) = $eid_prefix + $item_eids[line.i]
CREATE (e)-[:ON {quantity: line.quantity, price: line.price, position: line.position}]->(i)
