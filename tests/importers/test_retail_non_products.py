"""Online Retail II's service, fee and adjustment lines (postage, carriage, manual amounts,
bank charges, gift vouchers, test products...): never products, skipped and counted by the
import, their codes recorded as Items labelled :NonProduct (so are those an older import
left), kept out of the model export and the popular lists."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from app.cli.main import trainer_target
from app.importers.online_retail import SOURCE, _invoice_message, import_online_retail
from app.importers.retail_codes import is_non_product
from app.intake.messages import Message
from tests.helpers import scalar
from trainer.read_graph import ExportSettings, export_interactions

COLUMNS = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price",
           "Customer ID", "Country"]
UK = "United Kingdom"


@pytest.mark.parametrize("code", [
    "POST", "DOT", "M", "m", "D", "S", "B", "C2", "PADS", "CRUK", "BANK CHARGES", "AMAZONFEE",
    "ADJUST", "ADJUST2", "TEST001", "TEST002", "GIFT", "gift_0001_10", "gift_0001_90"])
def test_service_codes_are_not_products(code):
    assert is_non_product(code)


@pytest.mark.parametrize("code", [
    "85123A", "22423", "79323LP", "47503J ", "10002", "DCGS0076", "DCGSSBOY", "DCGSSGIRL",
    "SP1002", "A1", "C3"])
def test_article_codes_are_products(code):
    assert not is_non_product(code)


def service_lines(path: Path) -> Path:
    rows = [
        # invoice, code, description, qty, date, price, customer, country
        ("2001", "85123A", "WHITE HANGING HEART", 2, "2010-01-04 10:00", 5.0, 13001.0, UK),
        ("2001", "POST", "POSTAGE", 1, "2010-01-04 10:00", 18.0, 13001.0, UK),
        ("2001", "C2", "CARRIAGE", 1, "2010-01-04 10:00", 50.0, 13001.0, UK),
        ("2002", "DOT", "DOTCOM POSTAGE", 1, "2010-01-05 10:00", 11.0, 13001.0, UK),
        ("2003", "22423", "REGENCY CAKESTAND", 1, "2010-01-06 10:00", 12.75, 13002.0, "France"),
        ("2003", "M", "Manual", 1, "2010-01-06 10:00", 2500.0, 13002.0, "France"),
        ("2003", "BANK CHARGES", "Bank Charges", 1, "2010-01-06 10:00", 15.0, 13002.0, "France"),
        ("2003", "TEST001", "This is a test product.", 1, "2010-01-06 10:00", 4.5, 13002.0,
         "France"),
        ("2003", "ADJUST", "Adjustment by Peter", 1, "2010-01-06 10:00", 300.0, 13002.0,
         "France"),
        ("C2004", "22423", "REGENCY CAKESTAND", -1, "2010-01-07 10:00", 12.75, 13002.0,
         "France"),
        ("C2004", "D", "Discount", -1, "2010-01-07 10:00", 5.0, 13002.0, "France"),
        # without a customer: counted as such; the codes still stay out of the catalog
        ("2005", "AMAZONFEE", "AMAZON FEE", 1, "2010-01-08 10:00", 6706.71, None, UK),
        ("2005", "gift_0001_10", "Dotcomgiftshop Gift Voucher £10.00", 1, "2010-01-08 10:00",
         8.69, None, UK),
        ("2005", "DCGSSBOY", "BOYS PARTY BAG", 1, "2010-01-08 10:00", 3.36, None, UK),
    ]
    pd.DataFrame(rows, columns=COLUMNS).to_parquet(path)
    return path


async def test_service_lines_are_skipped_counted_and_kept_out_of_revenue(
        graph, services, tmp_path):
    s = await import_online_retail(services.intake, services.items,
                                   service_lines(tmp_path / "r.parquet"), batch_lines=2)
    assert s.non_product_lines == 8  # the lines of known customers, the refund's discount too
    assert dict(s.non_product_by_code) == {"POST": 1, "C2": 1, "DOT": 1, "M": 1,
                                           "BANK CHARGES": 1, "TEST001": 1, "ADJUST": 1,
                                           "D": 1}
    assert s.invoices_without_products == 1  # 2002: dotcom postage alone, no event
    assert (s.orders, s.order_lines, s.refunds, s.refund_lines) == (2, 2, 1, 1)
    assert (s.lines_without_customer, s.adjustment_lines) == (3, 0)
    assert (s.items, s.non_product_codes, s.non_product_items_flagged) == (3, 10, 0)
    items = await scalar(graph, "MATCH (i:Item) WHERE NOT i:NonProduct RETURN collect(i.item_id)")
    assert sorted(items) == ["22423", "85123A", "DCGSSBOY"]
    # the codes met are recorded, labelled, with their description as title
    labelled = await scalar(graph, "MATCH (i:NonProduct) RETURN collect([i.item_id, i.title])")
    assert sorted(labelled) == sorted([
        ["POST", "POSTAGE"], ["C2", "CARRIAGE"], ["DOT", "DOTCOM POSTAGE"], ["M", "Manual"],
        ["BANK CHARGES", "Bank Charges"], ["TEST001", "This is a test product."],
        ["ADJUST", "Adjustment by Peter"], ["D", "Discount"], ["AMAZONFEE", "AMAZON FEE"],
        ["gift_0001_10", "Dotcomgiftshop Gift Voucher £10.00"]])
    # revenue is the product lines': postage and carriage (13001), a manual amount, bank
    # charges, a test product and an adjustment (13002) are no merchandise bought
    revenue = await scalar(graph, "MATCH (u:User) WITH u ORDER BY u.user_id "
                                  "RETURN collect([u.user_id, u.revenue_total, u.order_count])")
    assert revenue == [["13001", 10.0, 1], ["13002", 12.75, 1]]
    lines = await scalar(graph, "MATCH (:Event)-[:ON]->(i:Item) RETURN collect(i.item_id)")
    assert sorted(lines) == ["22423", "22423", "85123A"]  # two orders and the refund
    again = await import_online_retail(services.intake, services.items,
                                       service_lines(tmp_path / "r.parquet"))
    assert again.totals.events == 0 and again.non_product_lines == 8


async def test_items_of_an_older_import_are_labelled_and_left_out(
        graph, services, settings, tmp_path):
    # An older import stored postage as a product line of every order, so POST was the most
    # bought item of the store
    ts = datetime(2010, 1, 4, 10, tzinfo=UTC)
    granted = {"analytics": True, "personalization": True}
    old = [Message(index=n, type="identify", message_id=f"old-{c}", user_id=c,
                   anonymous_id=None, ts=ts, traits={}, consent=dict(granted))
           for n, c in enumerate(["13100", "13101", "13102", "13110"])]
    heart, post = ("85123A", "WHITE HANGING HEART", 1, 2.55), ("POST", "POSTAGE", 1, 18.0)
    old += [_invoice_message(4 + n, f"30{n}", f"1310{n}", ts, [heart, post], refund=False)
            for n in range(3)]
    old.append(_invoice_message(7, "3010", "13110", ts, [post], refund=False))
    await services.intake.ingest(old, source=SOURCE)
    assert await scalar(graph, "MATCH (i:Item {item_id:'POST'}) RETURN count(i)") == 1

    s = await import_online_retail(services.intake, services.items,
                                   service_lines(tmp_path / "r.parquet"))
    assert s.non_product_items_flagged == 1
    assert await scalar(graph, "MATCH (i:NonProduct {item_id: 'POST'}) RETURN i.title") \
        == "POSTAGE"
    # its past events stay as they were (a re-import is idempotent by messageId)
    assert await scalar(graph, "MATCH (:Event)-[:ON]->(:Item {item_id:'POST'}) "
                               "RETURN count(*)") == 4

    popular = await services.popularity.popular()
    assert "POST" not in [i.item_id for i in popular.items]
    assert popular.items and popular.items[0].item_id == "85123A"
    data = await asyncio.to_thread(export_interactions, trainer_target(settings).connection,
                                   ExportSettings(), datetime(2010, 2, 1, tzinfo=UTC))
    assert "POST" not in data.item_ids and "85123A" in data.item_ids
    assert "13110" not in data.user_ids  # bought postage alone: no interaction left

    again = await import_online_retail(services.intake, services.items,
                                       service_lines(tmp_path / "r.parquet"))
    assert again.non_product_items_flagged == 0  # labelled once
