"""Event intake on the Segment Tracking spec: parse, resolve identities, apply consent, store."""
