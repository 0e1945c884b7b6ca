// bench/delivery_cost.py: its destination and deliveries.
MATCH (d:Destination {destination_id: $dest})
OPTIONAL MATCH (x:Delivery {destination_id: $dest})
DETACH DELETE x, d
