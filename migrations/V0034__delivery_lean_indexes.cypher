// Each Delivery written kept five index entries; three now (docs/destinations.md). The
// worker finds the deliveries it claimed by their element ids (returned by the claim), so the
// unique constraint on delivery_id had no reader left (the ids are random UUIDs, unique by
// construction); erasure reads a profile's deliveries through delivery_chain (every
// destination, every state) instead of delivery_user. delivery_due and delivery_chain serve
// the claim, delivery_created the console's list, replay and pruning by time.
DROP CONSTRAINT delivery_id IF EXISTS;
DROP INDEX delivery_user IF EXISTS;
