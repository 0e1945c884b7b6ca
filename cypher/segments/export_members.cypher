// One page of a segment's members for an audience export, in user_id order after the
// cursor ($after; null for the first page). `consented`: the profile granted the `marketing`
// purpose (exports are marketing use; the others are skipped by the caller, which still
// moves its cursor past them). `values`: the properties named in $keys, in that order;
// `identities`: [kind, value] of the profile's identities whose kind is in $identity_kinds.
MATCH (:Segment {segment_id: $segment_id})<-[r:IN_SEGMENT]-(u:User)
WHERE $after IS NULL OR u.user_id > $after
WITH u, r ORDER BY u.user_id LIMIT $limit
RETURN u.user_id AS user_id, r.since AS since,
       EXISTS { (u)-[:CONSENTED {status: 'granted'}]->(:Purpose {name: 'marketing'}) }
         AS consented,
       [k IN $keys | u[k]] AS values,
       CASE WHEN size($identity_kinds) = 0 THEN []
            ELSE [(u)<-[:IDENTIFIES]-(i:Identity) WHERE i.kind IN $identity_kinds
                  | [i.kind, i.value]] END AS identities
