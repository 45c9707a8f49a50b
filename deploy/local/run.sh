#!/usr/bin/env bash
# Runs the system on this machine: installs what is missing, starts PostgreSQL and
# RabbitMQ with their data under .local/, builds, migrates, declares the topology and
# starts every service in the background under a supervisor that restarts it with back-off
# when it exits unexpectedly (deploy/local/supervise.sh; logs in .local/logs/, one JSON
# object a line, restarts also in .local/logs/supervisor.log).
#
#   deploy/local/run.sh          start (starting twice is harmless)
#   deploy/local/run.sh status   what runs, each service's readiness and restarts
#   deploy/local/run.sh stop     stop the services (SIGTERM: they finish what they hold), then the servers
#
# ERP_INSTANCES=saga=2,orders=2 runs more instances of a service, competing for its queues
# (default 1 each; at most 8): instance k of a service listens on its port + 100 × (k − 1)
# and is supervised and logged as NAME-k (the first keeps NAME).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi

# name:port of every service executable (erp-NAME); each service adds itself when it lands.
SERVICES="catalog:8091 inventory:8092 orders:8093 finance:8094 saga:8095 crm:8096 analytics:8097"
LOCAL_DIR=${ERP_LOCAL_DIR:-$repo/.local}
RUN_DIR=$LOCAL_DIR/run
LOG_DIR=$LOCAL_DIR/logs
BIN=$repo/.build/release

log() { printf 'run: %s\n' "$*" >&2; }

# INSTANCES: "instance:service:port" for every instance to run, from SERVICES and ERP_INSTANCES.
INSTANCES=""
declare -A wanted=()
IFS=, read -ra pairs <<<"${ERP_INSTANCES:-}"
for pair in "${pairs[@]}"; do
  [ -n "$pair" ] || continue
  name=${pair%%=*} count=${pair#*=}
  case " $SERVICES " in *" $name:"*) ;; *) log "ERP_INSTANCES: '$name' is not a service (one of: $(for e in $SERVICES; do printf '%s ' "${e%%:*}"; done))"; exit 2 ;; esac
  [[ "$count" =~ ^[1-8]$ ]] || { log "ERP_INSTANCES: $name=$count: the count is 1 to 8"; exit 2; }
  wanted[$name]=$count
