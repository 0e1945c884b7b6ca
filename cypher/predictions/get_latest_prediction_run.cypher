// The latest refresh's record.
MATCH (r:PredictionRun)
RETURN r.run_id AS run_id, r.at AS at, r.anchor AS anchor, r.status AS status,
       r.scored AS scored, r.summary AS summary
ORDER BY r.at DESC
LIMIT 1
