// Store-wide counts for the console overview: profiles, and events timestamped since $since
// (the range index on Event.ts answers the second).
CALL () { MATCH (u:User) RETURN count(u) AS profiles }
CALL () { MATCH (e:Event) WHERE e.ts >= $since RETURN count(e) AS recent_events }
RETURN profiles, recent_events
