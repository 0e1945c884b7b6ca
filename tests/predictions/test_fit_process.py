"""The prediction fit runs in a child process (serving keeps its core and its GIL), and what
comes back is the fit the same events make in this process."""

from __future__ import annotations

import os

import pandas as pd

from app.predictions.features import normalize
from app.predictions.fit_process import fit_off_process
from app.predictions.training import refresh
from tests.predictions.history import END, as_frame, shop


async def test_the_fit_runs_in_a_child_and_matches_the_fit_in_process() -> None:
    events = normalize(as_frame(shop(n_users=120, denied=0)))
    result = await fit_off_process(events)
    assert result.pid != os.getpid()
    here = refresh(events)
    assert here.anchor == END
    pd.testing.assert_frame_equal(result.scores, here.scores)
    assert result.summary == here.summary


async def test_a_failing_fit_is_an_error_naming_the_child() -> None:
    bad = pd.DataFrame({"user_id": ["a"]})  # no timestamps: the fit cannot run
    try:
        await fit_off_process(bad)
    except RuntimeError as exc:
        assert "prediction fit exited 1" in str(exc)
    else:
        raise AssertionError("a failing fit returned")
