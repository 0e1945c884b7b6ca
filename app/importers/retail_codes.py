"""Which Online Retail II stock codes are not products.

The shop numbers its articles with digits (85123A, 22423, 79323LP; the dotcom gift shop's
DCGS0076, SP1002). Besides articles, invoices carry service, fee and bookkeeping lines under
codes of their own, read from the data: POST (postage), DOT (dotcom postage), C2 (carriage),
M / m (manual), D (discount), S (samples), B (adjust bad debt), BANK CHARGES, AMAZONFEE,
CRUK (commission), PADS (a 0.001 bookkeeping line), ADJUST / ADJUST2 (adjustments), TEST001
/ TEST002 (test products) and gift_0001_10 ... gift_0001_90 (gift vouchers).

The rule, in order:
1. a code with no digit is a service code (POST, DOT, M, D, S, B, PADS, CRUK, AMAZONFEE,
   BANK CHARGES, ADJUST, GIFT), except the gift shop's DCGS... articles (DCGSSBOY, DCGSSGIRL:
   party bags);
2. a code starting with ADJUST, TEST or GIFT (any case) is an adjustment, a test product or
   a gift voucher, whatever digits follow;
3. C2 (carriage) is the one known service code with a digit, listed as such.
"""

from __future__ import annotations

SERVICE_PREFIXES = ("ADJUST", "TEST", "GIFT")
ARTICLE_PREFIXES = ("DCGS",)  # the dotcom gift shop's own articles, some without digits
SERVICE_CODES_WITH_DIGITS = frozenset({"C2"})  # carriage


def is_non_product(code: str) -> bool:
    """True for a service, fee, adjustment, test or voucher code (the module's rule)."""
    code = code.strip().upper()
    if code.startswith(SERVICE_PREFIXES) or code in SERVICE_CODES_WITH_DIGITS:
        return True
    return not any(ch.isdigit() for ch in code) and not code.startswith(ARTICLE_PREFIXES)
