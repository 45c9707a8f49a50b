#!/usr/bin/env bash
# Runs once in the primary's container, on an empty data directory (docker-entrypoint-initdb.d),
# after service-roles.sql: each service's role and the analysts' role get the password of the
# environment (ERP_<SERVICE>_DB_PASSWORD, ERP_ANALYST_PASSWORD) instead of their name. A
# password that is not set stops the initialisation with its name.
set -euo pipefail
set_password() {
  local role=$1 variable=$2
  local password=${!variable:-}
  if [ -z "$password" ]; then
    echo "role-passwords: $variable is not set (the password of $role)" >&2
    exit 1
  fi
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -q -v role="$role" -v password="$password" <<'SQL'
SELECT format('ALTER ROLE %I PASSWORD %L', :'role', :'password') \gexec
SQL
}
for service in catalog inventory orders finance saga crm analytics; do
  set_password "erp_$service" "ERP_${service^^}_DB_PASSWORD"
done
set_password erp_analyst ERP_ANALYST_PASSWORD
# The sample service's role is not used under compose: it may not log in.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -q -c "ALTER ROLE erp_sample NOLOGIN"
