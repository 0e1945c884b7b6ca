// The identify traits a batch changes on its profiles, among $keys (stored names; ['*']:
// all), read before intake/upsert_users writes them (same transaction, profiles locked).
// $rows: [{u: index into $user_eids, traits, created}]; a profile the batch created had
// none before. One row per profile with changes: u, changes [{key, value, previous}].
UNWIND $rows AS row
MATCH (u) WHERE elementId(u) = $eid_prefix + $user_eids[row.u]
WITH row, [k IN keys(row.traits) WHERE ('*' IN $keys OR k IN $keys)
           AND (row.created OR u[k] IS NULL OR u[k] <> row.traits[k])
         | {key: k, value: row.traits[k], previous: CASE WHEN row.created THEN null
                                                          ELSE u[k] END}] AS changes
WHERE size(changes) > 0
RETURN row.u AS u, changes
