// A lease on a background job, so one process of many runs it at a time: taken when free,
// expired, or already this holder's. Returns a row only when taken.
MERGE (l:JobLease {name: $name})
WITH l WHERE l.until IS NULL OR l.until < $now OR l.holder = $holder
SET l.holder = $holder, l.until = $until
RETURN l.holder AS holder
