"""The outside oracle for `axon data import binance`.

`zip SRC.csv OUT.zip`: packs a CSV as data.binance.vision does (one
deflated member named like the archive).

`check KIND ARCHIVE PARQUET`: reads the archive's CSV with Python's own
zipfile and csv modules and the imported Parquet with pyarrow, and prints
JSON: the row counts and the rows that differ (expected: none).
"""

import csv
import io
import json
import sys
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq


def ns(raw: str) -> int:
    v = int(raw)
    if v < 10**14:
        return v * 1_000_000
    if v < 10**17:
        return v * 1_000
    return v


def expected(kind: str, rows):
    for r in rows:
        if kind == "klines":
            yield {"ts": ns(r[0]), "open": float(r[1]), "high": float(r[2]), "low": float(r[3]),
                   "close": float(r[4]), "volume": float(r[5])}
        elif kind in ("aggTrades", "trades"):
            t = r[5] if kind == "aggTrades" else r[4]
            p = float(r[1])
            yield {"ts": ns(t), "bid": p, "ask": p, "last": p, "bid_size": 0.0, "ask_size": 0.0,
                   "volume": float(r[2])}
        elif kind == "bookTicker":
            t = r[5] if r[5] != "0" else r[6]
            bid, ask = float(r[1]), float(r[3])
            yield {"ts": ns(t), "bid": bid, "bid_size": float(r[2]), "ask": ask,
                   "ask_size": float(r[4]), "last": (bid + ask) / 2, "volume": 0.0}


def main() -> None:
    if sys.argv[1] == "zip":
        src, out = sys.argv[2], sys.argv[3]
        member = out.rsplit("/", 1)[-1].replace(".zip", ".csv")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(src, member)
        return
    _, _, kind, archive, parquet = sys.argv
    with zipfile.ZipFile(archive) as z:
        (member,) = z.namelist()
        text = z.read(member).decode()
    rows = [r for r in csv.reader(io.StringIO(text)) if r and r[0].isdigit()]
    table = pq.read_table(parquet)
    ts_type = str(table.schema.field("ts").type)
    i = table.schema.get_field_index("ts")
    # Exact nanoseconds (datetime objects would keep microseconds only).
    got = table.set_column(i, "ts", table["ts"].cast(pa.int64())).to_pylist()
    want = list(expected(kind, rows))
    diffs = []
    for i, (g, w) in enumerate(zip(got, want)):
        bad = {k: (g.get(k), v) for k, v in w.items() if g.get(k) != v}
        if bad or g["symbol"] != "BTCUSDT":
            diffs.append({"row": i, "diff": {k: [str(a), str(b)] for k, (a, b) in bad.items()}, "symbol": g["symbol"]})
    print(json.dumps({"rows": len(got), "expected": len(want), "diffs": diffs[:5],
                      "ts_type": ts_type}))


if __name__ == "__main__":
    main()
