// A build run by hand (`profilegraph build-model`, `make model`) that promoted or kept a model
// records itself on the model refresh's state like a refresh build does
// (finish_model_refresh.cypher): its starting counts become the baseline of "events since the
// last build", so the API's refresh does not rebuild the same store at once. The lease is left
// alone: a refresh build running meanwhile still finishes and records its own.
// Params: $key, $started, $now (DateTime), $events, $items (counts when the build started),
//         $outcome ('promoted' or 'kept'), $reason, $version, $duration_s, $cpu_s.
MERGE (m:ModelRefresh {key: $key})
SET m.started_at = $started, m.finished_at = $now, m.outcome = $outcome, m.reason = $reason,
    m.version = $version, m.duration_s = $duration_s, m.cpu_s = $cpu_s, m.kind = 'manual',
    m.events_at_build = $events, m.items_at_build = $items,
    m.builds = coalesce(m.builds, 0) + 1, m.failed_in_row = 0,
    m.first_finished_at = coalesce(m.first_finished_at, $now)
RETURN m.builds AS builds
