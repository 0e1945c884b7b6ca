// Dependency keys (closure over references) and clock dependence, for every segment.
UNWIND $rows AS row
MATCH (s:Segment {segment_id: row.segment_id})
SET s.depends_on = row.depends_on, s.time_dependent = row.time_dependent,
    s.references = row.references
