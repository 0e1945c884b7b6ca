"""The export's pages: keyset pages of users, each page's rows read in its own transaction,
and a page that outlasts its transaction's timeout read again in halves (trainer/read_graph.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

# Each page's transaction may run this long (the client's timeout, which Neo4j 5.3+ honours
# above the server's `db.transaction.timeout`, 60 s on the local server): a page's time
# includes the client's reading of its rows, and a build at `nice 10` on a loaded 2-core host
# may read slowly. A page that still times out is read again in halves.
PAGE_TIMEOUT_S = 300.0
TIMED_OUT = "Neo.ClientError.Transaction.TransactionTimedOut"  # also ...ClientConfiguration


def timed_out(exc: Exception) -> bool:
    return str(getattr(exc, "code", "") or "").startswith(TIMED_OUT)


def read_pages(users_after: Callable[[str, int], list[str]],
               rows_of: Callable[[list[str]], list[list]], page_users: int
               ) -> Iterator[list[list]]:
    """The export's rows page by page: keyset pages of `page_users` users (`users_after`), and
    their rows (`rows_of`). A page whose transaction timed out is read again in halves, down
    to one user, and later pages keep the smaller size: a store whose shoppers have long
    histories exports in smaller pages instead of failing the build."""
    after, size = "", page_users
    while True:
        users = users_after(after, page_users)  # ids only: cheap at any size
        done = 0
        while done < len(users):
            part = users[done:done + size]
            try:
                rows = rows_of(part)
            except Exception as exc:
                if not timed_out(exc) or size == 1:
                    raise
                size = max(1, size // 2)
                continue
            done += len(part)
            yield rows
        if len(users) < page_users:
            return
        after = users[-1]
