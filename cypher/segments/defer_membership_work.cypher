// The oldest pending membership work failed to apply on its own: kept, counted, and retried
// after $retry_at, so the profiles queued behind it are not held up.
MATCH (u:User) WHERE u.membership_pending <= $now
WITH u ORDER BY u.membership_pending LIMIT 1
SET u.membership_failures = coalesce(u.membership_failures, 0) + 1,
    u.membership_pending = $retry_at
RETURN u.user_id AS user_id, u.membership_failures AS failures
