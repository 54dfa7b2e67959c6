#!/usr/bin/env python3
"""Side-by-side benchmark: invoice-finance against PostGraphile v5 on the same
PostgreSQL data, plus the database-only limit (pgbench) and the flat-with-scale
checks. See bench/README.md. Standard library only; needs wrk, pgbench, psql,
a release build of the server and `npm ci --prefix bench`."""

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SERVER = os.path.join(ROOT, "target", "release", "invoice-finance")
NODE = os.path.join(HERE, "node_modules", ".bin", "node")
PGL_CLI = os.path.join(HERE, "node_modules", "postgraphile", "dist", "cli-run.js")

SORTS = ["INVOICE_DATE", "DUE_DATE", "NUMBER", "TOTAL", "CUSTOMER_NAME"]

Q1 = """query Q1($after: String, $order: InvoiceOrder) {
  invoices(first: 50, after: $after, orderBy: $order) {
    nodes { id invoiceNumber invoiceDate dueDate total balance
      customer { name address { city } } sale { status payout } }
    pageInfo { endCursor hasNextPage } } }"""
Q2 = """query Q2($id: ID!) { invoice(id: $id) { id invoiceNumber invoiceDate dueDate
  total balance customer { name email address { city } } } }"""
Q3 = """query Q3($from: Date!, $to: Date!) { statement(from: $from, to: $to) {
  openingBalance closingBalance
  entries(first: 100) { nodes { id bookedOn kind description amount balanceAfter } } } }"""
SEND_VIEW = """query S($after: String) { noxFinansCandidates(first: 50, after: $after) {
  nodes { colour blockers { code } warnings { code } invoice { id invoiceNumber total customer { name } } }
  pageInfo { endCursor } } }"""
# A page of invoices with their rows (compare.py): the rows' batch read.
ROWS = """query R { invoices(first: 50) { nodes { invoiceNumber rows { description amount } } } }"""

PGL_Q1 = """query Q1($c: BigInt!) { allInvoices(condition: {companyId: $c}, orderBy: ROW_ID_DESC, first: 50) {
  nodes { id invoiceNumber invoiceDate dueDate totalOre balanceOre
    customerByCustomerId { name city }
    invoiceSalesByInvoiceId(orderBy: ROW_ID_DESC, first: 1) { nodes { status payoutOre } } }
  pageInfo { endCursor hasNextPage } } }"""
PGL_Q2 = """query Q2($id: BigInt!) { invoiceByRowId(rowId: $id) { id invoiceNumber invoiceDate dueDate
  totalOre balanceOre customerByCustomerId { name city email } } }"""
PGL_Q3 = """query Q3($c: BigInt!, $from: Date!, $to: Date!) {
  benchOpeningBalance(company: $c, fromDay: $from)
  benchClosingBalance(company: $c, toDay: $to)
  benchStatementEntries(company: $c, fromDay: $from, toDay: $to, first: 100) {
    nodes { id bookedOn kind description amountOre balanceAfterOre } } }"""

# The SQL PostGraphile's Q1 amounts to, for pgbench: the database-only limit.
PGBENCH_Q1 = """\\set c {company}
SELECT i.id, i.invoice_number, i.invoice_date, i.due_date, i.total_ore, i.balance_ore,
  c.name, c.city, s.status, s.payout_ore
FROM invoice i JOIN customer c ON c.id = i.customer_id
LEFT JOIN LATERAL (SELECT status, payout_ore FROM invoice_sale
  WHERE invoice_id = i.id ORDER BY id DESC LIMIT 1) s ON true
WHERE i.company_id = :c ORDER BY i.id DESC LIMIT 50;
"""

# Functions that give PostGraphile the statement (a date range and balances),
# which its generated schema has no filter for.
PGL_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS bench;
CREATE OR REPLACE FUNCTION bench.statement_entries(company bigint, from_day date, to_day date)
RETURNS SETOF public.statement_entry LANGUAGE sql STABLE AS $$
  SELECT * FROM public.statement_entry
  WHERE company_id = company AND booked_on BETWEEN from_day AND to_day ORDER BY id $$;
