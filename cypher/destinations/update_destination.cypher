// Changes to a destination ($changes: only the fields sent, already checked).
MATCH (d:Destination {destination_id: $id})
SET d += $changes, d.updated_at = $now
RETURN d {.*} AS destination
