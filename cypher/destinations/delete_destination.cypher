// The destination and the deliveries still left for it (destinations/delete_deliveries has
// removed the bulk in batches first). One row: deleted (0 for an unknown id).
OPTIONAL MATCH (d:Destination {destination_id: $id})
CALL (d) {
  OPTIONAL MATCH (x:Delivery {destination_id: $id}) WHERE d IS NOT NULL
  DELETE x
}
DETACH DELETE d
RETURN count(d) AS deleted
