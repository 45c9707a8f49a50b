#!/usr/bin/env bash
# Brings docker-compose.yml up for real and runs the compose flow against it
# (Tests/DeployTests/ComposeStackTests.swift): platform orders published from this machine
# through the published AMQP port reach `completed` with a warehouse's shipment and a
# carrier's delivery, `erpctl check` passes inside the stack, and a restart of a service
# container and of the broker container loses nothing. Then it tears the stack down.
#
# It installs and starts what is missing (Debian's docker.io, docker-compose 1.29,
# debootstrap) and stops the engine if it started it. No registry is reachable from the test
# machines, so the images are made here: a Debian base by debootstrap, stand-ins for the
# official PostgreSQL and RabbitMQ images (deploy/compose/images), and the services' image
# from the executables already built on this machine (`swift build`). Cold: about 3 minutes
# for the images; once built, they are reused.
#   deploy/compose/test.sh            (deploy/local/test.sh runs it after the other tests)
#   ERP_COMPOSE_KEEP=1 deploy/compose/test.sh    leaves the stack (and an engine it started) running
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
state=$repo/.local/compose
mkdir -p "$state"
project=erp-compose-test
log() { printf 'compose-test: %s\n' "$*" >&2; }
die() { printf 'compose-test: error: %s\n' "$*" >&2; exit 1; }
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi

# --- The engine -----------------------------------------------------------------------------
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "need root to install ${missing[*]}"
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
started_engine=""
if ! docker info >/dev/null 2>&1; then
  log "starting the Docker engine (log: $state/dockerd.log)"
  # No firewall or forwarding changes on the host: containers reach each other on their
  # bridge network and the host through the published ports.
  dockerd --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false >"$state/dockerd.log" 2>&1 &
  started_engine=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || die "the Docker engine did not start: $(tail -5 "$state/dockerd.log")"
fi

compose() { docker-compose -p "$project" --env-file "$state/compose.env" -f docker-compose.yml -f deploy/compose/test-override.yml "$@"; }
finish() {
  local status=$?
  if [ $status -ne 0 ] && [ -f "$state/compose.env" ]; then
    compose ps >&2 || true
    compose logs --no-color --tail 40 >"$state/compose.log" 2>&1 || true
    log "the stack's last log lines are in $state/compose.log"
  fi
  if [ -n "${ERP_COMPOSE_KEEP:-}" ]; then
    log "the stack keeps running (ERP_COMPOSE_KEEP): $(printf '%q ' docker-compose -p "$project" --env-file "$state/compose.env" -f docker-compose.yml -f deploy/compose/test-override.yml)down -v"
  elif [ -f "$state/compose.env" ]; then
    compose down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  if [ -n "$started_engine" ] && [ -z "${ERP_COMPOSE_KEEP:-}" ]; then
    kill "$started_engine" 2>/dev/null || true
    wait "$started_engine" 2>/dev/null || true
  fi
  exit $status
}
trap finish EXIT

