// Gauges: profiles with membership work pending, and those whose work failed at least once.
MATCH (u:User) WHERE u.membership_pending IS NOT NULL
RETURN count(u) AS pending, count(u.membership_failures) AS failed,
       min(u.membership_pending) AS oldest
