// Pending segment-membership work is a timestamp on the profile; the worker reads the oldest.
CREATE RANGE INDEX user_membership_pending IF NOT EXISTS FOR (u:User) ON (u.membership_pending);
// identify, alias and group messages already applied, by messageId (a replay is a duplicate).
CREATE CONSTRAINT message_receipt_id IF NOT EXISTS FOR (r:MessageReceipt) REQUIRE r.message_id IS UNIQUE;
