#!/usr/bin/env bash
# Instructions the server executes per request, counted by valgrind's
# callgrind: unlike a rate on this shared 2-core machine, the count repeats
# within about 0.1 % from run to run, so two builds can be compared on one
# query even when the difference is a few percent.
#
# usage: bench/instructions.sh BINARY QUERY.json [REQUESTS]
#   DATABASE_URL  the bench database (default: invoice_finance_bench on 127.0.0.1)
#   TOKEN         a bearer token of a company in it (e.g. BULK_COMPANY_12_TOKEN
#                 from `invoice-finance seed-bulk`, see bench/README.md)
#
# The server runs under callgrind; 20 requests warm it up (statements
# prepared, plans kept), the counters are zeroed, REQUESTS (default 100) are
# sent one after another, and the count is divided by them. It needs
# valgrind (`apt-get install valgrind`) and curl.
set -euo pipefail

bin=${1:?binary}
body=${2:?query body (JSON)}
n=${3:-100}
: "${TOKEN:?set TOKEN to a company token of the bench database}"
url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/invoice_finance_bench}
case "$url" in *sslmode*) ;; *\?*) url="$url&sslmode=disable" ;; *) url="$url?sslmode=disable" ;; esac
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

DATABASE_URL="$url" BIND_ADDR="127.0.0.1:$port" SEED_DEMO=false LOG_LEVEL=warn \
  MAX_PAGE_SIZE=100 RATE_LIMIT_PER_SECOND=0 ANON_RATE_LIMIT_PER_SECOND=0 \
  valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" "$bin" serve \
  > "$out/server.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
  sleep 1
done
request() {
  curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d @"$body" "http://127.0.0.1:$port/graphql"
}
for _ in $(seq 1 20); do request; done
sleep 1
callgrind_control -z "$server" > /dev/null 2>&1
for _ in $(seq 1 "$n"); do request; done
sleep 1
callgrind_control -d "$server" > /dev/null 2>&1
sleep 1
kill "$server"
wait "$server" 2> /dev/null || true
total=$(grep -h '^totals:' "$out"/cg.*.1 | awk '{print $2}')
echo "$(basename "$bin") $(basename "$body"): $((total / n)) instructions per request"
