// bench/live.py: a segment's materialized members, to compare with its compiled query.
MATCH (:Segment {segment_id: $s})<-[:IN_SEGMENT]-(u:User)
RETURN u.user_id AS id
