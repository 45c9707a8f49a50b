#!/usr/bin/env bash
# Local PostgreSQL and RabbitMQ without Docker, with their data under the repo's
# git-ignored .local/ folder.
#
#   deploy/local/servers.sh start     install missing Debian packages, start both (and PostgreSQL's
#                                     hot-standby streaming replica, for the analysts), print URLs
#   deploy/local/servers.sh stop      stop them all; nothing of ours is left running
#   deploy/local/servers.sh status    say what is running, and how far the replica lags
#   deploy/local/servers.sh env       print the export lines for the URLs
#   deploy/local/servers.sh restart-postgres | restart-rabbitmq   (fault tests)
#   deploy/local/servers.sh rabbitmqctl ARGS...   run rabbitmqctl against the local node
#   deploy/local/servers.sh psql ARGS...          run psql as the erp role
#
# Ports and names come from the environment (defaults in brackets):
#   ERP_LOCAL_DIR [<repo>/.local]   ERP_PG_PORT [54329]   ERP_PG_REPLICA_PORT [54330]   ERP_AMQP_PORT [5679]
#   ERP_AMQP_MANAGEMENT_PORT [15679] (RabbitMQ's management API and UI)   ERP_AMQPS_PORT [5680] (AMQP over TLS)
#   ERP_AMQP_NODENAME [erp-local@localhost]
# Both servers also speak TLS, with certificates of a local CA made on the first start
# (<ERP_LOCAL_DIR>/tls/ca.pem; the servers' certificate names localhost and 127.0.0.1).
# Starting twice is harmless; `stop` stops only the servers started from ERP_LOCAL_DIR.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOCAL_DIR=${ERP_LOCAL_DIR:-$repo/.local}
PG_PORT=${ERP_PG_PORT:-54329}
REPLICA_PORT=${ERP_PG_REPLICA_PORT:-54330}
AMQP_PORT=${ERP_AMQP_PORT:-5679}
MANAGEMENT_PORT=${ERP_AMQP_MANAGEMENT_PORT:-15679}
AMQPS_PORT=${ERP_AMQPS_PORT:-5680}
TLS_DIR=$LOCAL_DIR/tls
NODENAME=${ERP_AMQP_NODENAME:-erp-local@localhost}
PG_BIN=${ERP_PG_BIN:-}
# PostgreSQL runs as the postgres user, who must be able to reach its data directory. If
# the repo sits where that user cannot go (a private home folder), use a folder under
# /var/tmp named after the repo instead.
resolve_pg_paths() {
  PG_ROOT=$LOCAL_DIR/postgres
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
    mkdir -p "$LOCAL_DIR"
    if ! runuser -u postgres -- test -x "$LOCAL_DIR"; then
      PG_ROOT=/var/tmp/erp-postgres-$(printf '%s' "$LOCAL_DIR" | md5sum | cut -c1-12)
    fi
  fi
  PG_DATA=$PG_ROOT/data
  PG_SOCK=$PG_ROOT/socket
  PG_LOG=$PG_ROOT/server.log
  PG_REPLICA=$PG_ROOT/replica
  PG_REPLICA_LOG=$PG_ROOT/replica.log
}
RMQ_BASE=$LOCAL_DIR/rabbitmq
DB_NAME=erp DB_USER=erp DB_PASSWORD=erp

log() { printf 'servers: %s\n' "$*" >&2; }
die() { printf 'servers: error: %s\n' "$*" >&2; exit 1; }

