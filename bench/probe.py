#!/usr/bin/env python3
"""Times single GraphQL requests against a running server: the median of
N requests of each query, one at a time (latency, not throughput).

    BENCH_URL=http://127.0.0.1:8077/graphql BENCH_TOKEN=$BULK_COMPANY_1_TOKEN \
        python3 bench/probe.py [--runs 15] [NAME ...]

Start the server on the bench database with RATE_LIMIT_PER_SECOND=0.
"""
import argparse
import json
import os
import statistics
import time
import urllib.request

QUERIES = {
    "sale-status-spot-check": "{ invoices(first: 50, filter: {saleStatus: [SPOT_CHECK]}) { nodes { id } } }",
    "sale-status-paid-out": "{ invoices(first: 50, filter: {saleStatus: [PAID_OUT]}) { nodes { id } } }",
    "cancelled": "{ invoices(first: 50, filter: {status: [CANCELLED]}) { nodes { id } } }",
    "not-completed": "{ invoices(first: 50, filter: {status: [NOT_COMPLETED]}) { nodes { id } } }",
    "not-handed-over": "{ invoices(first: 50, filter: {handedToNoxFinans: false}) { nodes { id } } }",
    "spot-check-queue": "{ spotCheckQueue(first: 50) { nodes { id } } }",
    "sales-in-spot-check": "{ invoiceSales(first: 50, status: SPOT_CHECK) { nodes { id } } }",
    "sales-with-history": "{ invoiceSales(first: 20) { edges { node { id status history { kind } } } } }",
    "customers-invoices": "{ customers(first: 20) { nodes { name invoices(first: 5) { nodes { invoiceNumber total status } } } } }",
    "search-rare": "{ invoices(first: 50, filter: {search: \"19999\"}) { nodes { id } } }",
    "search-none": "{ invoices(first: 50, filter: {search: \"xyzzy\"}) { nodes { id } } }",
    "search-short": "{ invoices(first: 50, filter: {search: \"7\"}) { nodes { id } } }",
    "search-common": "{ invoices(first: 50, filter: {search: \"kund\"}) { nodes { id } } }",
    "search-rare-count": "{ invoices(first: 0, filter: {search: \"19999\"}) { totalCount } }",
    "send-view-page": "{ noxFinansCandidates(first: 50) { nodes { colour } } }",
    "send-view-red-page": "{ noxFinansCandidates(first: 50, filter: {colour: [RED]}) { nodes { colour } } }",
}

# Asked with BENCH_OPERATOR_TOKEN (an operator's token from `token create
# --role operator`).
OPERATOR = {"spot-check-queue"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    url = os.environ.get("BENCH_URL", "http://127.0.0.1:8077/graphql")
    token = os.environ["BENCH_TOKEN"]
    operator = os.environ.get("BENCH_OPERATOR_TOKEN", token)
    for name in args.names or QUERIES:
        body = json.dumps({"query": QUERIES[name]}).encode()
        times = []
        for _ in range(args.runs):
            req = urllib.request.Request(url, data=body, headers={
                "content-type": "application/json",
                "authorization": "Bearer " + (operator if name in OPERATOR else token),
            })
            start = time.perf_counter()
            answer = json.loads(urllib.request.urlopen(req).read())
            times.append((time.perf_counter() - start) * 1000)
            if answer.get("errors"):
                raise SystemExit(f"{name}: {answer['errors']}")
        print(f"{name:24} {statistics.median(times):8.2f} ms")


if __name__ == "__main__":
    main()
