"""Segments: definitions as data, compiled to one parameterized Cypher query each."""
