"""A small store in the Online Retail II format, dated 2010: two groups of customers, each
buying from its own shelf, so a graph filter has structure to find."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd

COLUMNS = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price",
           "Customer ID", "Country"]
SHELVES = {"tea": [f"T{i}" for i in range(8)], "garden": [f"G{i}" for i in range(8)]}


def retail_rows(customers: int = 40, first: int = 20000, prefix: str = "",
                year: int = 2010, seed: int = 7) -> list[tuple]:
    """`customers` customers (ids from `first`), half on each shelf, 3-4 invoices each."""
    rnd = random.Random(seed)
    rows: list[tuple] = []
    invoice = first * 10
    for n in range(customers):
        shelf = SHELVES["tea" if n % 2 == 0 else "garden"]
        for month in rnd.sample(range(1, 12), rnd.randint(3, 4)):
            invoice += 1
            for code in rnd.sample(shelf, 3):
                rows.append((f"{prefix}{invoice}", f"{prefix}{code}", f"ITEM {prefix}{code}", 1,
                             f"{year}-{month:02d}-{rnd.randint(1, 28):02d} 10:00:00", 2.0,
                             float(first + n), "United Kingdom"))
    return rows


def write_retail(path: Path, rows: list[tuple]) -> Path:
    pd.DataFrame(rows, columns=COLUMNS).to_parquet(path)
    return path
