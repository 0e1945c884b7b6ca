// Which of $keys the graph has ever held as a property key (the audience export refuses a
// trait name that no profile could have: app/segments/export_fields.py).
CALL db.propertyKeys() YIELD propertyKey
WITH propertyKey WHERE propertyKey IN $keys
RETURN collect(propertyKey) AS known
