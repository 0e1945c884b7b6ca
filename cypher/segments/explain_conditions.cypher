// One shopper's result for every node of a condition tree (the preview's explanation).
// __PREDICATES__ is replaced by the compiled per-node predicates over `u`, comma-separated
// (generated from a validated definition; every value in them is a parameter).
MATCH (u:User {user_id: $user_id})
RETURN [__PREDICATES__] AS results
