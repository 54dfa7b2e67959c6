#!/usr/bin/env python3
"""Two builds of the server, alternately, on the bench database: what a change
bought. Each round starts one binary, warms each query for 2 s, measures it
with `wrk -t2 -c32`, stops it, then does the same for the other (the order
alternates between rounds); medians per binary and query are printed, with
each query's rate relative to the first query's.

    python3 bench/compare.py /tmp/before /tmp/after --query Q1 --query SEND_VIEW
    python3 bench/compare.py /tmp/before /tmp/after --query Q1 --query Q2 --query Q3

It reuses the database `bench/run.py` seeds (run that once first) and asks as
the company with `--invoices` invoices (200,000 by default). Standard library
only; needs wrk."""
import argparse
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402


def tokens(database_url):
    out = subprocess.run([run.SERVER, "seed-bulk", "--database-url", database_url,
                          "--extra-company", "10000", "--extra-company", "200000",
                          "--extra-company", "1000000"],
                         capture_output=True, text=True, check=True,
                         env=dict(os.environ, LOG_LEVEL="warn"))
    values = dict(line.split("=", 1) for line in out.stdout.split() if "=" in line)
    n, by_size = 1, {}
    while f"BULK_COMPANY_{n}_TOKEN" in values:
        by_size[int(values[f"BULK_COMPANY_{n}_INVOICES"])] = values[f"BULK_COMPANY_{n}_TOKEN"]
        n += 1
    return by_size


def measure(binary, database_url, token, queries, args):
    port = run.free_port()
    url = database_url + ("&" if "?" in database_url else "?") + "sslmode=disable"
    env = dict(os.environ, DATABASE_URL=url, BIND_ADDR=f"127.0.0.1:{port}",
               SEED_DEMO="false", LOG_LEVEL="warn", MAX_PAGE_SIZE="100",
               RATE_LIMIT_PER_SECOND="0", ANON_RATE_LIMIT_PER_SECOND="0")
    srv = run.start([binary, "serve"], env)
    endpoint = f"http://127.0.0.1:{port}/graphql"
    try:
        run.wait_http(f"http://127.0.0.1:{port}/healthz")
        rates = {}
        # Q2 and Q3 ask about the first invoice of Q1's page and its month.
        first = run.post(endpoint, {"query": run.Q1}, token)["invoices"]["nodes"][0]
        day = first["invoiceDate"]
        variables = {"Q2": {"id": first["id"]},
                     "Q3": {"from": day[:8] + "01", "to": day[:8] + "28"}}
        for name in queries:
            body = {"query": getattr(run, name), "variables": variables.get(name, {})}
            run.post(endpoint, body, token)
            run.warm(endpoint, body, token, args)
            rates[name] = run.wrk(endpoint, body, token, args)
        return rates
    finally:
        run.stop(srv)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binaries", nargs=2)
    ap.add_argument("--query", action="append", choices=["Q1", "Q2", "Q3", "SEND_VIEW", "ROWS"],
                    help="queries to measure (default Q1 and SEND_VIEW)")
    ap.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/invoice_finance_bench"))
    ap.add_argument("--invoices", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args()
    queries = args.query or ["Q1", "SEND_VIEW"]
    token = tokens(args.database_url)[args.invoices]
    results = {b: [] for b in args.binaries}
    for i in range(args.runs):
        order = args.binaries if i % 2 == 0 else list(reversed(args.binaries))
        for b in order:
            r = measure(b, args.database_url, token, queries, args)
            results[b].append(r)
            run.log(b, json.dumps(r))
    for b, rs in results.items():
        medians = {q: statistics.median(r[q] for r in rs) for q in queries}
        rel = {q: statistics.median(r[queries[0]] / r[q] for r in rs) for q in queries[1:]}
        line = ", ".join(f"{q} {medians[q]:,.0f} req/s" for q in queries)
        extra = ", ".join(f"{queries[0]}/{q} {v:.2f}" for q, v in rel.items())
        print(f"{b}: {line}" + (f"; {extra}" if extra else ""))


if __name__ == "__main__":
    main()
