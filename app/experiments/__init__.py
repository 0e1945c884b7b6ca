"""Experiments: A/B tests and bandits over recommendation strategies, with exposures,
attribution from ordinary Segment events, and results with honest statistics."""
