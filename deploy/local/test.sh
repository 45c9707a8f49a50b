#!/usr/bin/env bash
# Runs every test against real servers: installs what is missing, starts the local
# PostgreSQL and RabbitMQ (deploy/local/servers.sh), builds, and runs `swift test`, the
# fault tests, a short chaos soak (erp-bench soak) and the compose stack's test
# (deploy/compose/test.sh).
# Extra arguments go to `swift test` (e.g. --filter PostgresTests).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi
command -v swift >/dev/null 2>&1 || { echo "test: swift is not installed (expected on PATH or in /opt/swift)" >&2; exit 1; }

# The tree is formatted as .swift-format says (line length 150): a file that is not fails
# here, before anything starts. `swift format --in-place --recursive .` fixes it.
if [ $# -eq 0 ]; then
  unformatted=$(git ls-files '*.swift' | xargs swift format lint --configuration .swift-format 2>&1 || true)
  if [ -n "$unformatted" ]; then
    echo "$unformatted" | head -20 >&2
    echo "test: the files above are not formatted (swift format --in-place --configuration .swift-format FILE)" >&2
    exit 1
  fi
fi

eval "$("$repo/deploy/local/servers.sh" start)"
export ERP_TEST_DATABASE_URL=${ERP_TEST_DATABASE_URL:-$ERP_DATABASE_URL}
export ERP_TEST_AMQP_URL=${ERP_TEST_AMQP_URL:-$ERP_AMQP_URL}
export ERP_TEST_AMQP_MANAGEMENT_URL=${ERP_TEST_AMQP_MANAGEMENT_URL:-$ERP_RABBITMQ_MANAGEMENT_URL}
export ERP_TEST_REPLICA_URL=${ERP_TEST_REPLICA_URL:-$ERP_PG_REPLICA_URL}

swift build --build-tests
# A test run that stops making progress (a crashed test process whose output pipe a
# leftover child still holds) ends here instead of at CI's limit: the suite takes about
# 2 minutes and the fault tests about 5 on two cores.
limit=${ERP_TEST_TIME_LIMIT:-1800}
# Each run's output is also kept in .build/test-logs/; a failing run ends by repeating the
# failed tests and their recorded issues, so that the last lines of a long log name them.
logs="$repo/.build/test-logs"
mkdir -p "$logs"
run_tests() {
  local log="$logs/$1.log"
  shift
  local status=0
  timeout --kill-after=30 "$limit" "$@" 2>&1 | tee "$log" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "test: failed (exit $status); what failed, from $log:" >&2
    # -a: a log holds the NUL characters of the hostile-input tests, and grep would only say
    # "binary file matches"; -A3: an expectation's message follows on the next lines.
    grep -a -A3 -E '✘|recorded an issue|error:|Fatal error|Crash|Bad pointer' "$log" | grep -a -v 'Test run with' | head -60 >&2 || true
  fi
  return "$status"
}
if [ $# -gt 0 ]; then
  run_tests filtered swift test --skip-build "$@"
else
  # Fault tests restart the servers: they run alone, after everything else (and only with
  # ERP_FAULT_TESTS=1, so that a plain `swift test` never runs them beside other suites).
  run_tests suite swift test --skip-build --skip FaultTests
  ERP_FAULT_TESTS=1 run_tests faults swift test --skip-build --filter FaultTests --no-parallel
  # The chaos soak, short (about 3 minutes): every service as processes, two instances each, a
  # mixed workload, faults at seeded moments (instances killed and paused, RabbitMQ and PostgreSQL
  # restarted, a queue filled), then the reconciliation ("N passed, M failed"). ERP_SOAK_SEED
  # picks another fault schedule; `erp-bench soak --minutes 30` is the long run.
  run_tests soak "$repo/.build/debug/erp-bench" soak --minutes 2 --seed "${ERP_SOAK_SEED:-1}" --rate 4 --fault-every 5
  # The compose stack, brought up for real (it installs and starts Docker if missing).
  "$repo/deploy/compose/test.sh"
fi
