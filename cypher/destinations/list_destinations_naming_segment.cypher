// Destinations subscribed to $segment_id by id (a "*" subscription names no one segment).
MATCH (d:Destination)
WHERE $segment_id IN d.segment_ids
RETURN d.destination_id AS destination_id, d.segment_ids AS segment_ids
ORDER BY destination_id
