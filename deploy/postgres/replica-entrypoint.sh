#!/usr/bin/env bash
# The analysts' hot-standby replica in compose: on first start (an empty data directory) it
# takes a base backup of the primary (`postgres`) as erp_replicator through the slot
# erp_replica and writes the standby settings (-R); then, and on every later start, it runs
# PostgreSQL as a hot standby that streams from the primary. Nothing can write on it.
set -euo pipefail
: "${PGDATA:=/var/lib/postgresql/data}"
primary=${ERP_PRIMARY_HOST:-postgres}
# A secret from VARIABLE, or from the file VARIABLE_FILE names (the Docker secrets convention);
# both set is an error naming them.
secret() {
  local variable=$1 file_variable="$1_FILE"
  if [ -n "${!file_variable:-}" ]; then
    if [ -n "${!variable:-}" ]; then
      echo "$variable and $file_variable are both set: keep one" >&2
      exit 1
    fi
    if [ ! -r "${!file_variable}" ]; then
      echo "$file_variable: cannot read ${!file_variable}" >&2
      exit 1
    fi
    if [ ! -s "${!file_variable}" ]; then
      echo "$file_variable: ${!file_variable} is empty" >&2
      exit 1
    fi
    printf '%s' "$(cat -- "${!file_variable}")"
  else
    printf '%s' "${!variable:-}"
  fi
}
PGPASSWORD=$(secret ERP_REPLICATION_PASSWORD)
export PGPASSWORD=${PGPASSWORD:-erp_replicator}
mkdir -p "$PGDATA"
chown postgres:postgres "$PGDATA"
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h "$primary" -p 5432 -q; do echo "replica: waiting for $primary"; sleep 2; done
  echo "replica: taking a base backup of $primary"
  gosu postgres pg_basebackup -h "$primary" -p 5432 -U erp_replicator -D "$PGDATA" -R -S erp_replica -X stream --checkpoint=fast
fi
# hot_standby_feedback: a long query here (an analysis, a pg_dump) is not cancelled by the
# primary vacuuming rows it still reads.
exec gosu postgres postgres -c hot_standby=on -c hot_standby_feedback=on -c max_connections=300