done
for entry in $SERVICES; do
  name=${entry%%:*} port=${entry##*:}
  for k in $(seq 1 "${wanted[$name]:-1}"); do
    instance=$name
    [ "$k" -eq 1 ] || instance=$name-$k
    INSTANCES="$INSTANCES $instance:$name:$((port + 100 * (k - 1)))"
  done
done

# The pid of a service's supervisor (NAME.supervisor.pid) or of the service itself (NAME.pid).
service_pid() {
  local pidfile=$RUN_DIR/$1.pid
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && cat "$pidfile"
}
supervisor_pid() {
  local pidfile=$RUN_DIR/$1.supervisor.pid
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && cat "$pidfile"
}

ready() { curl -fsS "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1; }

# INSTANCES and every other instance that has a pid file (started with another ERP_INSTANCES),
# as "instance:service:port".
known_instances() {
  local all=$INSTANCES file base service k port
  for file in "$RUN_DIR"/*.supervisor.pid "$RUN_DIR"/*.pid; do
    [ -e "$file" ] || continue
    base=$(basename "$file" .pid)
    base=${base%.supervisor}
    case " $all " in *" $base:"*) continue ;; esac
    service=${base%-[0-9]}
    k=${base#"$service"}
    k=${k#-}
    for entry in $SERVICES; do
      [ "${entry%%:*}" = "$service" ] || continue
      port=${entry##*:}
      all="$all $base:$service:$((port + 100 * (${k:-1} - 1)))"
    done
  done
  echo "$all"
}

start() {
  eval "$("$repo/deploy/local/servers.sh" start)"
  log "building (release)"
  swift build -c release >&2
  "$BIN/erpctl" migrate
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  # The broker's users, least privilege (erpctl broker definitions): each service connects as
  # erp-<service>, which may use only its own queues. Locally each password is the user's
  # name, like the database roles'; the administrator stays guest (loopback only).
  local broker_env=(ERP_RABBITMQ_USER=guest ERP_RABBITMQ_PASSWORD=guest ERP_ERPCTL_AMQP_PASSWORD=erpctl)
  local service
  for entry in $SERVICES; do service=${entry%%:*}; broker_env+=("ERP_${service^^}_AMQP_PASSWORD=erp-$service"); done
  env "${broker_env[@]}" "$BIN/erpctl" broker definitions --output "$RUN_DIR/broker-definitions.json" >/dev/null
  "$repo/deploy/local/servers.sh" rabbitmqctl -q import_definitions "$RUN_DIR/broker-definitions.json" >/dev/null
  # After the definitions: the policies are there before any queue.
  "$BIN/erpctl" topology declare
  for entry in $INSTANCES; do
    local instance=${entry%%:*} rest=${entry#*:}
    local name=${rest%%:*} port=${rest##*:}
    if supervisor_pid "$instance" >/dev/null; then log "erp-$instance already running"; continue; fi
    # Each service connects as its own role, which owns its schema and nothing else; its
    # instances share the role, the broker user and the queues. Through the server's Unix
    # socket: on one machine, TCP and TLS on the loopback cost a fifth of an order's CPU.
    ERP_HTTP_PORT=$port ERP_DATABASE_URL="postgres://erp_$name:erp_$name@127.0.0.1:${ERP_PG_PORT:-54329}/erp?host=$ERP_PG_SOCKET_DIR" \
      ERP_AMQP_URL="${ERP_AMQP_URL/guest:guest@/erp-$name:erp-$name@}" \
      nohup "$repo/deploy/local/supervise.sh" "$instance" "$RUN_DIR" "$LOG_DIR/$instance.log" "$BIN/erp-$name" >/dev/null 2>&1 </dev/null &
    echo $! >"$RUN_DIR/$instance.supervisor.pid"
    log "started erp-$instance under its supervisor (pid $!, http://127.0.0.1:$port, log $LOG_DIR/$instance.log)"
  done
  for entry in $INSTANCES; do
    local instance=${entry%%:*} port=${entry##*:}
    for _ in $(seq 1 60); do ready "$port" && break; sleep 0.5; done
    ready "$port" || { tail -n 20 "$LOG_DIR/$instance.log" >&2; log "erp-$instance is not ready"; exit 1; }
  done
  "$repo/deploy/demo/load.sh" "$BIN/erpctl"
  status
  echo "run: settings for tools and tests:"
  "$repo/deploy/local/servers.sh" env
}

status() {
  "$repo/deploy/local/servers.sh" status
  for entry in $(known_instances); do
    local name=${entry%%:*} port=${entry##*:}
    local restarts
    restarts=$(cat "$RUN_DIR/$name.restarts" 2>/dev/null || echo 0)
    if pid=$(service_pid "$name"); then
      if ready "$port"; then echo "erp-$name: running (pid $pid), ready on port $port, restarts $restarts"; else echo "erp-$name: running (pid $pid), NOT ready: $(curl -s "http://127.0.0.1:$port/health/ready"), restarts $restarts"; fi
    elif supervisor_pid "$name" >/dev/null; then
      echo "erp-$name: down, its supervisor restarts it (restarts $restarts; see $LOG_DIR/supervisor.log)"
    else
      echo "erp-$name: stopped (restarts $restarts)"
    fi
  done
}

stop() {
  # Every instance that has a pid file, whatever ERP_INSTANCES says now.
  local entry name
  for entry in $(known_instances); do
    name=${entry%%:*}
    # The supervisor passes SIGTERM on and does not restart what it was asked to stop.
    if pid=$(supervisor_pid "$name"); then
      log "stopping erp-$name (supervisor pid $pid)"
      kill -TERM "$pid"
      for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then
        log "erp-$name has not stopped after 15 s (supervisor pid $pid, service pid $(cat "$RUN_DIR/$name.pid" 2>/dev/null)); its pid files are kept"
        continue
      fi
    elif pid=$(service_pid "$name"); then
      log "stopping erp-$name (pid $pid)"
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$RUN_DIR/$name.pid" "$RUN_DIR/$name.supervisor.pid"
  done
  "$repo/deploy/local/servers.sh" stop
}

case "${1:-start}" in
  start) start ;;
  status) status ;;
  stop) stop ;;
  *) echo "usage: $0 [start|status|stop]" >&2; exit 2 ;;
esac
