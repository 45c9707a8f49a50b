#!/usr/bin/env bash
# Runs once in the primary's container, on an empty data directory (docker-entrypoint-initdb.d),
# after service-roles.sql: each service's role and the analysts' role get the password of the
# environment (ERP_<SERVICE>_DB_PASSWORD, ERP_ANALYST_PASSWORD, or a file named by <VARIABLE>_FILE)
# instead of their name. A password that is not set stops the initialisation with its name.
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
set_password() {
  local role=$1 variable=$2
  local password
  password=$(secret "$variable")
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
