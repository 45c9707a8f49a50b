#!/usr/bin/env bash
# Runs the system on this machine: installs what is missing, starts PostgreSQL and
# RabbitMQ with their data under .local/, and starts every service that exists.
# Stop everything with: deploy/local/servers.sh stop
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi

eval "$("$repo/deploy/local/servers.sh" start)"
# Services are built and started here as they land (issues 3-6); none exists yet.
"$repo/deploy/local/servers.sh" status
echo "run: servers are up. Use these settings:"
"$repo/deploy/local/servers.sh" env
