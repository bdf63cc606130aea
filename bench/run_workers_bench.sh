#!/usr/bin/env bash
# The workers benchmark: several `hubrules serve` workers on one PostgreSQL, side by side with
# one worker on SQLite, on this machine, in three parts.
#
#   bash bench/run_workers_bench.sh [--quick]   (from the project root; ~12 min, --quick ~6 min)
#
#  1 intake: webhooks acknowledged durably per second, p50/p99, for SQLite (1 worker) and
#    PostgreSQL with 1, 2 and 3 workers: one wrk per worker in parallel (bench/serve_intake.lua,
#    every request a new booking), the connections split between them; delivery pointed at a
#    dead port (127.0.0.1:1) so the intake alone is measured. Then the 200s are checked against
#    the rows journaled.
#  2 claim→complete: bench/store_claim_bench through the StateStore interface, W threads each
#    with its own store session, each claiming its own integrations' rows (pending_of, 100) and
#    completing them (set_state delivered) in one transaction, with 50,000 finished rows in the
#    journal: rows/s and p50/p99 of the claim call, SQLite 1 and PostgreSQL 1, 2, 3.
#  3 1,000 portals at a trickle: three workers on PostgreSQL, one config with 1,000 integrations,
#    each its own token and its own sandboxed HubSpot (bench/sandbox_fleet, free tier: burst 100
#    per 10 s), a paced sender across the workers; ack→in-HubSpot p50/p99 from the journal and
#    whether every portal stayed within its limit (no 429 from any sandbox).
#
# The PostgreSQL cluster is the script's own (initdb in a temporary folder, a Unix socket only,
# stock settings: fsync and synchronous_commit on, so every 200 is a commit on disk), removed at
# exit. SQLite files and the cluster live on the same disk (/tmp).
#
# Flags:
#   --quick            intake 5 s a cell, claim 15,000 pending rows, trickle 20 s
#   --parts LIST       which parts, e.g. 1 or 1,3 (default 1,2,3)
#   --duration S       seconds per intake cell (default 10)
#   --portals N        portals in part 3 (default 1000)
#   --rate R           part 3's total webhooks/s over all portals (default 50)
#   --build-dir DIR    CMake build directory (default build-bench)
#   --no-build         use the programs already built there
#   --keep             keep the working directory (state files, logs, wrk output, part 3's
#                      per-booking latencies in trickle-bookings.tsv; not the cluster)
#   --busy N           N busy loops beside the whole run, as neighbours on a shared machine
#                      (a build with -j2 is about --busy 2): measures under load on purpose
#
# Exit status: 0 everything ran and met its targets; 1 something failed; 2 a target was missed.
# Needs wrk (with LuaJIT), python3 (standard library only), psql and PostgreSQL's server
# (/usr/lib/postgresql/*/bin, Debian's postgresql). See bench/README.md.
set -euo pipefail

BUILD=1
BUILD_DIR=build-bench
QUICK=0
KEEP=0
PARTS=1,2,3
DURATION=
PORTALS=1000
RATE=50
BUSY=0
SECRET=s3cret
TOKEN=pat-workers-bench
CONNECTIONS=64          # intake: as the serve benchmark's headline row, split over the workers
FINISHED=50000          # claim: finished rows behind the pending ones
INTEGRATIONS=12         # claim: 12 integrations split evenly over 1, 2 or 3 workers

