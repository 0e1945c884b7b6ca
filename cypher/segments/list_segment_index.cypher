// What the membership runtime needs of every segment: definition and dependency index.
MATCH (s:Segment)
WHERE s.definition IS NOT NULL
RETURN s.segment_id AS segment_id, s.version AS version, s.definition AS definition,
       coalesce(s.depends_on, []) AS depends_on, coalesce(s.time_dependent, false) AS time_dependent
