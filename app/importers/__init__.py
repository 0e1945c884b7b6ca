"""Bulk loaders. They build the same messages as the HTTP intake and store them through the
same pipeline, so identities, consent, items and computed traits follow one set of rules."""
