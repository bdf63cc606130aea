#!/usr/bin/env bash
# The serve benchmark: `hubrules serve` as TimeRex and HubSpot see it, in three parts.
#
#   bash bench/run_serve_bench.sh [--quick]   (from the project root; ~5 min, --quick ~3 min)
#
#  1 intake: webhooks acknowledged durably per second, p50/p99 latency and commits (fsyncs) per
#    second at 1, 16 and 64 connections (wrk + bench/serve_intake.lua, every request a new
#    booking), group commit (the default) against --fsync-per-request, side by side; then the
#    200s are checked against the rows journaled. Delivery is pointed at a dead port
#    (127.0.0.1:1): it fails to connect and backs off, so the intake alone is measured.
#  2 end to end into `hubrules sandbox` with the free tier's limits (burst 100 per 10 s, search
#    5/s, search lag 3 s): (a) a steady 20 bookings/s for 60 s, ack-to-in-HubSpot latency per
#    booking from the state file (updated_at - received_at of every delivered row); (b) a burst
#    of 5,000 bookings: time until all are finished, the share of the burst limit used, API
#    calls per 1,000 bookings.
#  3 journal size: the cost of delivering 2,000 new bookings (serve CPU, wall time) into a
#    lifted sandbox with 10,000 and with 200,000 finished bookings already in the state file;
#    the state file's size per 100,000 bookings before and after payload retention.
#
# Flags:
#   --quick            intake 5 s a cell, steady run 20 s, journal 10,000 against 50,000
#   --parts LIST       which parts, e.g. 1 or 1,3 (default 1,2,3)
#   --duration S       seconds per intake cell (default 10)
#   --build-dir DIR    CMake build directory (default build-bench)
#   --no-build         use the programs already built there
#   --keep             keep the working directory (state files, logs, wrk and helper output)
#
# Exit status: 0 everything ran and met its targets; 1 something failed; 2 a target was missed.
# Needs wrk (with LuaJIT scripting) and python3 (standard library only). See bench/README.md.
set -euo pipefail

BUILD=1
BUILD_DIR=build-bench
QUICK=0
KEEP=0
PARTS=1,2,3
DURATION=
SECRET=s3cret
TOKEN=pat-serve-bench

