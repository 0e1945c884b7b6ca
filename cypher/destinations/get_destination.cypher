// One destination (secret included: the caller decides what leaves the service).
MATCH (d:Destination {destination_id: $id})
RETURN d {.*} AS destination
