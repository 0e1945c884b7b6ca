"""API keys: scopes, hashing, the key store and the per-request scope check."""