die() { printf 'run_serve_bench: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,31p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }

while (($#)); do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --parts) [[ $# -ge 2 && $2 =~ ^[123](,[123])*$ ]] || die "--parts needs a list like 1,3"; PARTS=$2; shift 2 ;;
    --duration) [[ $# -ge 2 && $2 =~ ^[0-9]+$ && $2 -gt 0 ]] || die "--duration needs seconds"; DURATION=$2; shift 2 ;;
    --build-dir) [[ $# -ge 2 ]] || die "--build-dir needs a directory"; BUILD_DIR=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage 0 ;;
    *) printf 'run_serve_bench: unknown argument %s\n' "$1" >&2; usage 2 ;;
  esac
done
part() { [[ ,$PARTS, == *,$1,* ]]; }

if ((QUICK)); then
  DURATION=${DURATION:-5}; STEADY_S=20; JOURNAL_SIZES=(10000 50000)
else
  DURATION=${DURATION:-10}; STEADY_S=60; JOURNAL_SIZES=(10000 200000)
fi
STEADY_RATE=20
BURST=5000
JOURNAL_NEW=2000

cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -f CMakeLists.txt && -f rules/timerex.rules && -d bench ]] || die "run it from the hubrules project"
command -v cmake >/dev/null || die "cmake is not installed"
command -v python3 >/dev/null || die "python3 is not installed"
if part 1; then command -v wrk >/dev/null || die "wrk is not installed (scripts/install-deps.sh)"; fi

if ((BUILD)); then
  echo "== building hubrules and gen_bookings (Release) in $BUILD_DIR" >&2
  LOG=$(mktemp "${TMPDIR:-/tmp}/serve-bench-build.XXXXXX")
  if ! { cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DHUBRULES_BENCH=ON &&
         cmake --build "$BUILD_DIR" -j2 --target hubrules gen_bookings; } >"$LOG" 2>&1; then
    tail -n 40 "$LOG" >&2
    die "the build failed (the whole log: $LOG)"
  fi
  rm -f "$LOG"
fi
source bench/find_program.sh
HUBRULES=$(find_program hubrules)
GEN=$(find_program gen_bookings)
{ "$HUBRULES" serve 2>&1 || true; } | grep -q 'usage: hubrules serve' || die "$HUBRULES has no serve command"
# The interpreter itself, once: a version manager's shim costs seconds a call on a busy machine.
PY=$(python3 -c 'import sys; print(sys.executable)')
HELPER=("$PY" bench/serve_bench.py)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/serve-bench.XXXXXX")
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if ((KEEP)); then echo "== kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

source bench/bench_processes.sh
sandbox() {  # sandbox NAME [sandbox options]
  local name=$1; shift
  start "$name" 30 "$HUBRULES" sandbox --listen 127.0.0.1:0 --token "$TOKEN" "$@"
  SANDBOX_PID=$STARTED_PID SANDBOX_URL=$STARTED_URL
}
serve() {  # serve NAME STATE HUBSPOT_URL [serve options]
  local name=$1 state=$2 hubspot=$3; shift 3
  start "$name" 30 env TIMEREX_WEBHOOK_SECRET="$SECRET" HUBSPOT_TOKEN="$TOKEN" \
    "$HUBRULES" serve rules/timerex.rules --listen 127.0.0.1:0 --hubspot-url "$hubspot" --state "$state" "$@"
  SERVE_PID=$STARTED_PID SERVE_URL=$STARTED_URL
}
cpu() { json "$("${HELPER[@]}" cpu --pid "$1")" cpu_s; }
metrics() { "${HELPER[@]}" metrics --metrics "$SERVE_URL/metrics"; }

MACHINE="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores, $(df -h --output=source,fstype "$WORK" | tail -1 | tr -s ' '), load $(cut -d' ' -f1-3 /proc/loadavg) at the start, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== $MACHINE" >&2
TABLES=$WORK/tables.md
: >"$TABLES"
MISSED=0

# ---------------------------------------------------------------- 1: intake
if part 1; then
  echo "== part 1: intake, ${DURATION} s a cell" >&2
  declare -A RATE P50 P99
  {
    echo "### 1. Intake (${DURATION} s a cell; delivery pointed at a dead port)"
    echo
    echo "| mode | connections | webhooks/s (200) | p50 ms | p99 ms | commits (fsyncs)/s | webhooks per commit | serve CPU ms per 1k | 200s | non-200 | rows journaled |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  } >>"$TABLES"
  ACK_OK=1
  for mode in group fsync; do
    for conns in 1 16 64; do
      state=$WORK/intake-$mode-$conns.db
      # A short shutdown: delivery is stuck retrying the dead port, and serve would give its
      # batch the default 30 s (the intake is drained and committed first all the same).
      extra=(--no-portal-schema --shutdown-timeout-s 2)
      [[ $mode == fsync ]] && extra+=(--fsync-per-request)
      serve "serve-intake-$mode-$conns" "$state" http://127.0.0.1:1 "${extra[@]}"
      m0=$(metrics); c0=$(cpu "$SERVE_PID")
      threads=$((conns < 2 ? 1 : 2))
      SERVE_BENCH_SECRET=$SECRET SERVE_BENCH_RUN="$mode$conns" \
        wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency -s bench/serve_intake.lua \
        "$SERVE_URL/webhooks/timerex" >"$WORK/wrk-$mode-$conns.txt" 2>&1 || die "wrk failed: $(tail -5 "$WORK/wrk-$mode-$conns.txt")"
      m1=$(metrics); c1=$(cpu "$SERVE_PID")
      stop "$SERVE_PID"
      w=$(grep -o 'SERVE_BENCH_WRK .*' "$WORK/wrk-$mode-$conns.txt" | cut -d' ' -f2-)
      [[ -n $w ]] || die "no summary from wrk: $(cat "$WORK/wrk-$mode-$conns.txt")"
      rows=$(json "$("${HELPER[@]}" rows --state "$state")" rows)
      ok=$(json "$w" 'requests - non2xx')
      non2xx=$(json "$w" 'non2xx + socket_errors')
      dur=$(json "$w" duration_s)
      journaled=$(json "$m1" webhooks_journaled)
      commits=$("$PY" -c "import json,sys; a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2]); print(b['commits']-a['commits'])" "$m0" "$m1")
      rate=$("$PY" -c "print(round($ok / $dur))")
      RATE[$mode$conns]=$rate P50[$mode$conns]=$(json "$w" 'round(p50_ms, 2)') P99[$mode$conns]=$(json "$w" 'round(p99_ms, 2)')
      printf '| %s | %d | %s | %s | %s | %s | %s | %s | %d | %d | %d |\n' \
        "$([[ $mode == group ]] && echo 'group commit' || echo '--fsync-per-request')" "$conns" "$rate" \
        "${P50[$mode$conns]}" "${P99[$mode$conns]}" \
        "$("$PY" -c "print(round($commits / $dur))")" "$("$PY" -c "print(round($ok / max($commits, 1), 1))")" \
        "$("$PY" -c "print(round(($c1 - $c0) * 1e6 / max($ok, 1), 1))")" "$ok" "$non2xx" "$rows" >>"$TABLES"
      # No ack without a row: every 200 wrk counted is a journaled row. wrk leaves up to one
      # request per connection unread when its time is up; serve answered (and journaled) them.
      if ((rows < ok || rows > ok + conns)) || [[ ${journaled%.*} != "$rows" ]]; then
        ACK_OK=0
        echo "run_serve_bench: $mode $conns: $ok 200s counted by wrk, $rows rows, serve says $journaled journaled" >&2
      fi
      echo "   $mode c=$conns: $rate/s p99 ${P99[$mode$conns]} ms" >&2
    done
  done
  {
    echo
    echo "| connections | group commit ÷ fsync per request (webhooks/s) |"
    echo "| ---: | ---: |"
    for conns in 1 16 64; do
      echo "| $conns | $("$PY" -c "print(f'{${RATE[group$conns]} / max(${RATE[fsync$conns]}, 1):.1f}×')") |"
    done
    echo
  } >>"$TABLES"
  verdict "$("$PY" -c "print(int(${RATE[group64]} >= 5000))")" "64 connections: ${RATE[group64]} webhooks/s ≥ 5,000"
  verdict "$("$PY" -c "print(int(${P99[group64]} <= 50))")" "64 connections: p99 ${P99[group64]} ms ≤ 50 ms"
  verdict "$("$PY" -c "print(int(${RATE[group64]} >= 2 * ${RATE[fsync64]}))")" "64 connections: group commit ≥ 2× --fsync-per-request"
  verdict "$ACK_OK" "every 200 is a journaled row (rows = 200s + at most one unread answer per connection; = serve's journaled count)"
  echo >>"$TABLES"
fi

# ---------------------------------------------------------------- 2: end to end
if part 2 || part 3; then
  "$GEN" --count $((BURST + JOURNAL_NEW + STEADY_RATE * STEADY_S)) --seed 1 >"$WORK/bookings.ndjson"
fi
if part 2; then
  echo "== part 2: end to end, free-tier sandbox" >&2
  LIMITS=(--burst-limit 100 --search-rate 5 --search-lag-ms 3000)
  # (a) steady
  sandbox sandbox-steady "${LIMITS[@]}"
  serve serve-steady "$WORK/steady.db" "$SANDBOX_URL" --burst-limit 100 --search-lag-ms 3000
  n=$((STEADY_RATE * STEADY_S))
  sent=$("${HELPER[@]}" pace --url "$SERVE_URL/webhooks/timerex" --secret "$SECRET" --bookings "$WORK/bookings.ndjson" \
    --prefix steady- --rate "$STEADY_RATE" --seconds "$STEADY_S")
  steady=$("${HELPER[@]}" wait --state "$WORK/steady.db" --prefix steady- --expect "$n" --timeout 300 --poll 0.5)
  steady_m=$(metrics)
  STEADY_CALLS=$(json "$steady_m" 'int(hubspot_calls)')
  stop "$SERVE_PID"; stop "$SANDBOX_PID"
  # (b) burst
  sandbox sandbox-burst "${LIMITS[@]}"
  serve serve-burst "$WORK/burst.db" "$SANDBOX_URL" --burst-limit 100 --search-lag-ms 3000
  "${HELPER[@]}" wait --state "$WORK/burst.db" --prefix burst- --expect "$BURST" --metrics "$SERVE_URL/metrics" \
    --timeout 600 --poll 1 >"$WORK/burst-wait.json" &
  WAITER=$!; PIDS+=("$WAITER")
  sleep 1.5  # the waiter's first /metrics sample comes before the first booking
  burst_sent=$("${HELPER[@]}" burst --url "$SERVE_URL/webhooks/timerex" --secret "$SECRET" \
    --bookings "$WORK/bookings.ndjson" --prefix burst- --count "$BURST" --concurrency 16)
  wait "$WAITER"; forget "$WAITER"
  burst=$(cat "$WORK/burst-wait.json")
  burst_m=$(metrics)
  stop "$SERVE_PID"; stop "$SANDBOX_PID"
  burst_ret=$("${HELPER[@]}" retention --state "$WORK/burst.db")
  read -r T CALLS BCALLS BUSY < <(json "$burst" '"%s %d %d %d" % (first_received_to_last_final_s, hubspot_calls, hubspot_burst_calls, busiest_10s_burst_calls)')
  SHARE=$("$PY" -c "import math; print(round(100 * $BCALLS / (100 * math.ceil($T / 10))))")
  PER1K=$("$PY" -c "print(round($CALLS * 1000 / $BURST))")
  {
    echo "### 2. End to end into the sandbox with the free tier's limits (burst 100 per 10 s, search 5/s, search lag 3 s; serve --burst-limit 100 --search-lag-ms 3000)"
    echo
    echo "| run | bookings | sent at | 200s | finished (delivered / skipped) | ack→in HubSpot p50 s | p99 s | max s | first ack → last finished s |"
    echo "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"
    echo "$(json "$steady" '"| (a) steady | %d " % rows')| $(json "$sent" '"%.1f/s | %d" % (rate, ok)') | $(json "$steady" '"%d (%d / %d) | %.2f | %.2f | %.2f | %.1f |" % (final, by_state.get("delivered", 0), by_state.get("skipped", 0), latency_p50_s, latency_p99_s, latency_max_s, first_received_to_last_final_s)')"
    echo "$(json "$burst" '"| (b) burst | %d " % rows')| $(json "$burst_sent" '"%.0f/s (16 connections) | %d" % (rate, ok)') | $(json "$burst" '"%d (%d / %d) | %.2f | %.2f | %.2f | %.1f |" % (final, by_state.get("delivered", 0), by_state.get("skipped", 0), latency_p50_s, latency_p99_s, latency_max_s, first_received_to_last_final_s)')"
    echo
    echo "| burst of $BURST | value |"
    echo "| --- | ---: |"
    echo "| seconds until all finished (first ack → last finished) | $T |"
    echo "| HubSpot calls (all, searches and 429s included) | $CALLS |"
    echo "| calls per 1,000 bookings | $PER1K |"
    echo "| calls counted in the burst limit (all but searches) | $BCALLS |"
    echo "| share of the burst limit used (of 100 per 10 s begun) | $SHARE % |"
    echo "| busiest 10 s (sampled each second) | $BUSY of 100 |"
    echo "| 429 answers | $(json "$burst_m" 'int(hubspot_429)') |"
    echo "| steady run: HubSpot calls (the portal schema's 2 GETs at start included); per 1,000 bookings | $STEADY_CALLS; $("$PY" -c "print(round($STEADY_CALLS * 1000 / $n))") |"
    echo "| the burst's state file, MB per 100k bookings: as left; payloads dropped as serve's retention does; after a full VACUUM | $(json "$burst_ret" '"%s; %s; %s" % (mb_per_100k_before, mb_per_100k_after, mb_per_100k_after_vacuum)') |"
    echo "| hubrules_ack_to_delivered_seconds observations (steady; burst) | $(json "$steady_m" 'int(ack_to_delivered_count)'); $(json "$burst_m" 'int(ack_to_delivered_count)') |"
    echo
  } >>"$TABLES"
  verdict "$(json "$steady" 'int(not timed_out and latency_p99_s <= 2.0)')" "steady $STEADY_RATE/s: ack→in-HubSpot p99 $(json "$steady" 'latency_p99_s') s ≤ 2 s"
  verdict "$("$PY" -c "print(int($PER1K <= 45))")" "burst: $PER1K calls per 1,000 bookings ≤ 45"
  verdict "$(json "$burst" 'int(not timed_out)')" "burst: every booking finished"
  echo >>"$TABLES"
fi

# ---------------------------------------------------------------- 3: journal size
if part 3; then
  echo "== part 3: journal size ${JOURNAL_SIZES[*]}" >&2
  {
    echo "### 3. Journal size: delivering $JOURNAL_NEW new bookings into a lifted sandbox (burst 100,000, search 100,000/s, no search lag) with N finished bookings in the state"
    echo
    echo "| finished bookings in the state | prefill s | delivering $JOURNAL_NEW: first ack → last finished s | serve CPU ms per booking | state MB per 100k bookings | after dropping payloads (serve's retention SQL) | after a full VACUUM |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  } >>"$TABLES"
  declare -A JCPU
  for N in "${JOURNAL_SIZES[@]}"; do
    state=$WORK/journal-$N.db
    serve serve-journal-init-$N "$state" http://127.0.0.1:1 --no-portal-schema --shutdown-timeout-s 2  # the schema and the connection
    stop "$SERVE_PID"
    pre=$("${HELPER[@]}" prefill --state "$state" --bookings "$WORK/bookings.ndjson" --count "$N")
    sandbox sandbox-journal-$N --burst-limit 100000 --search-rate 100000 --search-lag-ms 0
    serve serve-journal-$N "$state" "$SANDBOX_URL" --no-portal-schema --burst-limit 10000 --search-lag-ms 0
    c0=$(cpu "$SERVE_PID")
    "${HELPER[@]}" burst --url "$SERVE_URL/webhooks/timerex" --secret "$SECRET" --bookings "$WORK/bookings.ndjson" \
      --prefix "j$N-" --count "$JOURNAL_NEW" --concurrency 8 >"$WORK/journal-$N-sent.json"
    j=$("${HELPER[@]}" wait --state "$state" --prefix "j$N-" --expect "$JOURNAL_NEW" --timeout 600 --poll 0.2)
    c1=$(cpu "$SERVE_PID")
    stop "$SERVE_PID"; stop "$SANDBOX_PID"
    ret=$("${HELPER[@]}" retention --state "$state")
    JCPU[$N]=$("$PY" -c "print(round(($c1 - $c0) * 1000 / $JOURNAL_NEW, 3))")
    printf '| %d | %s | %s | %s | %s | %s | %s |\n' "$N" "$(json "$pre" seconds)" "$(json "$j" first_received_to_last_final_s)" \
      "${JCPU[$N]}" "$(json "$ret" mb_per_100k_before)" "$(json "$ret" mb_per_100k_after)" \
      "$(json "$ret" mb_per_100k_after_vacuum)" >>"$TABLES"
    echo "   N=$N: ${JCPU[$N]} ms CPU per booking" >&2
    rm -f "$state" "$state-wal" "$state-shm"
  done
  small=${JOURNAL_SIZES[0]} large=${JOURNAL_SIZES[1]}
  echo >>"$TABLES"
  verdict "$("$PY" -c "print(int(${JCPU[$large]} <= 1.2 * ${JCPU[$small]}))")" \
    "serve CPU per booking with $large finished bookings within 20 % of $small ($("$PY" -c "print(f'{${JCPU[$large]} / ${JCPU[$small]}:.2f}')")×)"
  echo >>"$TABLES"
fi

echo "Machine: $MACHINE. Command: \`bash bench/run_serve_bench.sh$( ((QUICK)) && echo ' --quick')\`." >>"$TABLES"
echo
cat "$TABLES"
((MISSED)) && exit 2
exit 0
