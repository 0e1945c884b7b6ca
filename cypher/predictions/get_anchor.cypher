// The time predictions are made as of: the latest event in the store (never the wall clock).
MATCH (e:Event)
RETURN max(e.ts) AS anchor
