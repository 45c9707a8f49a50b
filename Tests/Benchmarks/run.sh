#!/usr/bin/env bash
# Runs the benchmarks against the local servers and prints every figure:
#   - AMQP: the Swift wrapper and the same loop in plain C (c/amqp_loop.c, built here) side by side;
#   - PostgreSQL: the Swift wrapper, then pgbench doing the same INSERTs on the same server.
#   - the messaging chain: publish → consume → outbox → relay → consume, and a service's idle memory.
#   - inventory reservations through the queue (1,000 SKUs, 3 warehouses); platform order intake.
#   - crm: order events into customer profiles (events/s) and a profile's read among 100,000 customers (p99).
#   - recommend: hit-rate@5 of recommendations against a popularity baseline on planted histories, and their latency
#     (BENCH_RECOMMEND_CUSTOMERS, BENCH_RECOMMEND_ORDERS).
#   - analytics: each analysis on the replica as erp_analyst over generated orders (BENCH_ANALYTICS_ORDERS, default 1,000,000);
#     replica: the replica's replay lag while the fulfilment benchmark runs.
#   - forecast: backtest MASE of the demand forecast against the seasonal-naive one on generated series
#     (BENCH_FORECAST_SERIES, BENCH_FORECAST_DAYS; no servers needed).
#   - fuzz: hostile platform bodies through intake's read path (BENCH_FUZZ_CASES, BENCH_FUZZ_SEED; no servers needed).
#   - search: catalog search p50/p99 with 100,000 products in three locales (BENCH_SEARCH_PRODUCTS).
#   - trace: inventory trace of a lot issued to 10,000 orders (BENCH_TRACE_ORDERS).
# Usage: Tests/Benchmarks/run.sh [amqp|postgres|chain|reservations|intake|fulfilment|crm|recommend|forecast|analytics|replica|fuzz|search|trace|all]   (extra settings through the environment:
#   BENCH_MESSAGES, BENCH_RUNS, BENCH_WINDOW, BENCH_PREFETCH, BENCH_QUEUE_TYPE, BENCH_PG_OVER=socket|tcp)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi
what=${1:-all}
case "$what" in amqp|postgres|chain|reservations|intake|fulfilment|crm|recommend|forecast|analytics|replica|fuzz|search|trace|all) ;; *) echo "usage: $0 [amqp|postgres|chain|reservations|intake|fulfilment|crm|recommend|forecast|analytics|replica|fuzz|search|trace|all]" >&2; exit 2 ;; esac

eval "$("$repo/deploy/local/servers.sh" start)"
# As the local runner's services connect: through PostgreSQL's Unix socket (TCP with TLS on the
# loopback costs about a fifth of an order's CPU). BENCH_PG_OVER=tcp measures over TCP instead.
if [ "${BENCH_PG_OVER:-socket}" = socket ]; then
  export ERP_DATABASE_URL="$ERP_DATABASE_URL?host=$ERP_PG_SOCKET_DIR"
elif [ "$BENCH_PG_OVER" != tcp ]; then
  echo "BENCH_PG_OVER must be socket or tcp, not '$BENCH_PG_OVER'" >&2
  exit 2
fi
swift build -c release --product erp-bench >&2
swift build -c release --product erp-sample >&2
bench=$repo/.build/release/erp-bench
out=$repo/.local/bench
mkdir -p "$out"

if [ "$what" = amqp ] || [ "$what" = all ]; then
  cc -O2 -o "$out/amqp_loop" "$repo/Tests/Benchmarks/c/amqp_loop.c" -lrabbitmq -lpthread
  "$bench" amqp --url "$ERP_AMQP_URL" --c-loop "$out/amqp_loop" \
    --messages "${BENCH_MESSAGES:-50000}" --runs "${BENCH_RUNS:-3}" --window "${BENCH_WINDOW:-256}" \
    --prefetch "${BENCH_PREFETCH:-256}" --queue-type "${BENCH_QUEUE_TYPE:-quorum}"
fi

if [ "$what" = chain ] || [ "$what" = all ]; then
  # One hop through the messaging runtime, with and without consumer batching, and a service's idle memory.
  "$bench" chain --database-url "$ERP_DATABASE_URL" --amqp-url "$ERP_AMQP_URL" --messages "${BENCH_CHAIN_MESSAGES:-20000}" --batch-sizes 1,50,200
  "$bench" chain --database-url "$ERP_DATABASE_URL" --amqp-url "$ERP_AMQP_URL" --messages "${BENCH_CHAIN_MESSAGES:-20000}" --batch-sizes 50,200 --preload
  "$bench" chain --database-url "$ERP_DATABASE_URL" --amqp-url "$ERP_AMQP_URL" --messages "${BENCH_CHAIN_MESSAGES:-20000}" --batch-sizes 50,200 --preload --only-consumer
  "$bench" idle-memory --binary "$repo/.build/release/erp-sample"
fi

if [ "$what" = reservations ] || [ "$what" = all ]; then
  # inventory.reserve_stock.v1 commands → inventory consumer → outbox relay → outcomes on erp.replies.
  "$bench" reservations --database-url "$ERP_DATABASE_URL" --amqp-url "$ERP_AMQP_URL" --orders "${BENCH_ORDERS:-10000}" --batch-sizes 1,200
  "$bench" reservations --database-url "$ERP_DATABASE_URL" --amqp-url "$ERP_AMQP_URL" --orders "${BENCH_ORDERS:-10000}" --batch-sizes 200 --preload
fi