# --- The images -----------------------------------------------------------------------------
if ! docker image inspect local/debian:bookworm >/dev/null 2>&1; then
  mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
  [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
  mirror=${mirror:-http://deb.debian.org/debian}
  log "making the Debian 12 base image from $mirror"
  rm -rf "$state/rootfs"
  debootstrap --variant=minbase bookworm "$state/rootfs" "$mirror" >"$state/debootstrap.log" 2>&1 ||
    die "debootstrap failed: $(tail -5 "$state/debootstrap.log")"
  tar -C "$state/rootfs" -c . | docker import - local/debian:bookworm >/dev/null
  rm -rf "$state/rootfs"
fi
build_image() {
  local tag=$1 directory=$2
  docker build -q --network host -t "$tag" "$directory" >"$state/build-${tag//[\/:]/-}.log" 2>&1 ||
    die "building $tag failed: $(tail -20 "$state/build-${tag//[\/:]/-}.log")"
}
log "building the PostgreSQL and RabbitMQ stand-ins"
build_image local/postgres:15 deploy/compose/images/postgres
build_image local/rabbitmq:3-management deploy/compose/images/rabbitmq
build_image local/prometheus:2 deploy/compose/images/prometheus

# The services' image: the executables of this checkout, stripped, with the Swift runtime
# libraries they link.
products=(erp-catalog erp-inventory erp-orders erp-finance erp-saga erp-crm erp-analytics erpctl)
bin=$(swift build --show-bin-path)
for product in "${products[@]}"; do
  [ -x "$bin/$product" ] || { log "building the executables"; swift build; break; }
done
stage=$state/runtime
rm -rf "$stage" && mkdir -p "$stage/bin" "$stage/lib"
cp deploy/compose/images/runtime/Dockerfile "$stage/"
for product in "${products[@]}"; do
  strip --strip-debug -o "$stage/bin/$product" "$bin/$product"
  ldd "$bin/$product" | awk '$3 ~ /\/swift\// { print $3 }' | xargs -r cp -u -t "$stage/lib/"
done
version="test-$(git rev-parse --short HEAD 2>/dev/null || echo local)"
log "building the services' image erp/services:$version"
build_image "erp/services:$version" "$stage"

# --- The stack ------------------------------------------------------------------------------
secret() { head -c 18 /dev/urandom | base64 | tr '+/' '-_'; }
{
  echo "ERP_VERSION=$version"
  for name in ERP_POSTGRES_PASSWORD ERP_RABBITMQ_PASSWORD ERP_ERPCTL_AMQP_PASSWORD ERP_REPLICATION_PASSWORD ERP_ANALYST_PASSWORD \
    ERP_CATALOG_DB_PASSWORD ERP_INVENTORY_DB_PASSWORD ERP_ORDERS_DB_PASSWORD ERP_FINANCE_DB_PASSWORD \
    ERP_SAGA_DB_PASSWORD ERP_CRM_DB_PASSWORD ERP_ANALYTICS_DB_PASSWORD \
    ERP_CATALOG_AMQP_PASSWORD ERP_INVENTORY_AMQP_PASSWORD ERP_ORDERS_AMQP_PASSWORD ERP_FINANCE_AMQP_PASSWORD \
    ERP_SAGA_AMQP_PASSWORD ERP_CRM_AMQP_PASSWORD ERP_ANALYTICS_AMQP_PASSWORD \
    ERP_PLATFORM_WEB_AMQP_PASSWORD ERP_WAREHOUSE_SH_AMQP_PASSWORD ERP_WAREHOUSE_GZ_AMQP_PASSWORD \
    ERP_WAREHOUSE_BJ_AMQP_PASSWORD ERP_CARRIER_SF_AMQP_PASSWORD ERP_GRAFANA_PASSWORD; do
    echo "$name=$(secret)"
  done
  # The outside world's broker users: the test publishes as them.
  echo "ERP_BROKER_PLATFORMS=web"
  echo "ERP_BROKER_WAREHOUSES=SH,GZ,BJ"
  echo "ERP_BROKER_CARRIERS=sf"
  echo "ERP_ENV_FILE=${state#"$repo"/}/compose.env"
  # Ports of their own, beside the local runner's servers.
  echo "ERP_POSTGRES_PORT=${ERP_COMPOSE_POSTGRES_PORT:-25432}"
  echo "ERP_REPLICA_PORT=${ERP_COMPOSE_REPLICA_PORT:-25433}"
  echo "ERP_AMQP_PORT=${ERP_COMPOSE_AMQP_PORT:-25672}"
  echo "ERP_RABBITMQ_MANAGEMENT_PORT=${ERP_COMPOSE_MANAGEMENT_PORT:-25673}"
  echo "ERP_PROMETHEUS_PORT=${ERP_COMPOSE_PROMETHEUS_PORT:-25690}"
} >"$state/compose.env"
compose down -v --remove-orphans >/dev/null 2>&1 || true
log "docker-compose up"
compose up -d --no-build >"$state/up.log" 2>&1 || die "docker-compose up failed: $(tail -20 "$state/up.log")"
# The monitoring profile's Prometheus (Grafana has no stand-in: its dashboard is checked as a file).
compose up -d --no-build prometheus >>"$state/up.log" 2>&1 || die "starting prometheus failed: $(tail -20 "$state/up.log")"

# Every service with a health check is healthy (and migrate has exited 0).
services=(rabbitmq postgres postgres-replica catalog inventory orders finance saga crm analytics prometheus)
deadline=$((SECONDS + ${ERP_COMPOSE_HEALTH_TIMEOUT:-240}))
while :; do
  unhealthy=()
  for service in "${services[@]}"; do
    id=$(compose ps -q "$service")
    health=$([ -n "$id" ] && docker inspect -f '{{.State.Health.Status}}' "$id" 2>/dev/null || echo missing)
    [ "$health" = healthy ] || unhealthy+=("$service:$health")
  done
  [ ${#unhealthy[@]} -eq 0 ] && break
  [ $SECONDS -lt $deadline ] || die "not healthy in time: ${unhealthy[*]}"
  sleep 3
done
migrate=$(docker inspect -f '{{.State.ExitCode}}' "$(compose ps -q migrate)")
[ "$migrate" = 0 ] || die "the migrate job exited with $migrate: $(compose logs --no-color migrate | tail -20)"
log "every service is healthy"

# --- The flow -------------------------------------------------------------------------------
set -a
# shellcheck disable=SC1091 # written above
. "$state/compose.env"
set +a
export ERP_COMPOSE_TESTS=1
export ERP_COMPOSE_DATABASE_URL="postgres://erp:$ERP_POSTGRES_PASSWORD@127.0.0.1:$ERP_POSTGRES_PORT/erp"
export ERP_COMPOSE_REPLICA_URL="postgres://erp_analyst:$ERP_ANALYST_PASSWORD@127.0.0.1:$ERP_REPLICA_PORT/erp"
export ERP_COMPOSE_AMQP_URL="amqp://erp:$ERP_RABBITMQ_PASSWORD@127.0.0.1:$ERP_AMQP_PORT/%2f"
export ERP_COMPOSE_PROMETHEUS_URL="http://127.0.0.1:$ERP_PROMETHEUS_PORT"
# The platform, warehouses and carrier publish as their own users, with the passwords above.
export ERP_COMPOSE_COMMAND="docker-compose -p $project --env-file $state/compose.env -f $repo/docker-compose.yml -f $repo/deploy/compose/test-override.yml"
timeout --kill-after=30 "${ERP_COMPOSE_TIME_LIMIT:-900}" swift test --skip-build --filter ComposeStackTests
log "passed"
