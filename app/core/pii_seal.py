"""Optional encrypted copies of e-mail and phone identities (Fernet: AES-128-CBC + HMAC).

Matching never needs them (it uses the hashes); they exist only so a GDPR export can show a
person the addresses held about them. Without PROFILEGRAPH_PII_ENCRYPTION_KEY nothing but the
hash is stored.
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography.fernet import Fernet, InvalidToken

from app.core.config import Settings

Seal = Callable[[str], str]
Open = Callable[[str], str | None]


def _fernet(settings: Settings) -> Fernet | None:
    key = settings.pii_encryption_key
    return Fernet(key.get_secret_value().encode()) if key is not None else None


def sealer(settings: Settings) -> Seal | None:
    fernet = _fernet(settings)
    if fernet is None:
        return None
    return lambda value: fernet.encrypt(value.encode()).decode()


def opener(settings: Settings) -> Open | None:
    fernet = _fernet(settings)
    if fernet is None:
        return None

    def open_(token: str) -> str | None:
        try:
            return fernet.decrypt(token.encode()).decode()
        except InvalidToken:  # sealed under another key
            return None

    return open_
