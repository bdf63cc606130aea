# Sourced by bench/run_serve_bench.sh and bench/run_workers_bench.sh: the processes a benchmark
# starts and stops, JSON fields read from its helpers, and its verdicts. Expects the caller's
# die(), PY (python3), WORK (the working folder), PIDS (the processes to stop at exit), TABLES
# (the Markdown written) and MISSED (set to 1 by a missed target).

# start NAME TIMEOUT_S CMD...: runs CMD in the background, waits for the URL on its first stdout
# line; sets STARTED_PID and STARTED_URL.
start() {
  local name=$1 timeout=$2; shift 2
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  local i
  for ((i = 0; i < timeout * 10; i++)); do
    STARTED_URL=$(grep -o -m1 'http://[0-9.]*:[0-9]*' "$WORK/$name.out" 2>/dev/null || true)
    [[ -n $STARTED_URL ]] && return
    kill -0 "$STARTED_PID" 2>/dev/null || { tail -n 20 "$WORK/$name.err" >&2; die "$name did not start"; }
    sleep 0.1
  done
  die "$name did not print its address within $timeout s"
}
stop() {  # SIGTERM, then wait (serve answers what is in flight, finishes its batch, leaves)
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget "$1"
}
forget() {
  local keep=() pid
  for pid in "${PIDS[@]}"; do [[ $pid == "$1" ]] || keep+=("$pid"); done
  PIDS=("${keep[@]}")
}
json() { "$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2], {}, d))' "$@"; }
verdict() {  # verdict OK TEXT
  if [[ $1 == 1 ]]; then echo "- $2 — PASS" >>"$TABLES"; else echo "- $2 — **MISSED**" >>"$TABLES"; MISSED=1; fi
}