if [ "$what" = intake ] || [ "$what" = all ]; then
  # Canonical platform orders → orders.ingest → intake → the database.
  "$bench" intake --database-url "$ERP_DATABASE_URL" --amqp-url "$ERP_AMQP_URL" --orders "${BENCH_INTAKE_ORDERS:-20000}" --batch-sizes 1,200
  "$bench" intake --database-url "$ERP_DATABASE_URL" --amqp-url "$ERP_AMQP_URL" --orders "${BENCH_INTAKE_ORDERS:-20000}" --batch-sizes 200 --preload
fi

if [ "$what" = crm ] || [ "$what" = all ]; then
  # orders.order.placed / status_changed → CRM consumer (identity, profile, timeline); then crm show's query.
  # Batch 200 first: a run right after the batch-1 run (15,000 commits) shares the cores with that run's checkpoint.
  "$bench" crm --database-url "$ERP_DATABASE_URL" --amqp-url "$ERP_AMQP_URL" --orders "${BENCH_CRM_ORDERS:-5000}" --batch-sizes 200,1
fi

if [ "$what" = recommend ] || [ "$what" = all ]; then
  # Each customer's last order held out; the rest learnt through the CRM's incremental updates.
  "$bench" recommend --database-url "$ERP_DATABASE_URL" --customers "${BENCH_RECOMMEND_CUSTOMERS:-10000}" --orders "${BENCH_RECOMMEND_ORDERS:-100000}"
fi

if [ "$what" = analytics ] || [ "$what" = all ]; then
  # Loads the generated schemas bench_analytics_* (kept with BENCH_ANALYTICS_KEEP=1), then times each analysis on the replica.
  "$bench" analytics --orders "${BENCH_ANALYTICS_ORDERS:-1000000}" ${BENCH_ANALYTICS_KEEP:+--keep}
fi

if [ "$what" = replica ] || [ "$what" = all ]; then
  # The replay lag sampled on the primary while fulfilment loads it.
  "$bench" replica-lag --seconds "${BENCH_REPLICA_SECONDS:-90}" &
  lag=$!
  "$bench" fulfilment --orders "${BENCH_FULFILMENT_ORDERS:-2000}" >/dev/null
  wait "$lag"
fi

if [ "$what" = forecast ] || [ "$what" = all ]; then
  # Last four weeks held out; weights chosen by backtest on the weeks before, as the nightly job does.
  "$bench" forecast --series "${BENCH_FORECAST_SERIES:-500}" --days "${BENCH_FORECAST_DAYS:-364}"
fi

if [ "$what" = fuzz ] || [ "$what" = all ]; then
  # Each body becomes an order within every bound or a rejection with a reason; exits 1 otherwise.
  "$bench" fuzz --cases "${BENCH_FUZZ_CASES:-200000}" --seed "${BENCH_FUZZ_SEED:-1}"
fi

if [ "$what" = fulfilment ] || [ "$what" = all ]; then
  # Paid platform orders to completed through orders, inventory, finance and the saga coordinator; latency to allocated.
  "$bench" fulfilment --orders "${BENCH_FULFILMENT_ORDERS:-2000}"
fi

if [ "$what" = postgres ] || [ "$what" = all ]; then
  "$bench" postgres --url "$ERP_DATABASE_URL"
  # pgbench on the same server, same statements: extended protocol (parse, bind, execute each time).
  pgbench=$(ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -n 1)
  export PGPASSWORD=erp
  # The same way in as the Swift wrapper above.
  pg_host=127.0.0.1
  if [ "${BENCH_PG_OVER:-socket}" = socket ]; then pg_host=$ERP_PG_SOCKET_DIR; fi
  conn=(-h "$pg_host" -p "${ERP_PG_PORT:-54329}" -U erp erp)
  "$repo/deploy/local/servers.sh" psql -q -c "DROP TABLE IF EXISTS bench_pgbench; CREATE TABLE bench_pgbench (id bigint NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
  payload=$(printf 'p%.0s' $(seq 1 64))
  printf "\\\\set id random(1, 1000000000)\nINSERT INTO bench_pgbench (id, payload) VALUES (:id, '%s');\n" "$payload" >"$out/single.sql"
  { echo "BEGIN;"; echo "\\set id random(1, 1000000000)"
    for _ in $(seq 1 1000); do echo "INSERT INTO bench_pgbench (id, payload) VALUES (:id, '$payload');"; done
    echo "COMMIT;"; } >"$out/batch.sql"
  echo "SELECT 1;" >"$out/select1.sql"
  trips=$("$pgbench" -n -M extended -c 1 -j 1 -t 20000 -f "$out/select1.sql" "${conn[@]}" | awk '/^tps/ {print $3}')
  printf 'pgbench SELECT 1 round trips: %.0f per second (%.1f µs each)\n' "$trips" "$(python3 -c "print(1e6/$trips)")"
  single=$("$pgbench" -n -M extended -c 1 -j 1 -t 5000 -f "$out/single.sql" "${conn[@]}" | awk '/^tps/ {print $3}')
  batch=$("$pgbench" -n -M extended -c 1 -j 1 -t 20 -f "$out/batch.sql" "${conn[@]}" | awk '/^tps/ {print $3}')
  printf 'pgbench single-row INSERT, autocommit: %.0f rows/s\n' "$single"
  printf 'pgbench 1000-row batches in one transaction: %.0f rows/s\n' "$(python3 -c "print($batch*1000)")"
  "$repo/deploy/local/servers.sh" psql -q -c "DROP TABLE bench_pgbench"
fi

if [ "$what" = search ] || [ "$what" = all ]; then
  "$bench" catalog-search --database-url "$ERP_DATABASE_URL" --products "${BENCH_SEARCH_PRODUCTS:-100000}"
fi

if [ "$what" = trace ] || [ "$what" = all ]; then
  "$bench" trace --database-url "$ERP_DATABASE_URL" --orders "${BENCH_TRACE_ORDERS:-10000}"
fi
