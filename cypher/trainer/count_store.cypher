// The store's event and item counts (label counts, from Neo4j's count store) when a build
// run by hand starts: what the model refresh compares later counts with
// (cypher/recommend/get_model_refresh.cypher counts the same way).
CALL () { MATCH (e:Event) RETURN count(e) AS events }
CALL () { MATCH (i:Item) RETURN count(i) AS items }
RETURN events, items
