// One keyset page of the users the training export reads: granted `personalization`
// consent (the CONSENTED edge is the current state), in user_id order after $after. Each page
// is its own short read transaction (trainer/read_graph.py), so a store of any size exports
// within the server's transaction timeout.
// Params: $purpose (string), $after (string: the last user_id of the previous page, '' first),
//         $limit (users per page).
MATCH (u:User)
WHERE u.user_id > $after
  AND EXISTS {
    MATCH (u)-[c:CONSENTED]->(:Purpose {name: $purpose})
    WHERE c.status = 'granted'
  }
RETURN u.user_id AS user_id
ORDER BY user_id
LIMIT $limit
