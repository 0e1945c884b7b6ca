"""Materialized segment membership, one entry point from ingest.

Intake records membership work on the profiles a batch changed, in the batch's own
transaction; `MembershipWorker.on_ingest` (the ingest listener app/wiring/ registers) is the
one way that work is applied: drained by the worker, evaluated without locks (drain.py),
applied in a short write transaction (changes.py for work evaluated under lock). The service
(service.py) also refreshes and sweeps; repository.py holds its Cypher access. The rest of
the service imports only the names below.
"""

from app.segments.membership.changes import IncrementalResult
from app.segments.membership.repository import MembershipRepository
from app.segments.membership.service import MembershipService, RefreshResult
from app.segments.membership.worker import MembershipWorker

__all__ = ["IncrementalResult", "MembershipRepository", "MembershipService", "MembershipWorker",
           "RefreshResult"]
