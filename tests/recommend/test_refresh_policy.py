"""When the model refresh builds (app/recommend/refresh_policy.py: pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.recommend.refresh_policy import RefreshPolicy, RefreshState, decide

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
POLICY = RefreshPolicy(min_new_events=100, min_new_items=5, max_age_s=3600, cooldown_s=120,
                       full_interval_s=6 * 3600)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def state(**kw) -> RefreshState:
    base = {"events": 1000, "items": 50, "has_model": True, "started_at": ago(600),
            "finished_at": ago(590), "outcome": "promoted", "events_at_build": 1000,
            "items_at_build": 50, "last_full_at": ago(600)}
    return RefreshState(**{**base, **kw})


def test_a_store_without_a_model_is_built_at_once_and_an_empty_one_is_not():
    first = decide(RefreshState(500, 10, False), POLICY, NOW, full_available=False)
    assert first.build and first.why == "no model is promoted" and first.kind == "quick"
    assert not decide(RefreshState(0, 0, False), POLICY, NOW, False).build
    nothing = state(has_model=False, outcome="empty")
    assert not decide(nothing, POLICY, NOW, False).build  # nothing new since an empty export
    assert decide(state(has_model=False, outcome="empty", events=1001), POLICY, NOW,
                  False).build


def test_enough_new_events_or_items_start_a_build_after_the_cooldown():
    assert not decide(state(events=1099), POLICY, NOW, False).build
    assert decide(state(events=1100), POLICY, NOW, False).why == "100 new events"
    assert decide(state(items=55), POLICY, NOW, False).why == "5 new items"
    busy = state(events=5000, started_at=ago(60))
    assert not decide(busy, POLICY, NOW, False).build  # an import in progress: once per 120 s


def test_a_store_that_went_quiet_after_a_smaller_burst_is_built():
    tail = state(events=1040)  # an import's last 40 events after the last build started
    assert not decide(tail, POLICY, NOW, False).build
    assert not decide(state(events=1040, quiet_s=59), POLICY, NOW, False).build
    quiet = decide(state(events=1040, quiet_s=61), POLICY, NOW, False)
    assert quiet.build and quiet.why.startswith("the store went quiet")
    assert not decide(state(events=1005, quiet_s=600), POLICY, NOW, False).build  # a trickle


def test_any_change_rebuilds_an_old_model_and_no_change_never_does():
    old = state(events=1001, finished_at=ago(3601), started_at=ago(3700))
    assert decide(old, POLICY, NOW, False).build
    assert not decide(state(finished_at=ago(90_000), started_at=ago(90_100)), POLICY, NOW,
                      False).build


def test_a_running_build_is_left_alone_and_a_failure_is_retried_with_backoff():
    running = state(events=5000, lease_until=NOW + timedelta(seconds=30))
    assert decide(running, POLICY, NOW, False).why == "a build is running"
    failed = state(outcome="failed", failed_in_row=3, started_at=ago(300))
    assert not decide(failed, POLICY, NOW, False).build  # 120 s x 4 after 3 failures in a row
    assert decide(state(outcome="failed", failed_in_row=3, started_at=ago(500)), POLICY, NOW,
                  False).why == "the last build failed"


def test_a_full_build_when_the_train_extra_is_there_and_the_last_full_one_is_old():
    due = state(events=2000, last_full_at=ago(7 * 3600))
    assert decide(due, POLICY, NOW, full_available=True).kind == "full"
    assert decide(due, POLICY, NOW, full_available=False).kind == "quick"
    assert decide(state(events=2000), POLICY, NOW, full_available=True).kind == "quick"
    # a new store is built quick first; its first full build comes an interval later
    assert decide(RefreshState(500, 10, False), POLICY, NOW, True).kind == "quick"
    young = state(events=2000, last_full_at=None, first_finished_at=ago(3600))
    assert decide(young, POLICY, NOW, True).kind == "quick"
    old = state(events=2000, last_full_at=None, first_finished_at=ago(7 * 3600))
    assert decide(old, POLICY, NOW, True).kind == "full"
