// New events only (the batch's duplicates were filtered out in the same transaction; a
// concurrent duplicate fails the event_id constraint and the batch is retried).
UNWIND $events AS ev
MATCH (u:User {user_id: ev.user_id})
CREATE (u)-[:PERFORMED]->(e:Event)
SET e = ev.props, e.ts = datetime({epochMillis: ev.ts}), e.received_at = $received_at
WITH e, ev
UNWIND ev.lines AS line
MATCH (i:Item {item_id: line.item_id})
CREATE (e)-[:ON {quantity: line.quantity, price: line.price, position: line.position}]->(i)
