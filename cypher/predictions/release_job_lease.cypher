// Hands a lease back, if still this holder's.
MATCH (l:JobLease {name: $name, holder: $holder})
SET l.until = null
RETURN count(l) AS released
