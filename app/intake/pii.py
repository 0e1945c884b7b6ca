"""E-mail and phone values are personal data: they are stored as SHA-256 hashes.

Hashes of the normalized value let two sources that know the same address match the same
profile without the address itself being kept. Free text is scrubbed too: an e-mail address
inside a longer string becomes `sha256:<hash>`, and a phone number inside one (a `+` or
separators, 9 to 15 digits) becomes `[phone]`. Only when PROFILEGRAPH_PII_ENCRYPTION_KEY is
set is an encrypted copy kept as well (app/core/pii_seal.py), for the GDPR export.
"""

from __future__ import annotations

import hashlib
import re

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[\d\s().\-/]{7,24}$")
EMAIL_KEYS = frozenset({"email", "e_mail", "email_address", "emailaddress", "mail"})
PHONE_KEYS = frozenset({"phone", "phone_number", "phonenumber", "mobile", "mobile_phone", "tel"})


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalize_email(value: str) -> str:
    return value.strip().lower()


def normalize_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return ("+" if value.strip().startswith("+") else "") + digits


def looks_like_email(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 320:
        return False
    return EMAIL_RE.match(value.strip()) is not None


def looks_like_phone(value: object) -> bool:
    if not isinstance(value, str) or PHONE_RE.match(value.strip()) is None:
        return False
    return sum(ch.isdigit() for ch in value) >= 7


def identity_of(key: str, value: object) -> tuple[str, str, str] | None:
    """(kind, hash, normalized value) when a trait is an e-mail or phone number, else None."""
    k = key.lower()
    if looks_like_email(value) and (k in EMAIL_KEYS or "@" in str(value)):
        normalized = normalize_email(str(value))
        return "email_sha256", sha256_hex(normalized), normalized
    if k in PHONE_KEYS and looks_like_phone(value):
        normalized = normalize_phone(str(value))
        return "phone_sha256", sha256_hex(normalized), normalized
    return None


EMAIL_IN_TEXT_RE = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# a phone number inside text: a leading + or separators between digit groups, 9-15 digits
PHONE_IN_TEXT_RE = re.compile(r"(?<![\w+])(?:\+\d[\d \-.()/]{7,20}\d|\(?\d{2,5}\)?"
                              r"(?:[ \-./]\d{2,5}){2,5})(?!\w)")


_DATE_RE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}")


def _phone_digits_ok(match: re.Match[str]) -> bool:
    text = match.group()
    return 9 <= _digits(text) <= 15 and not _DATE_RE.match(text)


def _digits(text: str) -> int:
    """How many digits `text` holds (str.isdigit per character, counted in C)."""
    return sum(map(str.isdigit, text))


def scrub_text(text: str) -> str:
    """E-mail addresses and phone numbers inside free text replaced (see the module doc)."""
    if "@" in text:
        text = EMAIL_IN_TEXT_RE.sub(
            lambda m: "sha256:" + sha256_hex(normalize_email(m.group())), text)
    # Most property values are short names and ids: too short to hold a phone number.
    if len(text) >= 9 and _digits(text) >= 9:
        text = PHONE_IN_TEXT_RE.sub(
            lambda m: "[phone]" if _phone_digits_ok(m) else m.group(), text)
    return text


def scrub(value: object) -> object:
    """An e-mail-looking string replaced by its hash; e-mails and phones inside free text
    replaced; anything else unchanged."""
    if not isinstance(value, str):
        return value
    if "@" in value and looks_like_email(value):
        return "sha256:" + sha256_hex(normalize_email(value))
    return scrub_text(value)


def scrub_map(data: dict) -> dict:
    """A copy of `data` (nested) with e-mail-looking strings and phone-keyed values hashed."""
    out: dict = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out[key] = scrub_map(value)
        elif isinstance(value, list):
            out[key] = [scrub_map(v) if isinstance(v, dict) else scrub(v) for v in value]
        elif str(key).lower() in PHONE_KEYS and looks_like_phone(value):
            out[key] = "sha256:" + sha256_hex(normalize_phone(str(value)))
        else:
            out[key] = scrub(value)
    return out
