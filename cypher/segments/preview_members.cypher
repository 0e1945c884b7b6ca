// A draft's count and its first $sample_size members in user_id order, in one row.
// The first CALL body is the draft's compiled query, spliced in.
CALL () { __SEGMENT_QUERY__ }
WITH user_id ORDER BY user_id
WITH collect(user_id) AS ids
RETURN size(ids) AS count, ids[0..$sample_size] AS sample
