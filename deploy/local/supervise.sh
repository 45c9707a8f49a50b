#!/usr/bin/env bash
# Keeps one service running: starts it, and when it exits unexpectedly (a crash, a kill,
# any exit status but 0 and 2) starts it again after a back-off (1 s, doubling up to 60 s;
# back to 1 s once it has run for a minute). Every restart is logged, with the exit status,
# to the service's log and to supervisor.log beside it, and counted in RUN_DIR/NAME.restarts
# (`run.sh status` shows it). Exit 0 (a SIGTERM the service obeyed) and exit 2 (its
# configuration is wrong: starting again cannot help) end the supervision.
# SIGTERM to the supervisor is passed on to the service, which finishes what it holds.
#
#   supervise.sh NAME RUN_DIR LOG_FILE COMMAND [ARGS...]
set -uo pipefail
name=$1 run_dir=$2 log_file=$3
shift 3
min_delay=${ERP_SUPERVISOR_MIN_DELAY:-1}
max_delay=${ERP_SUPERVISOR_MAX_DELAY:-60}
supervisor_log=$(dirname "$log_file")/supervisor.log
restarts=0
delay=$min_delay
stopping=0
child=

note() {
  local line
  line=$(printf '{"time":"%s","service":"erp-%s","supervisor":true,"message":"%s"}' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" "$1")
  echo "$line" >>"$log_file"
  echo "$line" >>"$supervisor_log"
}

on_term() {
  stopping=1
  if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; fi
}
trap on_term TERM INT

echo 0 >"$run_dir/$name.restarts"
while :; do
  started=$(date +%s)
  "$@" >>"$log_file" 2>&1 </dev/null &
  child=$!
  echo "$child" >"$run_dir/$name.pid"
  # A SIGTERM that came between starting the service and knowing its pid is passed on now.
  if [ "$stopping" = 1 ]; then kill -TERM "$child" 2>/dev/null; fi
  # `wait` returns early when a signal arrives: wait until the service itself has ended.
  while :; do
    wait "$child"
    status=$?
    kill -0 "$child" 2>/dev/null || break
  done
  child=
  if [ "$stopping" = 1 ]; then
    note "stopped (exit status $status)"
    exit 0
  fi
  case $status in
    0) note "exited with status 0 without being asked to: not restarted"; exit 0 ;;
    2) note "exited with status 2 (a configuration error): not restarted until it is fixed"; exit 2 ;;
  esac
  if [ $(( $(date +%s) - started )) -ge 60 ]; then delay=$min_delay; fi
  restarts=$((restarts + 1))
  echo "$restarts" >"$run_dir/$name.restarts"
  note "exited unexpectedly with status $status; restart $restarts in ${delay}s"
  sleep "$delay" &
  wait $! 2>/dev/null
  if [ "$stopping" = 1 ]; then note "stopped while waiting to restart"; exit 0; fi
  delay=$(awk -v d="$delay" -v m="$max_delay" 'BEGIN { d = d * 2; if (d > m) d = m; print d }')
done
