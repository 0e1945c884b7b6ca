// The event ids of a batch that are already stored (a retried batch).
UNWIND $ids AS id
MATCH (e:Event {event_id: id})
RETURN id
