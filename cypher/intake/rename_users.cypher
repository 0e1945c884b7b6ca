// An anonymous profile identified by a userId nobody had yet: the node keeps its edges and
// takes the new id; the change is recorded like a merge.
UNWIND $renames AS r
MATCH (u:User {user_id: r.from})
SET u.user_id = r.to, u.updated_at = r.at
CREATE (u)-[:MERGED_FROM]->(:ProfileMerge {merge_id: r.merge_id, from_user_id: r.from,
                                          at: r.at, reason: r.reason, via: r.via})
