"""The console's access to the composition root: the one `Services` container.

Pages call these services only; none of them holds Cypher of its own.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.wiring import Services, services_of


async def console_services(request: Request) -> Services:
    return services_of(request)


ServicesDep = Annotated[Services, Depends(console_services)]
