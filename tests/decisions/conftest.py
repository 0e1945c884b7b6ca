"""The experiments' app fixtures (own exposure journal, opt-out consent), for placement
experiments."""

from tests.experiments.conftest import api, exp_app, exp_settings  # noqa: F401
