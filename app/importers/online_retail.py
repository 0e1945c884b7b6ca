"""UCI Online Retail II (a .parquet, .xlsx or .csv file, or a folder of them:
`retail_files.py`) into the graph.

- StockCode -> (:Item {item_id}) with the last seen Description as title and the last
  positive Price as price, from every line (lines without a customer still describe the
  catalog), but for the service, fee and adjustment codes (`retail_codes.is_non_product`:
  POST, DOT, C2, M, D, BANK CHARGES, AMAZONFEE, ADJUST*, TEST*, gift_*, ...): they are not
  products, and are recorded as Items labelled :NonProduct with their description as title
  (an Item of such a code that an older import created is labelled too), so a live event
  that later names one finds it labelled: the model export, the popular and graph-neighbour
  lists and serving leave it out;
- Customer ID -> (:User {user_id}) with the country as trait, consent recorded by the import
  (analytics + personalization granted, source `import:online_retail`) unless disabled;
- an invoice -> one `Order Completed` event (id `retail-<Invoice>`) with one ON edge per line
  (quantity, price); a cancellation (`C...`) -> `Order Refunded`, which adds no revenue;
- lines without a customer, lines of a non-product code, and lines with quantity <= 0 or a
  negative price outside a cancellation (stock adjustments), are skipped and counted; an
  order keeps its product lines, and its revenue is the sum of those lines only (postage,
  carriage, fees, manual amounts and discounts are not merchandise bought, and revenue
  agrees with the order's item lines); an invoice with no product line is no event.
Ids are deterministic, so a second run stores nothing new.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from app.catalog.item_repository import ItemRepository
from app.importers.pipeline import Totals
from app.importers.retail_codes import is_non_product
from app.importers.retail_files import REPEATED, read_lines
from app.intake.intake_service import IntakeService
from app.intake.messages import Message

SOURCE = "import:online_retail"
ITEM_CHUNK = 5000


@dataclass
class RetailSummary:
    rows: int = 0
    lines_without_customer: int = 0
    adjustment_lines: int = 0
    non_product_lines: int = 0  # lines with a customer under a service/fee/adjustment code
    non_product_by_code: Counter[str] = field(default_factory=Counter)
    invoices_without_products: int = 0  # a customer's invoices of non-product lines only
    non_product_codes: int = 0  # codes left out of the catalog
    non_product_items_flagged: int = 0  # Items of such codes an older import created
    repeated_invoice_lines: int = 0  # an invoice read before, from an earlier file or sheet
    order_lines: int = 0
    refund_lines: int = 0
    orders: int = 0
    refunds: int = 0
    customers: int = 0
    items: int = 0
    totals: Totals = field(default_factory=Totals)
    seconds: float = 0.0


def item_rows(df: pd.DataFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One row per product StockCode (last non-empty description as title, last positive
    price), and one per non-product code (item_id and last non-empty description)."""
    rows: dict[str, dict[str, Any]] = {}
    services: dict[str, dict[str, Any]] = {}
    for code, desc, price in zip(df["StockCode"], df["Description"], df["Price"], strict=True):
        code = str(code)
        if is_non_product(code):
            row = services.setdefault(code, {"item_id": code, "title": None})
            if isinstance(desc, str) and desc.strip():
                row["title"] = desc.strip()
            continue
        props = rows.setdefault(code, {})
        if isinstance(desc, str) and desc.strip():
            props["title"] = desc.strip()
        if price is not None and price > 0:
            props["price"] = float(price)
    items = [{"item_id": k, "props": v, "category": None} for k, v in rows.items()]
    return items, list(services.values())


def _invoice_message(index: int, invoice: str, customer: str, ts: datetime,
                     lines: list[tuple[str, str, int, float]], refund: bool) -> Message:
    products = [{"product_id": code, "name": desc, "price": price, "quantity": abs(qty),
                 "position": pos} for pos, (code, desc, qty, price) in enumerate(lines)]
    revenue = round(sum(p["price"] * p["quantity"] for p in products), 2)
    name = "Order Refunded" if refund else "Order Completed"
    return Message(index=index, type="track", message_id=f"retail-{invoice}", user_id=customer,
                   anonymous_id=None, ts=ts, name=name, event_type=name.lower().replace(" ", "_"),
                   properties={"order_id": invoice, "revenue": revenue, "currency": "GBP",
                               "products": products})


