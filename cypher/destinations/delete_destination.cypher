// The destination goes first, so no new delivery is queued for it; its deliveries follow
// (destinations/delete_deliveries, in batches; pruning removes any a crash left behind).
MATCH (d:Destination {destination_id: $id})
DETACH DELETE d
RETURN count(*) AS deleted
