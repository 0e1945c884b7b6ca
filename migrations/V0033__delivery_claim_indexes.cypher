// The delivery claim reads through indexes instead of sorting a destination's whole queue
// (docs/destinations.md): the oldest due deliveries in next_at order (delivery_due), then
// each candidate profile's pending chain in seq order (delivery_chain). Both lead with
// (destination_id, state), so they also serve what delivery_queue did; delivery_profile had
// no reader. Each Delivery written keeps five index entries, as before.
DROP INDEX delivery_queue IF EXISTS;
DROP INDEX delivery_profile IF EXISTS;
CREATE RANGE INDEX delivery_due IF NOT EXISTS FOR (x:Delivery) ON (x.destination_id, x.state, x.next_at);
CREATE RANGE INDEX delivery_chain IF NOT EXISTS FOR (x:Delivery) ON (x.destination_id, x.state, x.user_id, x.seq);
