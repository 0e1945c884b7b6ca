// One shopper's result for every node of a saved segment's condition tree, and whether the
// shopper is a materialized member (GET /v1/segments/{id}/members/{user}).
// __PREDICATES__ is replaced by the compiled per-node predicates over `u`, comma-separated
// (generated from a validated definition; every value in them is a parameter).
MATCH (u:User {user_id: $user_id})
RETURN [__PREDICATES__] AS results,
       EXISTS { (u)-[:IN_SEGMENT]->(:Segment {segment_id: $segment_id}) } AS member
