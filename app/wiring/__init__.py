"""The composition root: every service is built here (root.py, features.py) over one driver,
for the app's lifespan, every CLI command and the importers alike."""

from app.wiring.background import background_work
from app.wiring.root import Services, open_services, services_of

__all__ = ["Services", "background_work", "open_services", "services_of"]
