// What the model refresh decides on: how many events and items the store holds now (label
// counts, answered from Neo4j's count store) and the refresh state of the last build.
// Params: $key (the refresh's key).
CALL () { MATCH (e:Event) RETURN count(e) AS events }
CALL () { MATCH (i:Item) RETURN count(i) AS items }
OPTIONAL MATCH (m:ModelRefresh {key: $key})
RETURN events, items, properties(m) AS state
