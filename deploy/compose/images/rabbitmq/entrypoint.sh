#!/usr/bin/env bash
# As the official image: the data directory belongs to rabbitmq, the server runs as rabbitmq
# in the foreground, RABBITMQ_DEFAULT_USER/RABBITMQ_DEFAULT_PASS name the first user.
set -euo pipefail
mkdir -p /var/lib/rabbitmq /var/log/rabbitmq
chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /var/log/rabbitmq
export RABBITMQ_LOGS=-
exec runuser -u rabbitmq -- "$@"
