// bench/delivery_cost.py: an active webhook destination to claim for.
MERGE (d:Destination {destination_id: $dest})
SET d.active = true, d.kind = 'webhook'
