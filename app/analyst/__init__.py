"""Read-only Cypher for analysts: the read-only check, limits and saved queries."""
