# Sourced by the proofs that start processes of their own.
# stop_process PID [TENTHS]: SIGTERM, up to TENTHS tenths of a second (default 50) for it to exit, then SIGKILL.
# An empty or already gone PID is nothing to do.
stop_process() {
  local pid=$1 tenths=${2:-50}
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq "$tenths"); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
