// Every destination, in id order (secrets included: the caller strips them).
MATCH (d:Destination)
RETURN d {.*} AS destination
ORDER BY d.destination_id
