#!/usr/bin/env bash
# A restore drill: proves that a backup of the ERP's database can be restored. It takes a
# pg_dump (custom format) of DATABASE_URL, restores it into a scratch database on the same
# server, and compares every table of every schema, source against restored: row count and
# a hash of the rows' content. Then it drops the scratch database (unless --keep) and keeps
# the dump only if --dump FILE names where.
#   deploy/postgres/restore-drill.sh [--keep] [--dump FILE] DATABASE_URL
# DATABASE_URL must belong to a role that may create databases (the local runner's erp, or
# the compose stack's ERP_POSTGRES_USER). Exit status 0: every table matches; 1: a mismatch
# or a failed step, named on stderr.
set -euo pipefail
keep="" dump=""
while [ $# -gt 1 ]; do
  case "$1" in
    --keep) keep=1; shift ;;
    --dump) dump=$2; shift 2 ;;
    *) echo "restore-drill: unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--keep] [--dump FILE] DATABASE_URL" >&2; exit 2; }
source_url=$1
log() { printf 'restore-drill: %s\n' "$*" >&2; }

scratch="restore_drill_$(date +%s)_$$"
# The same server and role, another database (the URL's path replaced).
base=${source_url%%\?*}
query=""
[ "$base" = "$source_url" ] || query="?${source_url#*\?}"
target_url="${base%/*}/$scratch$query"
file=${dump:-$(mktemp --suffix=.dump)}
cleanup() {
  [ -n "$dump" ] || rm -f "$file"
  [ -z "$keep" ] || return 0
  # Tried a few times: a busy server may refuse a connection for a moment.
  local attempt error
  for attempt in 1 2 3 4 5; do
    if error=$(psql "$source_url" -q -X -c "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" 2>&1); then return 0; fi
    sleep "$attempt"
  done
  log "could not drop the scratch database $scratch: $error"
}
trap cleanup EXIT

started=$(date +%s.%N)
pg_dump --format=custom --no-owner --file="$file" "$source_url" || { log "pg_dump failed"; exit 1; }
dumped=$(date +%s.%N)
psql "$source_url" -q -X -v ON_ERROR_STOP=1 -c "CREATE DATABASE $scratch" >/dev/null || { log "cannot create $scratch"; exit 1; }
pg_restore --no-owner --exit-on-error --dbname="$target_url" "$file" || { log "pg_restore failed"; exit 1; }
restored=$(date +%s.%N)

# Every ordinary table outside the system schemas: its row count and an order-independent
# hash of its rows (the sum of each row's md5, as numbers).
fingerprint() {
  psql "$1" -X -At -v ON_ERROR_STOP=1 <<'SQL'
SELECT format('SELECT %L, count(*), coalesce(sum((''x'' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0) FROM %I.%I t',
              n.nspname || '.' || c.relname, n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY 1 \gexec
SQL
}
fingerprint "$source_url" >"$file.source"
fingerprint "$target_url" >"$file.restored"
trap 'rm -f "$file.source" "$file.restored"; cleanup' EXIT
if ! diff -u "$file.source" "$file.restored" >&2; then
  log "the restored database differs from the source (above: table|rows|hash)"
  exit 1
fi
tables=$(wc -l <"$file.source")
rows=$(awk -F'|' '{ n += $2 } END { print n + 0 }' "$file.source")
size=$(stat -c %s "$file")
seconds() { awk -v from="$1" -v to="$2" 'BEGIN { printf "%.1f", to - from }'; }
echo "restore drill passed: $tables tables, $rows rows, dump $size bytes;" \
  "pg_dump $(seconds "$started" "$dumped") s, restore $(seconds "$dumped" "$restored") s;" \
  "scratch database $scratch ${keep:+kept}${keep:-dropped}"
