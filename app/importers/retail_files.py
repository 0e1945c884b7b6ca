"""The Online Retail II invoice lines from a file or a folder of files.

UCI publishes the data set as one workbook (`online_retail_II.xlsx`, a sheet per year);
copies circulate as CSV (Kaggle) and parquet (one file per year). A folder is read whole:
every .parquet, .xlsx and .csv file in it, in name order, each workbook sheet by sheet. The
workbook's two years overlap (early December 2010 is in both sheets), so an invoice already
read from an earlier file or sheet is skipped and counted: every invoice is one order, read
once, whichever copies the folder holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pandas as pd

COLUMNS = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price",
           "Customer ID", "Country"]
SUFFIXES = (".parquet", ".xlsx", ".csv")
# read as text whatever the file's cells hold (an invoice number is an id, not a number)
TEXT = {"Invoice": str, "StockCode": str, "Description": str, "Country": str}
REPEATED = "repeated_invoice_lines"  # df.attrs key: lines of invoices read before


def retail_files(path: Path) -> list[Path]:
    """`path` itself, or the data files of the folder `path` in name order."""
    if not path.is_dir():
        return [path]
    files = sorted(p for p in path.iterdir()
                   if p.is_file() and p.suffix.lower() in SUFFIXES
                   and not p.name.startswith((".", "~$")))  # hidden files, Excel lock files
    if not files:
        raise ValueError(f"{path} holds no {', '.join(SUFFIXES)} file")
    return files


def _frames(path: Path) -> Iterator[pd.DataFrame]:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        yield pd.read_parquet(path, columns=COLUMNS)
    elif suffix == ".xlsx":
        sheets = pd.read_excel(path, sheet_name=None, dtype=TEXT, engine="openpyxl")
        yield from (sheet[COLUMNS] for sheet in sheets.values())  # in the workbook's order
    elif suffix == ".csv":
        yield pd.read_csv(path, usecols=COLUMNS, dtype=TEXT, encoding_errors="replace")
    else:
        raise ValueError(f"{path}: not a .parquet, .xlsx or .csv file")


def read_lines(path: Path, max_rows: int | None = None) -> pd.DataFrame:
    """Invoice lines of a file or a folder, with `ts` (UTC); `df.attrs[REPEATED]` counts the
    lines skipped because their invoice was read from an earlier file or sheet."""
    parts, seen, repeated = [], set(), 0
    for file in retail_files(path):
        for frame in _frames(file):
            frame = frame.assign(Invoice=frame["Invoice"].astype(str).str.strip())
            again = frame["Invoice"].isin(seen)
            repeated += int(again.sum())
            seen.update(frame["Invoice"].unique())
            parts.append(frame[~again])
    df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if max_rows is not None:
        df = df.iloc[:max_rows].copy()
    df["ts"] = pd.to_datetime(df["InvoiceDate"]).dt.tz_localize(UTC)
    df.attrs[REPEATED] = repeated
    return df