die() { printf 'run_workers_bench: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,42p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }

while (($#)); do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --parts) [[ $# -ge 2 && $2 =~ ^[123](,[123])*$ ]] || die "--parts needs a list like 1,3"; PARTS=$2; shift 2 ;;
    --duration) [[ $# -ge 2 && $2 =~ ^[0-9]+$ && $2 -gt 0 ]] || die "--duration needs seconds"; DURATION=$2; shift 2 ;;
    --portals) [[ $# -ge 2 && $2 =~ ^[0-9]+$ && $2 -gt 0 ]] || die "--portals needs a number"; PORTALS=$2; shift 2 ;;
    --rate) [[ $# -ge 2 && $2 =~ ^[0-9]+$ && $2 -gt 0 ]] || die "--rate needs a number"; RATE=$2; shift 2 ;;
    --build-dir) [[ $# -ge 2 ]] || die "--build-dir needs a directory"; BUILD_DIR=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --keep) KEEP=1; shift ;;
    --busy) [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || die "--busy needs a number"; BUSY=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) printf 'run_workers_bench: unknown argument %s\n' "$1" >&2; usage 2 ;;
  esac
done
part() { [[ ,$PARTS, == *,$1,* ]]; }

if ((QUICK)); then
  DURATION=${DURATION:-5}; PENDING=15000; TRICKLE_S=20
else
  DURATION=${DURATION:-10}; PENDING=60000; TRICKLE_S=60
fi

cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -f CMakeLists.txt && -f rules/timerex.rules && -d bench ]] || die "run it from the hubrules project"
for tool in cmake python3 psql; do command -v "$tool" >/dev/null || die "$tool is not installed (scripts/install-deps.sh)"; done
if part 1; then command -v wrk >/dev/null || die "wrk is not installed (scripts/install-deps.sh)"; fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[[ -n $PGBIN && -x $PGBIN/initdb && -x $PGBIN/pg_ctl ]] || die "no PostgreSQL server in /usr/lib/postgresql/*/bin (scripts/install-deps.sh)"

if ((BUILD)); then
  echo "== building hubrules, gen_bookings, store_claim_bench and sandbox_fleet (Release) in $BUILD_DIR" >&2
  LOG=$(mktemp "${TMPDIR:-/tmp}/workers-bench-build.XXXXXX")
  if ! { cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DHUBRULES_BENCH=ON &&
         cmake --build "$BUILD_DIR" -j2 --target hubrules gen_bookings store_claim_bench sandbox_fleet; } >"$LOG" 2>&1; then
    tail -n 40 "$LOG" >&2
    die "the build failed (the whole log: $LOG)"
  fi
  rm -f "$LOG"
fi
source bench/find_program.sh
HUBRULES=$(find_program hubrules)
GEN=$(find_program gen_bookings)
CLAIM=$(find_program store_claim_bench)
FLEET=$(find_program sandbox_fleet)
PY=$(python3 -c 'import sys; print(sys.executable)')  # the interpreter itself, not a version manager's shim
HELPER=("$PY" bench/workers_bench.py)
SERVE_HELPER=("$PY" bench/serve_bench.py)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/workers-bench.XXXXXX")
PIDS=()
PGDIR=
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n $PGDIR && -d $PGDIR/data ]]; then
    (cd "$PGDIR" && as_pg "$PGBIN/pg_ctl" stop -D "$PGDIR/data" -m immediate -w -t 30 >/dev/null 2>&1) || true
  fi
  [[ $PGDIR == /tmp/workers-bench-pg.* ]] && rm -rf -- "$PGDIR"
  if ((KEEP)); then echo "== kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The neighbours, when asked for: stopped at exit with the other processes.
for ((i = 0; i < BUSY; i++)); do
  bash -c 'while :; do :; done' &
  PIDS+=("$!")
done

# ---------------------------------------------------------------- the PostgreSQL cluster
# Our own few lines rather than tests/postgres/cluster.sh: that one turns fsync and
# synchronous_commit off to make the tests fast, and here every 200 must be a durable commit.
# Stock settings otherwise; a Unix socket in a private folder, no TCP port.
PGDIR=$(mktemp -d /tmp/workers-bench-pg.XXXXXX)
chmod 0700 "$PGDIR"
[[ $(id -u) -eq 0 ]] && chown postgres: "$PGDIR"
PGPORT_=$((20000 + RANDOM % 30000))
(cd "$PGDIR" && as_pg "$PGBIN/initdb" -D "$PGDIR/data" -U postgres -A trust -E UTF8 --locale=C >"$PGDIR/initdb.log" 2>&1) ||
  { cat "$PGDIR/initdb.log" >&2; die "initdb failed"; }
(cd "$PGDIR" && as_pg "$PGBIN/pg_ctl" start -D "$PGDIR/data" -w -t 60 -l "$PGDIR/server.log" \
  -o "-c listen_addresses='' -k $PGDIR -p $PGPORT_" >/dev/null) || { cat "$PGDIR/server.log" >&2; die "PostgreSQL did not start"; }
PG_POSTMASTER=$(head -n 1 "$PGDIR/data/postmaster.pid")
export PGHOST=$PGDIR PGPORT=$PGPORT_ PGUSER=postgres
PG_VERSION=$(psql -X -At -d postgres -c 'SHOW server_version' | cut -d' ' -f1)
[[ $(psql -X -At -d postgres -c 'SHOW fsync')/$(psql -X -At -d postgres -c 'SHOW synchronous_commit') == on/on ]] ||
  die "the cluster must run with fsync and synchronous_commit on"
pg_url() { echo "postgresql://postgres@/$1?host=$PGDIR&port=$PGPORT_"; }
# fresh_db NAME: an empty database at hubrules' latest schema, as `hubrules migrate` leaves it.
fresh_db() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
  "$HUBRULES" migrate --state "$(pg_url "$1")" >"$WORK/migrate-$1.log" 2>&1 || { cat "$WORK/migrate-$1.log" >&2; die "migrate $1 failed"; }
}

source bench/bench_processes.sh
calc() { "$PY" -c "import math; print($1)"; }
# ratio_rows TABLE: the ratio rows of a part, from its associative array (keys sqlite1, pg1…pg3).
ratio_rows() {
  local -n rate=$1
  for W in 1 2 3; do echo "| PostgreSQL × $W ÷ SQLite × 1 | $(calc "f'{${rate[pg$W]} / max(${rate[sqlite1]}, 1):.2f}×'") |"; done
  for W in 2 3; do echo "| PostgreSQL × $W ÷ PostgreSQL × 1 | $(calc "f'{${rate[pg$W]} / max(${rate[pg1]}, 1):.2f}×'") |"; done
}

MACHINE="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores, $(df -h --output=source,fstype "$WORK" | tail -1 | tr -s ' '), PostgreSQL $PG_VERSION (stock settings, fsync on, synchronous_commit on), load $(cut -d' ' -f1-3 /proc/loadavg) at the start$( ((BUSY)) && echo ", $BUSY busy loops beside the run (--busy $BUSY)"), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== $MACHINE" >&2
TABLES=$WORK/tables.md
: >"$TABLES"
MISSED=0

# ---------------------------------------------------------------- 1: intake
if part 1; then
  echo "== part 1: intake, ${DURATION} s a cell, $CONNECTIONS connections split over the workers" >&2
  declare -A RATE
  {
    echo "### 1. Intake ($CONNECTIONS connections split over the workers, one wrk each; ${DURATION} s a cell; delivery pointed at a dead port)"
    echo
    echo "| store | workers | webhooks/s (200) | p50 ms | p99 ms | commits/s | webhooks per commit | committer busy (per worker) | serve CPU ms per 1k | PostgreSQL CPU ms per 1k | 200s | non-200 | rows journaled |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  } >>"$TABLES"
  ACK_OK=1
  for cell in sqlite:1 pg:1 pg:2 pg:3; do
    kind=${cell%:*} W=${cell#*:}
    if [[ $kind == sqlite ]]; then state=$WORK/intake.db; else fresh_db "intake_$W"; state=$(pg_url "intake_$W"); fi
    urls=() pids=()
    for ((w = 0; w < W; w++)); do
      # A short shutdown: delivery is stuck retrying the dead port (the intake is drained and
      # committed first all the same).
      start "serve-intake-$kind$W-$w" 60 env TIMEREX_WEBHOOK_SECRET="$SECRET" HUBSPOT_TOKEN="$TOKEN" \
        "$HUBRULES" serve rules/timerex.rules --listen 127.0.0.1:0 --state "$state" \
        --hubspot-url http://127.0.0.1:1 --no-portal-schema --shutdown-timeout-s 2
      urls+=("$STARTED_URL") pids+=("$STARTED_PID")
    done
    pidlist=$(IFS=,; echo "${pids[*]}")
    m0=() m1=()
    for u in "${urls[@]}"; do m0+=("$("${SERVE_HELPER[@]}" metrics --metrics "$u/metrics")"); done
    c0=$("${HELPER[@]}" cpu --pids "$pidlist" --children-of "$PG_POSTMASTER")
    # One wrk per worker, all at once; the connections split (64, 32+32, 22+21+21). Two wrk
    # threads in all where one wrk runs, else one each: wrk shares the 2 cores with the workers.
    wrks=()
    for ((w = 0; w < W; w++)); do
      conns=$(( CONNECTIONS / W + (w < CONNECTIONS % W ? 1 : 0) ))
      SERVE_BENCH_SECRET=$SECRET SERVE_BENCH_RUN="$kind$W-w$w" \
        wrk -t"$((W == 1 ? 2 : 1))" -c"$conns" -d"${DURATION}s" --latency -s bench/serve_intake.lua \
        "${urls[$w]}/webhooks/timerex" >"$WORK/wrk-$kind$W-$w.txt" 2>&1 &
      wrks+=($!)
    done
    for p in "${wrks[@]}"; do wait "$p" || die "wrk failed: $(cat "$WORK"/wrk-"$kind$W"-*.txt | tail -5)"; done
    c1=$("${HELPER[@]}" cpu --pids "$pidlist" --children-of "$PG_POSTMASTER")
    for u in "${urls[@]}"; do m1+=("$("${SERVE_HELPER[@]}" metrics --metrics "$u/metrics")"); done
    for p in "${pids[@]}"; do stop "$p"; done
    # Sum the wrks (their durations are the same to a few ms: the slowest one's is the cell's)
    # and the workers' metrics; the p50 is the mean of the wrks', the p99 the worst one's.
    summary=$("$PY" - "$WORK" "$kind$W" "$W" "${m0[@]}" "${m1[@]}" <<'EOF'
import glob, json, re, sys
work, tag, W = sys.argv[1], sys.argv[2], int(sys.argv[3])
m0, m1 = [json.loads(x) for x in sys.argv[4:4 + W]], [json.loads(x) for x in sys.argv[4 + W:4 + 2 * W]]
ws = []
for path in sorted(glob.glob("%s/wrk-%s-*.txt" % (work, tag))):
    m = re.search(r"SERVE_BENCH_WRK (.*)", open(path).read())
    if not m:
        sys.exit("no summary from wrk in " + path)
    ws.append(json.loads(m.group(1)))
ok = sum(w["requests"] - w["non2xx"] for w in ws)
print(json.dumps({
    "ok": ok, "non2xx": sum(w["non2xx"] + w["socket_errors"] for w in ws),
    "duration_s": max(w["duration_s"] for w in ws),
    "p50_ms": sum(w["p50_ms"] for w in ws) / len(ws), "p99_ms": max(w["p99_ms"] for w in ws),
    "commits": sum(b["commits"] - a["commits"] for a, b in zip(m0, m1)),
    # How busy each worker's committer thread was (its group commits' time over the run).
    "committer_busy": sum(b["commit_seconds"] - a["commit_seconds"] for a, b in zip(m0, m1)) / W / max(w["duration_s"] for w in ws),
    "journaled": sum(b["webhooks_journaled"] for b in m1),
}))
EOF
)
    rows=$(json "$("${HELPER[@]}" rows --state "$state")" rows)
    read -r ok non2xx dur p50 p99 commits journaled busy < <(json "$summary" '"%d %d %s %.2f %.2f %d %d %d" % (ok, non2xx, duration_s, p50_ms, p99_ms, commits, journaled, round(100 * committer_busy))')
    RATE[$kind$W]=$(calc "round($ok / $dur)")
    cpu_serve=$(calc "round(($(json "$c1" cpu_s) - $(json "$c0" cpu_s)) * 1e6 / max($ok, 1), 1)")
    cpu_pg=$(calc "round(($(json "$c1" pg_cpu_s) - $(json "$c0" pg_cpu_s)) * 1e6 / max($ok, 1), 1)")
    printf '| %s | %d | %s | %s | %s | %s | %s | %s %% | %s | %s | %d | %d | %d |\n' \
      "$([[ $kind == sqlite ]] && echo SQLite || echo PostgreSQL)" "$W" "${RATE[$kind$W]}" "$p50" "$p99" \
      "$(calc "round($commits / $dur)")" "$(calc "round($ok / max($commits, 1), 1)")" "$busy" "$cpu_serve" \
      "$([[ $kind == sqlite ]] && echo — || echo "$cpu_pg")" "$ok" "$non2xx" "$rows" >>"$TABLES"
    # No ack without a row: every 200 is a journaled row. wrk leaves up to one request per
    # connection unread when its time is up; serve answered (and journaled) them.
    if ((rows < ok || rows > ok + CONNECTIONS || rows != journaled)); then
      ACK_OK=0
      echo "run_workers_bench: $kind $W: $ok 200s counted by wrk, $rows rows, the workers say $journaled journaled" >&2
    fi
    echo "   $kind × $W: ${RATE[$kind$W]}/s p99 $p99 ms" >&2
    [[ $kind == pg ]] && psql -X -q -d postgres -c "DROP DATABASE intake_$W" >/dev/null
  done
  {
    echo
    echo "| ratio (webhooks/s) | |"
    echo "| --- | ---: |"
    ratio_rows RATE
    echo
  } >>"$TABLES"
  verdict "$(calc "int(${RATE[pg3]} >= 3000)")" "three workers, one PostgreSQL: ${RATE[pg3]} durable webhooks/s ≥ 3,000"
  verdict "$ACK_OK" "every 200 is a journaled row (rows = the workers' journaled count, within 200s + one per connection)"
  echo >>"$TABLES"
fi

# ---------------------------------------------------------------- 2: claim → complete
if part 2; then
  echo "== part 2: claim→complete, $FINISHED finished + $PENDING pending rows over $INTEGRATIONS integrations" >&2
  declare -A CLAIM_RATE
  {
    echo "### 2. Claim→complete ($FINISHED finished + $PENDING pending rows over $INTEGRATIONS integrations; pending_of(integration, 100) + set_state(delivered) per row, one transaction per claim)"
    echo
    echo "| store | workers (sessions) | rows | seconds | rows/s | claim p50 ms | claim p99 ms | claim max ms | transaction p50 ms | transaction p99 ms |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  } >>"$TABLES"
  # The prefill once per store kind; each run starts from a copy of it (a file copy; CREATE
  # DATABASE … TEMPLATE), so every run meets the same journal.
  pre_sqlite=$("$CLAIM" prefill --state "$WORK/claim.db" --integrations "$INTEGRATIONS" --finished "$FINISHED" --pending "$PENDING")
  fresh_db claim_template
  pre_pg=$("$CLAIM" prefill --state "$(pg_url claim_template)" --integrations "$INTEGRATIONS" --finished "$FINISHED" --pending "$PENDING")
  # What autovacuum would have done by now on a live database: the planner's statistics and the
  # visibility map. (CREATE DATABASE copies both.)
  psql -X -q -d claim_template -c 'VACUUM ANALYZE' >/dev/null
  echo "   prefilled: SQLite $(json "$pre_sqlite" seconds) s, PostgreSQL $(json "$pre_pg" seconds) s" >&2
  for cell in sqlite:1 pg:1 pg:2 pg:3; do
    kind=${cell%:*} W=${cell#*:}
    if [[ $kind == sqlite ]]; then
      state=$WORK/claim.db
    else
      psql -X -q -d postgres -c "CREATE DATABASE claim_$W TEMPLATE claim_template" >/dev/null
      state=$(pg_url "claim_$W")
    fi
    r=$("$CLAIM" run --state "$state" --integrations "$INTEGRATIONS" --workers "$W" --batch 100) || die "store_claim_bench failed ($kind × $W)"
    [[ $(json "$r" "rows == $PENDING and pending_left == 0 and delivered == $FINISHED + $PENDING") == True ]] ||
      die "store_claim_bench $kind × $W did not complete every row exactly once: $r"
    CLAIM_RATE[$kind$W]=$(json "$r" rows_per_s)
    echo "$(json "$r" '"| %s | %d | %d | %.2f | %d | %.2f | %.2f | %.2f | %.2f | %.2f |" % ("'"$([[ $kind == sqlite ]] && echo SQLite || echo PostgreSQL)"'", workers, rows, seconds, rows_per_s, claim_p50_ms, claim_p99_ms, claim_max_ms, txn_p50_ms, txn_p99_ms)')" >>"$TABLES"
    echo "   $kind × $W: ${CLAIM_RATE[$kind$W]} rows/s, claim p99 $(json "$r" claim_p99_ms) ms" >&2
    [[ $kind == pg ]] && psql -X -q -d postgres -c "DROP DATABASE claim_$W" >/dev/null
  done
  {
    echo
    echo "| ratio (rows/s) | |"
    echo "| --- | ---: |"
    ratio_rows CLAIM_RATE
    echo
    echo "Anchors (the projects' own published numbers on 8+ cores, not rerun here): River ~46,000 jobs/s, graphile-worker 15,600 jobs/s unbatched. Both are job queues whose job is the row; here a claim also reads the booking's payload and completes each row with its own UPDATE."
    echo
  } >>"$TABLES"
  psql -X -q -d postgres -c "DROP DATABASE claim_template" >/dev/null
fi

# ---------------------------------------------------------------- 3: portals at a trickle
if part 3; then
  N=$PORTALS W=3
  total=$((RATE * TRICKLE_S))
  echo "== part 3: $N portals, $W workers, $RATE webhooks/s for $TRICKLE_S s" >&2
  "$GEN" --count "$total" --seed 1 >"$WORK/bookings.ndjson"
  # The fleet serves until its stdin closes: a FIFO this script holds open, so the fleet goes
  # with the script however it ends.
  mkfifo "$WORK/fleet.in"
  "$FLEET" --count "$N" --burst-limit 100 --search-rate 5 --search-lag-ms 3000 <"$WORK/fleet.in" \
    >"$WORK/fleet.out" 2>"$WORK/fleet.err" &
  FLEET_PID=$!
  PIDS+=("$FLEET_PID")
  exec 7>"$WORK/fleet.in"
  for ((i = 0; i < 1200; i++)); do
    grep -q '^READY' "$WORK/fleet.out" && break
    kill -0 "$FLEET_PID" 2>/dev/null || { cat "$WORK/fleet.err" >&2; die "sandbox_fleet did not start"; }
    sleep 0.1
  done
  grep -q '^READY' "$WORK/fleet.out" || die "sandbox_fleet did not start $N sandboxes within 120 s"
  fresh_db trickle
  state=$(pg_url trickle)
  "${HELPER[@]}" config --out "$WORK/workers.toml" --state "$state" --rules rules/timerex.rules \
    --fleet "$WORK/fleet.out" --tokens "$WORK/tokens" --lease-s 15 >/dev/null
  urls=() pids=() up=()
  for ((w = 0; w < W; w++)); do
    t_start=$(date +%s.%N)
    start "serve-trickle-$w" 300 env TIMEREX_WEBHOOK_SECRET="$SECRET" \
      "$HUBRULES" serve --config "$WORK/workers.toml" --listen 127.0.0.1:0
    urls+=("$STARTED_URL") pids+=("$STARTED_PID") up+=("$(calc "round($(date +%s.%N) - $t_start, 1)")")
  done
  started_s=$(IFS=+; calc "round(${up[*]}, 1)")
  started_each=$(IFS=/; echo "${up[*]}")
  pidlist=$(IFS=,; echo "${pids[*]}")
  # Before the trickle, the workers settle: every lease held, none above its share. A portal
  # handed over waits out its previous owner's rate window (10 s) before its first call.
  spread=$("${HELPER[@]}" spread --state "$state" --portals "$N" --workers "$W" --timeout 180)
  echo "   workers up in $started_s s; leases: $spread" >&2
  sleep 11
  # The workers' (and PostgreSQL's) CPU while idle with N portals: the cost of carrying them.
  i0=$("${HELPER[@]}" cpu --pids "$pidlist" --children-of "$PG_POSTMASTER"); sleep 10
  i1=$("${HELPER[@]}" cpu --pids "$pidlist" --children-of "$PG_POSTMASTER")
  c0=$i1
  sent=$("${HELPER[@]}" trickle --urls "$(IFS=,; echo "${urls[*]}")" --secret "$SECRET" \
    --bookings "$WORK/bookings.ndjson" --portals "$N" --prefix tr- --rate "$RATE" --seconds "$TRICKLE_S")
  c1=$("${HELPER[@]}" cpu --pids "$pidlist" --children-of "$PG_POSTMASTER")
  done_=$("${HELPER[@]}" wait --state "$state" --prefix tr- --expect "$total" --timeout 300 \
    --dump "$WORK/trickle-bookings.tsv")
  for p in "${pids[@]}"; do stop "$p"; done
  exec 7>&-  # the fleet prints its totals and exits
  wait "$FLEET_PID" || true
  forget "$FLEET_PID"
  fleet=$(grep '^{' "$WORK/fleet.out" | tail -n 1)
  [[ -n $fleet ]] || die "sandbox_fleet printed no totals: $(tail -5 "$WORK/fleet.err")"
  idle_w=$(calc "round(($(json "$i1" cpu_s) - $(json "$i0" cpu_s)) / 10 * 100)")
  idle_pg=$(calc "round(($(json "$i1" pg_cpu_s) - $(json "$i0" pg_cpu_s)) / 10 * 100)")
  run_s=$(json "$sent" seconds)
  run_w=$(calc "round(($(json "$c1" cpu_s) - $(json "$c0" cpu_s)) / $run_s * 100)")
  run_pg=$(calc "round(($(json "$c1" pg_cpu_s) - $(json "$c0" pg_cpu_s)) / $run_s * 100)")
  {
    echo "### 3. $N portals at a trickle: $W workers on PostgreSQL, each portal its own token and sandbox (burst 100 per 10 s, search 5/s, search lag 3 s), lease_s 15"
    echo
    echo "| portals | sent at | 200s | finished (delivered / skipped) | ack→in HubSpot p50 s | p99 s | max s | ack p99 ms | 429 (burst) from the sandboxes | portals that got a 429 |"
    echo "| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    echo "| $N | $(json "$sent" '"%.1f/s for %.0f s | %d" % (rate, seconds, ok)') | $(json "$done_" '"%d (%d / %d) | %s | %s | %s" % (final, by_state.get("delivered", 0), by_state.get("skipped", 0), latency_p50_s, latency_p99_s, latency_max_s)') | $(json "$sent" ack_p99_ms) | $(json "$fleet" burst_limited) | $(json "$fleet" portals_burst_limited) |"
    echo
    echo "| carrying $N portals | value |"
    echo "| --- | ---: |"
    echo "| workers up (3 started one after the other, each to its first line): in all (each) | $started_s s ($started_each s) |"
    echo "| leases spread (held per worker) | $(json "$spread" '"%s after %s s" % (leases_by_worker, seconds)') |"
    echo "| CPU idle (no webhooks): 3 workers; PostgreSQL | $idle_w %; $idle_pg % of one core |"
    echo "| CPU during the trickle: 3 workers; PostgreSQL | $run_w %; $run_pg % of one core |"
    echo "| HubSpot requests (all sandboxes); the busiest portal's | $(json "$fleet" requests); $(json "$fleet" busiest_portal_requests) |"
    echo "| contacts / companies created in the sandboxes | $(json "$fleet" contacts) / $(json "$fleet" companies) |"
    echo
  } >>"$TABLES"
  verdict "$(json "$done_" 'int(not timed_out and latency_p99_s is not None and latency_p99_s <= 3.0)')" \
    "$N portals, $RATE/s: ack→in-HubSpot p99 $(json "$done_" latency_p99_s) s ≤ 3 s"
  verdict "$(json "$fleet" 'int(burst_limited == 0)')" "every portal within its limit (no 429 from any of the $N sandboxes)"
  verdict "$(json "$done_" 'int(not timed_out)')" "every booking finished"
  verdict "$(json "$sent" "int(ok == $total)")" "every webhook acknowledged ($(json "$sent" ok) of $total)"
  echo >>"$TABLES"
fi

echo "Machine: $MACHINE. Command: \`bash bench/run_workers_bench.sh$( ((QUICK)) && echo ' --quick')$( ((BUSY)) && echo " --busy $BUSY")\`." >>"$TABLES"
echo
cat "$TABLES"
((MISSED)) && exit 2
exit 0
