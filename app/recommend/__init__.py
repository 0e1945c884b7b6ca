"""Recommendations: the served model artifact, live scoring, popularity fallback."""
