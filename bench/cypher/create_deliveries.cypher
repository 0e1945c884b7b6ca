// bench/delivery_cost.py: $n pending deliveries of destination $dest, one per profile.
UNWIND range(1, $n) AS i
CREATE (:Delivery {delivery_id: 'msg_' + replace(randomUUID(), '-', ''), destination_id: $dest,
                   user_id: $run + '-' + toString(i), seq: 1, type: 'segment.entered',
                   segment_id: 'bench', at: datetime(), created_at: datetime(),
                   next_at: datetime(), state: 'pending', attempts: 0})