def invoice_batches(df: pd.DataFrame, summary: RetailSummary, batch_lines: int,
                    grant_consent: bool) -> Iterator[tuple[list[Message], int]]:
    """Messages in batches of about `batch_lines` invoice lines, with the rows they cover."""
    known = df[df["Customer ID"].notna()].sort_values(["ts", "Invoice"], kind="stable")
    seen: set[str] = set()
    batch: list[Message] = []
    batch_rows = 0
    consent = {"analytics": True, "personalization": True} if grant_consent else {}
    groups = known.groupby("Invoice", sort=False)
    for invoice, g in groups:
        invoice = str(invoice)
        refund = invoice.startswith("C")
        customer = str(int(g["Customer ID"].iat[0]))
        ts = g["ts"].iat[0].to_pydatetime()
        lines = []
        services_before = summary.non_product_lines
        for code, desc, qty, price in zip(g["StockCode"], g["Description"], g["Quantity"],
                                          g["Price"], strict=True):
            if is_non_product(str(code)):
                summary.non_product_lines += 1
                summary.non_product_by_code[str(code)] += 1
                continue
            if price < 0 or (qty <= 0 and not refund):
                summary.adjustment_lines += 1
                continue
            lines.append((str(code), desc if isinstance(desc, str) else "", int(qty),
                          float(price)))
        batch_rows += len(g)
        if not lines and summary.non_product_lines > services_before:
            summary.invoices_without_products += 1  # e.g. postage or a manual charge alone
        if lines:
            if customer not in seen:
                seen.add(customer)
                country = g["Country"].iat[0]
                batch.append(Message(index=len(batch), type="identify",
                                     message_id=f"retail-customer-{customer}",
                                     user_id=customer, anonymous_id=None, ts=ts,
                                     traits={"trait_country": country} if country else {},
                                     consent=dict(consent)))
            batch.append(_invoice_message(len(batch), invoice, customer, ts, lines, refund))
            if refund:
                summary.refunds += 1
                summary.refund_lines += len(lines)
            else:
                summary.orders += 1
                summary.order_lines += len(lines)
        if batch_rows >= batch_lines:
            yield batch, batch_rows
            batch, batch_rows = [], 0
    if batch or batch_rows:
        yield batch, batch_rows
    summary.customers = len(seen)


async def import_online_retail(
    intake: IntakeService, item_store: ItemRepository, path: Path, *, batch_lines: int = 8000,
    grant_consent: bool = True, progress: Callable[[int], None] | None = None,
    max_rows: int | None = None, lines: pd.DataFrame | None = None,
) -> RetailSummary:
    """`path`: a file or a folder of files (`retail_files.read_lines`); `lines`: what
    `read_lines` already returned for it (the CLI counts them first)."""
    started = time.perf_counter()
    summary = RetailSummary()
    df = read_lines(path, max_rows) if lines is None else lines
    summary.rows = len(df)
    summary.repeated_invoice_lines = int(df.attrs.get(REPEATED, 0))
    summary.lines_without_customer = int(df["Customer ID"].isna().sum())
    if progress:
        progress(summary.lines_without_customer)
    for messages, rows in invoice_batches(df, summary, batch_lines, grant_consent):
        if messages:
            summary.totals.add(await intake.ingest(messages, source=SOURCE))
        if progress:
            progress(rows)
    # The catalog last: orders set an item's price line by line; the catalog pass then fixes
    # every item to one value per StockCode, so a re-run ends in exactly the same state.
    items, services = item_rows(df)
    summary.items = len(items)
    now = datetime.now(UTC)
    for start in range(0, len(items), ITEM_CHUNK):
        await item_store.upsert(items[start:start + ITEM_CHUNK], now)
    summary.non_product_codes = len(services)
    summary.non_product_items_flagged = await item_store.record_non_products(services, now)
    summary.seconds = time.perf_counter() - started
    return summary