install_packages() {
  local missing=()
  command -v pg_config >/dev/null 2>&1 || [ -d /usr/lib/postgresql ] || missing+=(postgresql)
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
  [ -f /usr/include/amqp.h ] || [ -f /usr/include/rabbitmq-c/amqp.h ] || missing+=(librabbitmq-dev)
  [ -f /usr/include/postgresql/libpq-fe.h ] || missing+=(libpq-dev)
  command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
  # The loopback SMTP server of the notification tests (Tests/CRMTests/mail_sinks.py).
  /usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
  # The browser the analytics dashboard's test renders the page in (headless).
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    [ "$(id -u)" = 0 ] || die "need root to install ${missing[*]} (or install them yourself)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# A local CA and the servers' certificate (for localhost and 127.0.0.1), made once.
tls_setup() {
  if [ ! -f "$TLS_DIR/server.pem" ]; then
    log "making a local CA and the servers' TLS certificate in $TLS_DIR"
    mkdir -p "$TLS_DIR"
    (
      cd "$TLS_DIR"
      openssl req -x509 -new -nodes -newkey rsa:2048 -days 3650 -subj "/CN=erp local CA" -keyout ca.key -out ca.pem \
        -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
      openssl req -new -nodes -newkey rsa:2048 -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
      printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:false\n' >server.ext
      openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -out server.pem -extfile server.ext 2>/dev/null
      chmod 600 ca.key server.key
    ) || die "making the TLS certificates failed"
  fi
  # PostgreSQL reads its key only if its own user owns it, mode 0600.
  mkdir -p "$PG_ROOT/tls"
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then chown postgres: "$PG_ROOT" "$PG_ROOT/tls"; fi
  install -m 0644 "$TLS_DIR/server.pem" "$PG_ROOT/tls/server.pem"
  install -m 0600 "$TLS_DIR/server.key" "$PG_ROOT/tls/server.key"
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then chown postgres "$PG_ROOT/tls/server.pem" "$PG_ROOT/tls/server.key"; fi
}

pg_tls_options() { echo "-c ssl=on -c ssl_cert_file=$PG_ROOT/tls/server.pem -c ssl_key_file=$PG_ROOT/tls/server.key"; }

pg_bin() {
  if [ -n "$PG_BIN" ]; then echo "$PG_BIN"; return; fi
  local d; d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
  echo "$d"
}

# Runs a command as the postgres user when we are root (initdb and postgres refuse root).
# Runs from / so that a repo the postgres user cannot enter does not matter.
as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

pg_running() { [ -f "$PG_DATA/postmaster.pid" ] && as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

pg_start() {
  local bin; bin=$(pg_bin)
  mkdir -p "$PG_ROOT"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_ROOT"; fi
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "initialising PostgreSQL cluster in $PG_DATA"
    local pwfile; pwfile=$(mktemp); echo postgres >"$pwfile"; chmod 644 "$pwfile"
    as_pg "$bin/initdb" -D "$PG_DATA" -U postgres --pwfile="$pwfile" --auth-local=trust \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
    cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
max_connections = 1000
wal_level = replica
max_wal_senders = 5
shared_buffers = 256MB
CONF
  fi
  as_pg mkdir -p "$PG_SOCK"
  if pg_running; then
    log "PostgreSQL already running on port $PG_PORT"
  else
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
      -o "-p $PG_PORT -k $PG_SOCK -c max_connections=1000 $(pg_tls_options)" start >/dev/null || { tail -n 20 "$PG_LOG" >&2; die "PostgreSQL did not start"; }
  fi
  # Role and database, idempotently.
  pg_psql_admin -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'" | grep -q 1 ||
    pg_psql_admin -d postgres -c "CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD' CREATEDB CREATEROLE" >/dev/null
  pg_psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1 ||
    pg_psql_admin -d postgres -c "CREATE DATABASE $DB_NAME OWNER $DB_USER" >/dev/null
  # One role per service, owning its schema (deploy/postgres/service-roles.sql).
  PGOPTIONS="-c erp.owner=$DB_USER -c client_min_messages=warning" pg_psql_admin -d "$DB_NAME" -f - <"$repo/deploy/postgres/service-roles.sql" >/dev/null
}

pg_psql_admin() { as_pg "$(pg_bin)/psql" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -q "$@"; }

# The replica: a base backup of the cluster (pg_basebackup -R, with the replication slot
# erp_replica, so the primary keeps the WAL it has not replayed yet), started as a hot
# standby on its own port. Analysts read it; nothing can write to it.
replica_running() { [ -f "$PG_REPLICA/postmaster.pid" ] && as_pg "$(pg_bin)/pg_ctl" -D "$PG_REPLICA" status >/dev/null 2>&1; }

replica_start() {
  local bin; bin=$(pg_bin)
  if [ ! -f "$PG_REPLICA/PG_VERSION" ]; then
    log "taking a base backup of the cluster for its streaming replica in $PG_REPLICA"
    as_pg rm -rf "$PG_REPLICA"
    pg_psql_admin -d postgres -tAc \
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'erp_replica' AND NOT active" >/dev/null
    as_pg "$bin/pg_basebackup" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -D "$PG_REPLICA" -R -X stream --checkpoint=fast -C -S erp_replica ||
      die "the base backup for the replica failed"
  fi
  if replica_running; then
    log "PostgreSQL replica already running on port $REPLICA_PORT"
  else
    log "starting the PostgreSQL replica on 127.0.0.1:$REPLICA_PORT"
    as_pg "$bin/pg_ctl" -D "$PG_REPLICA" -l "$PG_REPLICA_LOG" -w -t 60 \
      -o "-p $REPLICA_PORT -k $PG_SOCK -c max_connections=1000 -c hot_standby=on $(pg_tls_options)" start >/dev/null ||
      { tail -n 20 "$PG_REPLICA_LOG" >&2; die "the PostgreSQL replica did not start"; }
  fi
}

replica_stop() {
  if replica_running; then
    log "stopping the PostgreSQL replica"
    as_pg "$(pg_bin)/pg_ctl" -D "$PG_REPLICA" -m fast -w -t 60 stop >/dev/null
  fi
}

# What the primary says of its replica: state, replay lag, bytes not yet replayed.
replica_status() {
  if ! replica_running; then echo "postgres replica: stopped"; return; fi
  local lag
  lag=$(pg_psql_admin -d postgres -tAc "SELECT r.state || ', replay lag ' || coalesce(r.replay_lag::text, '0') || ', ' ||
    pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn) || ' bytes behind'
    FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE s.slot_name = 'erp_replica'" 2>/dev/null || true)
  echo "postgres replica: running on port $REPLICA_PORT (${lag:-not streaming})"
}

pg_stop() {
  if pg_running; then
    log "stopping PostgreSQL"
    as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
  fi
}

rmq_env() {
  export RABBITMQ_MNESIA_BASE=$RMQ_BASE/mnesia RABBITMQ_LOG_BASE=$RMQ_BASE/log
  export RABBITMQ_NODENAME=$NODENAME RABBITMQ_NODE_PORT=$AMQP_PORT RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_ENABLED_PLUGINS_FILE=$RMQ_BASE/enabled_plugins RABBITMQ_CONFIG_FILE=$RMQ_BASE/rabbitmq
  export RABBITMQ_PID_FILE=$RMQ_BASE/rabbit.pid RABBITMQ_ADVANCED_CONFIG_FILE=$RMQ_BASE/advanced.config
  # The Erlang cookie lives in HOME: keep ours beside the node's data.
  export HOME=$RMQ_BASE/home
}

rmqctl() { ( rmq_env; /usr/lib/rabbitmq/bin/rabbitmqctl -n "$NODENAME" "$@" ); }

# Checks the pid file first: asking rabbitmqctl about a node that is down would start epmd.
rmq_running() {
  [ -f "$RMQ_BASE/rabbit.pid" ] && kill -0 "$(cat "$RMQ_BASE/rabbit.pid" 2>/dev/null)" 2>/dev/null &&
    rmqctl -q status </dev/null >/dev/null 2>&1
}

rmq_start() {
  mkdir -p "$RMQ_BASE/mnesia" "$RMQ_BASE/log" "$RMQ_BASE/home"
  # The management plugin serves the HTTP API (policies, queue details) and the UI, on
  # loopback only.
  echo '[rabbitmq_management].' >"$RMQ_BASE/enabled_plugins"
  # AMQP over TLS beside plain AMQP: a client certificate is checked when one is given.
  cat >"$RMQ_BASE/rabbitmq.conf.new" <<CONF
loopback_users = none
heartbeat = 30
management.tcp.ip = 127.0.0.1
management.tcp.port = $MANAGEMENT_PORT
listeners.ssl.1 = 127.0.0.1:$AMQPS_PORT
ssl_options.cacertfile = $TLS_DIR/ca.pem
ssl_options.certfile = $TLS_DIR/server.pem
ssl_options.keyfile = $TLS_DIR/server.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = false
CONF
  local changed=0
  cmp -s "$RMQ_BASE/rabbitmq.conf.new" "$RMQ_BASE/rabbitmq.conf" || changed=1
  mv "$RMQ_BASE/rabbitmq.conf.new" "$RMQ_BASE/rabbitmq.conf"
  [ -f "$RMQ_BASE/advanced.config" ] || echo '[].' >"$RMQ_BASE/advanced.config"
  if rmq_running; then
    if [ $changed = 0 ] && management_up; then log "RabbitMQ already running on port $AMQP_PORT"; return; fi
    log "RabbitMQ runs with an older configuration: restarting it"
    rmq_stop
  fi
  log "starting RabbitMQ node $NODENAME on 127.0.0.1:$AMQP_PORT"
  ( rmq_env; cd "$RMQ_BASE"; setsid nohup /usr/lib/rabbitmq/bin/rabbitmq-server </dev/null >"$RMQ_BASE/log/console.log" 2>&1 & )
  # rabbitmqctl wait blocks until the node has booted (or gives up after the timeout).
  rmqctl wait --timeout 120 "$RMQ_BASE/rabbit.pid" </dev/null >/dev/null 2>&1 || { tail -n 30 "$RMQ_BASE/log/console.log" >&2; die "RabbitMQ did not start"; }
  for _ in $(seq 1 60); do management_up && return; sleep 0.5; done
  die "RabbitMQ's management API did not answer on 127.0.0.1:$MANAGEMENT_PORT"
}

management_up() { curl -fsS -u guest:guest "http://127.0.0.1:$MANAGEMENT_PORT/api/overview" >/dev/null 2>&1; }

rmq_stop() {
  if rmq_running; then
    log "stopping RabbitMQ"
    rmqctl stop "$RMQ_BASE/rabbit.pid" >/dev/null 2>&1 || true
  fi
}

epmd_stop() {
  # The node starts Erlang's port mapper daemon; stop it too when no other node uses it.
  local epmd; epmd=$(ls /usr/lib/erlang/erts-*/bin/epmd 2>/dev/null | head -n 1)
  if [ -n "$epmd" ] && "$epmd" -names 2>/dev/null | grep -q '^epmd: up' && ! "$epmd" -names 2>/dev/null | grep -q '^name '; then
    "$epmd" -kill >/dev/null 2>&1 || true
  fi
}

print_env() {
  echo "export ERP_DATABASE_URL=postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
  # The directory of both servers' Unix-domain sockets: the local runner's services connect
  # through it (?host=), not through TCP and TLS on the loopback (README, "Numbers").
  echo "export ERP_PG_SOCKET_DIR=$PG_SOCK"
  echo "export ERP_AMQP_URL=amqp://guest:guest@127.0.0.1:$AMQP_PORT/%2f"
  # Not ERP_AMQP_MANAGEMENT_URL, which makes erpctl topology declare set the policies (the local
  # runner imports them with the definitions file).
  echo "export ERP_RABBITMQ_MANAGEMENT_URL=http://guest:guest@127.0.0.1:$MANAGEMENT_PORT"
  echo "export ERP_AMQPS_URL='amqps://guest:guest@localhost:$AMQPS_PORT/%2f?cacertfile=$TLS_DIR/ca.pem'"
  echo "export ERP_TLS_DIR=$TLS_DIR"
  echo "export ERP_PG_ADMIN_URL=postgres://postgres:postgres@127.0.0.1:$PG_PORT/$DB_NAME"
  echo "export ERP_PG_REPLICA_URL=postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$REPLICA_PORT/$DB_NAME"
  echo "export ERP_ANALYTICS_DATABASE_URL=postgres://erp_analyst:erp_analyst@127.0.0.1:$REPLICA_PORT/$DB_NAME"
  echo "export ERP_LOCAL_SERVERS=$repo/deploy/local/servers.sh"
}

case "${1:-}" in
  start|stop|restart-rabbitmq|restart-postgres|status|env|rabbitmqctl|psql) ;;
  *) echo "usage: $0 start|stop|status|env|restart-rabbitmq|restart-postgres|rabbitmqctl ARGS|psql ARGS" >&2; exit 2 ;;
esac
[ "${1}" = start ] && install_packages
resolve_pg_paths

case "${1}" in
  start) tls_setup; pg_start; replica_start; rmq_start; print_env ;;
  stop) rmq_stop; epmd_stop; replica_stop; pg_stop ;;
  restart-rabbitmq) rmq_stop; rmq_start ;;
  restart-postgres) as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -m fast -w -t 60 -o "-p $PG_PORT -k $PG_SOCK -c max_connections=1000 $(pg_tls_options)" restart >/dev/null ;;
  status)
    if pg_running; then echo "postgres: running on port $PG_PORT"; else echo "postgres: stopped"; fi
    if pg_running; then replica_status; fi
    if rmq_running; then echo "rabbitmq: running on port $AMQP_PORT (management http://127.0.0.1:$MANAGEMENT_PORT)"; else echo "rabbitmq: stopped"; fi ;;
  env) print_env ;;
  rabbitmqctl) shift; rmqctl "$@" ;;
  psql) shift; PGPASSWORD=$DB_PASSWORD "$(pg_bin)/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" "$@" ;;
esac
