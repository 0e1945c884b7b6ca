// The claimed profiles' work is applied (same transaction): clear it.
UNWIND $user_ids AS uid
MATCH (u:User {user_id: uid})
REMOVE u.membership_pending, u.membership_marked, u.membership_types, u.membership_renamed, u.membership_failures
