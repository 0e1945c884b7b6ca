// identify, alias and group messages of a batch, by messageId, so a replay counts them as
// duplicates. A concurrent batch carrying the same new id fails the constraint and is retried.
UNWIND $ids AS id
CREATE (:MessageReceipt {message_id: id, at: $now})
