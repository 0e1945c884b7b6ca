"""A failed build's recorded reason is its error, not whatever its last stderr line was."""

from __future__ import annotations

from app.recommend.build_runner import REASON_CHARS, parse

RICH_TRACEBACK = """\
╭───────────────────── Traceback (most recent call last) ─────────────────────╮
│ /x/neo4j/_sync/io/_common.py:263 in on_failure                               │
│                                                                              │
│ ❱  263 │   │   raise self._hydrate_error(metadata)                          │
│   264 │                                                                      │
╰──────────────────────────────────────────────────────────────────────────────╯
ClientError: {code:
Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration} {message:
The transaction has been terminated. Retry your operation in a new transaction,
and you should see a successful result. The transaction has not completed within
the timeout specified at its start by the client. You may want to retry with a
longer timeout. }
"""

PLAIN_TRACEBACK = """\
Traceback (most recent call last):
  File "/x/trainer/build_model.py", line 12, in fit
    raise ValueError("loss='poisson' requires non-negative y and sum(y) > 0.")
ValueError: loss='poisson' requires non-negative y and sum(y) > 0.
"""


def test_the_exception_and_its_whole_message_are_kept_on_one_line() -> None:
    out = parse(1, b"", RICH_TRACEBACK.encode(), 129.2)
    assert out.outcome == "failed" and out.seconds == 129.2
    assert out.reason.startswith("build-model exited with 1: ClientError: {code: "
                                 "Neo.ClientError.Transaction.TransactionTimedOutClient")
    assert out.reason.endswith("longer timeout. }") and "\n" not in out.reason
    plain = parse(1, b"", PLAIN_TRACEBACK.encode(), 1.0)
    assert plain.reason == ("build-model exited with 1: ValueError: loss='poisson' requires "
                            "non-negative y and sum(y) > 0.")


def test_without_an_exception_line_the_last_lines_are_kept_and_the_length_is_bounded() -> None:
    lines = "\n".join(f"step {n} of the build" for n in range(10)) + "\nKilled\n"
    out = parse(137, b"", lines.encode(), 1.0)
    assert out.reason == ("build-model exited with 137: step 6 of the build step 7 of the "
                          "build step 8 of the build step 9 of the build Killed")
    long = parse(1, b"", ("RuntimeError: " + "x" * 5000).encode(), 1.0)
    assert len(long.reason) <= len("build-model exited with 1: ") + REASON_CHARS
    assert parse(1, b"", b"", 1.0).reason == "build-model exited with 1: no output"
