#!/usr/bin/env python3
"""Read each Parquet table of a run with pyarrow (a second reader, not polars) and compare it
with the CSV of the same table: same columns in the same order, the schema's types (strings
as plain string/large_string, never string_view), and the same value in every cell.

usage: compare.py OUT_DIR SCHEMA.json   exit 0 when every table matches
"""
import csv
import datetime
import json
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

EXPECTED = {
    "text": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t),
    "int": pa.types.is_int64,
    "decimal": pa.types.is_float64,
    "bool": pa.types.is_boolean,
    "date": pa.types.is_date32,
}


def same(kind, parquet_value, csv_cell):
    if parquet_value is None:
        return csv_cell == ""
    if kind == "text":
        return parquet_value == csv_cell
    if kind == "int":
        return str(parquet_value) == csv_cell
    if kind == "decimal":
        # The double must print back as the CSV's decimal: no float noise on either side.
        return Decimal(repr(parquet_value)) == Decimal(csv_cell)
    if kind == "bool":
        return ("true" if parquet_value else "false") == csv_cell
    if kind == "date":
        return isinstance(parquet_value, datetime.date) and parquet_value.isoformat() == csv_cell
    raise ValueError(kind)


def main():
    out, schema = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())
    failures = 0
    for table, columns in schema.items():
        parquet = pq.read_table(out / f"{table}.parquet")
        with open(out / f"{table}.csv", encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            cells = list(reader)
        names = [name for name, _ in columns]
        problems = []
        if parquet.column_names != header or header != names:
            problems.append(f"columns: parquet {parquet.column_names} csv {header} schema {names}")
        for (name, kind), field in zip(columns, parquet.schema):
            if not EXPECTED[kind](field.type):
                problems.append(f"{name}: {field.type} is not {kind}")
        if parquet.num_rows != len(cells):
            problems.append(f"{parquet.num_rows} rows, csv {len(cells)}")
        if not problems:
            for c, (name, kind) in enumerate(columns):
                for r, value in enumerate(parquet.column(c).to_pylist()):
                    if not same(kind, value, cells[r][c]):
                        problems.append(f"row {r + 2} {name}: parquet {value!r}, csv {cells[r][c]!r}")
                        break
        if problems:
            failures += 1
            print(f"{table}: " + "; ".join(problems[:5]))
        else:
            print(f"{table}: same columns, types and values ({parquet.num_rows} rows, {len(columns)} columns)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
