#!/usr/bin/env bash
# Runs once in the primary's container, on an empty data directory (docker-entrypoint-initdb.d):
# the replication role the replica's base backup and stream use, with its own password
# (ERP_REPLICATION_PASSWORD), allowed to connect for replication, and the physical slot
# erp_replica, which keeps the WAL the replica has not replayed yet.
set -euo pipefail
password=${ERP_REPLICATION_PASSWORD:-erp_replicator}
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE erp_replicator LOGIN REPLICATION PASSWORD %L', :'password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'erp_replicator') \gexec
SELECT pg_create_physical_replication_slot('erp_replica') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = 'erp_replica');
SQL
echo "host replication erp_replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
