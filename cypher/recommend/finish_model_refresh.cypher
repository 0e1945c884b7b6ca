// Record a build's outcome and free the lease (only the lease holder does). The counts it
// started from become the baseline of "events since the last build".
// Params: $key, $owner, $now (DateTime), $outcome ('promoted', 'kept', 'empty', 'failed'),
//         $reason, $version, $duration_s, $cpu_s, $kind ('quick' or 'full').
MATCH (m:ModelRefresh {key: $key})
WHERE m.lease_owner = $owner
SET m.finished_at = $now, m.outcome = $outcome, m.reason = $reason, m.version = $version,
    m.duration_s = $duration_s, m.cpu_s = $cpu_s, m.kind = $kind,
    m.events_at_build = m.starting_events, m.items_at_build = m.starting_items,
    m.builds = coalesce(m.builds, 0) + 1,
    m.failures = coalesce(m.failures, 0) + CASE $outcome WHEN 'failed' THEN 1 ELSE 0 END,
    m.failed_in_row = CASE $outcome WHEN 'failed' THEN coalesce(m.failed_in_row, 0) + 1
                      ELSE 0 END,
    m.first_finished_at = coalesce(m.first_finished_at, $now),
    m.last_full_at = CASE WHEN $kind = 'full' AND $outcome <> 'failed' THEN $now
                          ELSE m.last_full_at END,
    m.lease_owner = null, m.lease_until = null, m.running_kind = null
RETURN m.builds AS builds
