#!/usr/bin/env bash
# Runs once in the primary's container, on an empty data directory (docker-entrypoint-initdb.d):
# the replication role the replica's base backup and stream use, with its own password
# (ERP_REPLICATION_PASSWORD or the file ERP_REPLICATION_PASSWORD_FILE names), allowed to connect for replication, and the physical slot
# erp_replica, which keeps the WAL the replica has not replayed yet.
set -euo pipefail
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
password=$(secret ERP_REPLICATION_PASSWORD)
password=${password:-erp_replicator}
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE erp_replicator LOGIN REPLICATION PASSWORD %L', :'password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'erp_replicator') \gexec
SELECT pg_create_physical_replication_slot('erp_replica') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = 'erp_replica');
SQL
echo "host replication erp_replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