CREATE OR REPLACE FUNCTION bench.opening_balance(company bigint, from_day date)
RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT COALESCE((SELECT balance_after_ore FROM public.statement_entry
  WHERE company_id = company AND booked_on < from_day ORDER BY booked_on DESC, id DESC LIMIT 1), 0) $$;
CREATE OR REPLACE FUNCTION bench.closing_balance(company bigint, to_day date)
RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT COALESCE((SELECT balance_after_ore FROM public.statement_entry
  WHERE company_id = company AND booked_on <= to_day ORDER BY booked_on DESC, id DESC LIMIT 1), 0) $$;
"""


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url, json.dumps(body).encode(), headers)
    with urllib.request.urlopen(req, timeout=60) as r:
        out = json.loads(r.read())
    if out.get("errors"):
        raise SystemExit(f"{url}: {out['errors']}")
    return out["data"]


def wait_http(url, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except Exception:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


def wrk(url, body, token, args):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(body, f)
    env = dict(os.environ, BENCH_BODY=f.name, BENCH_TOKEN=token or "")
    out = subprocess.run(
        ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s",
         "-s", os.path.join(HERE, "post.lua"), url],
        env=env, capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def pgbench(url, company, args):
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(PGBENCH_Q1.format(company=company))
    out = subprocess.run(
        ["pgbench", "-n", "-M", "prepared", f"-c{args.connections}", "-j2",
         f"-T{args.duration}", "-f", f.name, url],
        capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def psql(url, sql):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                   check=True, capture_output=True)


def start(cmd, env, cwd=ROOT):
    return subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def stop(p):
    if p and p.poll() is None:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(10)


def seed(database_url, extra):
    cmd = [SERVER, "seed-bulk", "--database-url", database_url]
    for n in extra:
        cmd += ["--extra-company", str(n)]
    log("seeding:", " ".join(cmd[1:]))
    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         env=dict(os.environ, LOG_LEVEL="warn"))
    log(out.stderr.strip())
    values = dict(line.split("=", 1) for line in out.stdout.split() if "=" in line)
    companies = []
    n = 1
    while f"BULK_COMPANY_{n}_TOKEN" in values:
        companies.append({"token": values[f"BULK_COMPANY_{n}_TOKEN"],
                          "invoices": int(values[f"BULK_COMPANY_{n}_INVOICES"]),
                          "org": values[f"BULK_COMPANY_{n}_ORG"]})
        n += 1
    return companies


def walk(url, token, query, pages, variables=None, field="invoices"):
    """The `after` cursor of page `pages + 1`, by walking the list."""
    after = None
    for _ in range(pages):
        data = post(url, {"query": query, "variables": dict(variables or {}, after=after)}, token)
        after = data[field]["pageInfo"]["endCursor"]
    return after


def median_runs(args, fn):
    return statistics.median(fn() for _ in range(args.runs))


def warm(url, body, token, args):
    """A short unmeasured run first: both servers open their pools' connections
    and PostgreSQL caches the plans before anything is timed."""
    wrk(url, body, token, argparse.Namespace(**{**vars(args), "duration": 2}))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/invoice_finance_bench"))
    ap.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres",
                    help="where to create the bench database when it is missing")
    ap.add_argument("--sqlite", help="also run ours on this SQLite file (seeded alike)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--scale-duration", type=int, default=3,
                    help="seconds per wrk run in the flat-with-scale checks")
    ap.add_argument("--skip-postgraphile", action="store_true")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--reseed", action="store_true", help="drop and recreate the bench database")
    args = ap.parse_args()

    if not os.path.exists(SERVER):
        raise SystemExit("build first: cargo build --release")
    dbname = args.database_url.rsplit("/", 1)[1].split("?")[0]
    if args.reseed:
        psql(args.admin_url, f"DROP DATABASE IF EXISTS {dbname}")
    exists = subprocess.run(["psql", "-tA", args.admin_url, "-c",
                             f"SELECT 1 FROM pg_database WHERE datname = '{dbname}'"],
                            capture_output=True, text=True, check=True).stdout.strip()
    if not exists:
        psql(args.admin_url, f"CREATE DATABASE {dbname}")
    extra = [10_000, 200_000, 1_000_000]
    targets = [("PostgreSQL", args.database_url)]
    if args.sqlite:
        targets.append(("SQLite", f"sqlite://{os.path.abspath(args.sqlite)}?mode=rwc"))
    results = {}
    pgl = None
    pgl_url = None
    try:
        for name, url in targets:
            companies = seed(url, extra)
            if name == "PostgreSQL" and not args.skip_postgraphile:
                # After seeding: the functions read the server's tables.
                psql(args.database_url, PGL_SCHEMA)
            results[name] = run_ours(args, url, companies)
            if name == "PostgreSQL" and not args.skip_postgraphile:
                pgl_port = free_port()
                pgl = start([NODE, PGL_CLI, "-P", "postgraphile/presets/amber", "-c",
                             args.database_url, "-s", "public,bench", "-p", str(pgl_port)],
                            dict(os.environ, NODE_ENV="production"), cwd=HERE)
                pgl_url = f"http://127.0.0.1:{pgl_port}/graphql"
                wait_pgl(pgl_url)
                results["postgraphile"] = run_pgl(args, pgl_url, companies[0], results[name])
                stop(pgl)
                pgl = None
                results["pgbench"] = median_runs(
                    args, lambda: pgbench(args.database_url, results[name]["company_id"], args))
    finally:
        stop(pgl)
    report(results, args)


def wait_pgl(url):
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            post(url, {"query": "{ __typename }"})
            return
        except Exception:
            time.sleep(0.5)
    raise SystemExit("PostGraphile did not start")


def run_ours(args, database_url, companies):
    port = free_port()
    if database_url.startswith("postgres") and "sslmode" not in database_url:
        # node-postgres (PostGraphile) connects without TLS unless told to;
        # sqlx would negotiate it. Both talk plain TCP on loopback.
        database_url += ("&" if "?" in database_url else "?") + "sslmode=disable"
    env = dict(os.environ, DATABASE_URL=database_url, BIND_ADDR=f"127.0.0.1:{port}",
               SEED_DEMO="false", LOG_LEVEL="warn", MAX_PAGE_SIZE="100",
               # The benchmark is one client at full speed: no rate limits.
               RATE_LIMIT_PER_SECOND="0", ANON_RATE_LIMIT_PER_SECOND="0")
    srv = start([SERVER, "serve"], env)
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        first = companies[0]
        tok = first["token"]
        page = post(url, {"query": Q1}, tok)["invoices"]["nodes"]
        assert len(page) == 50, "Q1 must return 50 invoices"
        invoice_id = page[0]["id"]
        day = page[0]["invoiceDate"]
        month = (day[:8] + "01", day[:8] + "28")
        company_id = int(subprocess.run(
            ["psql", "-tA", database_url, "-c",
             f"SELECT id FROM company WHERE organisation_number = '{first['org'].replace('-', '')}'"
             f" OR organisation_number = '{first['org']}'"],
            capture_output=True, text=True).stdout.strip() or 0) if database_url.startswith("postgres") else 0
        bodies = {
            "Q1": {"query": Q1},
            "Q2": {"query": Q2, "variables": {"id": invoice_id}},
            "Q3": {"query": Q3, "variables": {"from": month[0], "to": month[1]}},
        }
        for b in bodies.values():
            post(url, b, tok)
        out = {"company_id": company_id, "invoice_id": invoice_id, "month": month}
        for q, body in bodies.items():
            warm(url, body, tok, args)
            out[q] = median_runs(args, lambda: wrk(url, body, tok, args))
            log(f"ours {q}: {out[q]:.0f} req/s")
        if not args.skip_scale:
            out["scale"] = scale_checks(args, url, companies)
        return out
    finally:
        stop(srv)


def scale_checks(args, url, companies):
    by_size = {c["invoices"]: c for c in companies}
    small, mid, big = by_size[10_000], by_size[200_000], by_size[1_000_000]
    rows = []

    short = argparse.Namespace(**{**vars(args), "duration": args.scale_duration})

    def rate(body, tok):
        post(url, body, tok)
        return median_runs(args, lambda: wrk(url, body, tok, short))

    base_small = rate({"query": Q1}, small["token"])
    base_big = rate({"query": Q1}, big["token"])
    rows.append(("Q1 page 1: 10,000 vs 1,000,000 invoices", base_small, base_big))
    for sort in SORTS:
        for direction in ["DESC", "ASC"]:
            order = {"field": sort, "direction": direction}
            first = rate({"query": Q1, "variables": {"order": order}}, big["token"])
            after = walk(url, big["token"], Q1, 999, {"order": order})
            deep = rate({"query": Q1, "variables": {"order": order, "after": after}}, big["token"])
            rows.append((f"Q1 by {sort} {direction}: page 1 vs page 1,000 (1,000,000 invoices)",
                         first, deep))
            log(rows[-1])
    mid_list = rate({"query": Q1}, mid["token"])
    send_view = rate({"query": SEND_VIEW}, mid["token"])
    rows.append(("200,000 invoices: invoice list page vs send-view page", mid_list, send_view))
    after = walk(url, mid["token"], SEND_VIEW, 999, field="noxFinansCandidates")
    deep_send = rate({"query": SEND_VIEW, "variables": {"after": after}}, mid["token"])
    rows.append(("200,000 invoices: send view page 1 vs page 1,000", send_view, deep_send))
    return rows


def run_pgl(args, url, first, ours):
    c = ours["company_id"]
    inv = int(subprocess.run(
        ["psql", "-tA", args.database_url, "-c",
         f"SELECT max(id) FROM invoice WHERE company_id = {c}"],
        capture_output=True, text=True, check=True).stdout.strip())
    bodies = {
        "Q1": {"query": PGL_Q1, "variables": {"c": str(c)}},
        "Q2": {"query": PGL_Q2, "variables": {"id": str(inv)}},
        "Q3": {"query": PGL_Q3, "variables": {"c": str(c), "from": ours["month"][0],
                                              "to": ours["month"][1]}},
    }
    out = {}
    for q, body in bodies.items():
        post(url, body)
        warm(url, body, None, args)
        out[q] = median_runs(args, lambda: wrk(url, body, None, args))
        log(f"PostGraphile {q}: {out[q]:.0f} req/s")
    return out


def report(results, args):
    print(f"\nmedians of {args.runs} runs, {args.duration} s each, {args.connections} connections\n")
    pgl = results.get("postgraphile")
    print("| query | database | invoice-finance | PostGraphile v5 | ours / PostGraphile |")
    print("|---|---|---:|---:|---:|")
    for name in ("PostgreSQL", "SQLite"):
        ours = results.get(name)
        if not ours:
            continue
        for q in ("Q1", "Q2", "Q3"):
            theirs = pgl[q] if pgl else float("nan")
            print(f"| {q} | {name} | {ours[q]:,.0f} | {theirs:,.0f} | {ours[q] / theirs:.2f} |")
    if "pgbench" in results:
        q1 = results["PostgreSQL"]["Q1"]
        print(f"\nQ1's SQL alone (pgbench -M prepared): {results['pgbench']:,.0f}/s; "
              f"invoice-finance reaches {100 * q1 / results['pgbench']:.0f} %"
              + (f", PostGraphile {100 * pgl['Q1'] / results['pgbench']:.0f} %" if pgl else ""))
    for name in ("PostgreSQL", "SQLite"):
        ours = results.get(name)
        if ours and ours.get("scale"):
            print(f"\nflat with scale ({name}): cost ratio = rate(first) / rate(second), target <= 1.3\n")
            print("| comparison | first req/s | second req/s | cost ratio |")
            print("|---|---:|---:|---:|")
            for label, a, b in ours["scale"]:
                print(f"| {label} | {a:,.0f} | {b:,.0f} | {a / b:.2f} |")


if __name__ == "__main__":
    main()
