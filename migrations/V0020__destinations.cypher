// Destinations and their durable outbox (docs/destinations.md): one (:Delivery) per change
// and destination, written in the transaction of the change. The delivery worker reads a
// destination's pending ones, erasure finds a profile's, pruning finds old ones by time.
CREATE CONSTRAINT destination_id IF NOT EXISTS FOR (d:Destination) REQUIRE d.destination_id IS UNIQUE;
CREATE CONSTRAINT delivery_id IF NOT EXISTS FOR (x:Delivery) REQUIRE x.delivery_id IS UNIQUE;
CREATE RANGE INDEX delivery_queue IF NOT EXISTS FOR (x:Delivery) ON (x.destination_id, x.state);
CREATE RANGE INDEX delivery_profile IF NOT EXISTS FOR (x:Delivery) ON (x.destination_id, x.user_id);
CREATE RANGE INDEX delivery_user IF NOT EXISTS FOR (x:Delivery) ON (x.user_id);
CREATE RANGE INDEX delivery_created IF NOT EXISTS FOR (x:Delivery) ON (x.created_at);
