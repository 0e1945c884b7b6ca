// How many segments test item fields (their dependency keys hold 'catalog').
MATCH (s:Segment) WHERE 'catalog' IN coalesce(s.depends_on, [])
RETURN count(s) AS n
