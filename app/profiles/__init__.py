"""Profiles: the master user record, its events, consent, export and erasure."""
