// Exposures, shoppers and exposures with a click or an order linked by recommendation_id,
// per experiment, variant and strategy served ($experiment_id null: every experiment). The
// results endpoint adds the fallback attribution window and the statistics.
// params: {"experiment_id": null}
MATCH (x:Exposure)
WHERE $experiment_id IS NULL OR x.experiment_id = $experiment_id
OPTIONAL MATCH (u:User)-[:SAW]->(x)
WITH x, u,
     EXISTS { (:Event {type: 'product_clicked'})-[:ATTRIBUTED_TO]->(x) } AS clicked,
     EXISTS { (:Event {type: 'order_completed'})-[:ATTRIBUTED_TO]->(x) } AS converted
RETURN x.experiment_id AS experiment_id, x.variant AS variant, x.strategy AS strategy,
       count(x) AS exposures, count(DISTINCT u) AS shoppers,
       sum(CASE WHEN clicked THEN 1 ELSE 0 END) AS clicked_exposures,
       sum(CASE WHEN converted THEN 1 ELSE 0 END) AS converted_exposures
ORDER BY experiment_id, variant, strategy
